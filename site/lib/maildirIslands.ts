/**
 * The lesson page's Maildir islands, filled at build time with the view's own markup while
 * it waits (MaildirView with its unseen sample): the box the view will take is there before
 * any script runs, so the view arriving late moves nothing below it.
 */

/** A ```lab maildir block as lessonBlocks.ts writes it: the island and its one-line fallback. */
const MAILDIR_ISLAND = /<div class="lab-island" data-island="maildir"(?: data-user="([^"]*)")?>[\s\S]*?<\/div>/g;

/**
 * `html` with each Maildir island's fallback replaced by `waitingView(user)`, and the lab
 * machine's name on the island for the view the page mounts there later.
 */
export function fillMaildirIslands(html: string, host: string, waitingView: (user: string | undefined) => string): string {
  return html.replace(MAILDIR_ISLAND, (island, user: string | undefined) => {
    const start = island.slice(0, island.indexOf('>'));
    return `${start} data-host="${host.replace(/[&"<>]/g, '')}">${waitingView(user)}</div>`;
  });
}

/**
 * The Maildir views answered last, by sandbox, each with the tag of what it shows: a request
 * without If-None-Match (a reload, a second tab, or a loop of requests sent by hand) for a view
 * that has not changed gets the same tree again (with the usage of the moment put in) instead
 * of every folder synced and written out anew, some 25 ms of the event loop for a sandbox at
 * its quota of 10,000 messages. Bounded by the text they hold; the oldest go first.
 */

/** Enough for a class of 300 ordinary sandboxes (a few KB to some 20 KB each) and a few full ones. */
const MAX_CHARS = 8 * 1024 * 1024;

export class RecentViews {
  private readonly views = new Map<string, { etag: string; json: string }>();
  private chars = 0;

  constructor(private readonly maxChars = MAX_CHARS) {}

  /** The JSON last answered for this sandbox, if it was answered under this tag. */
  get(sandboxId: string, etag: string): string | undefined {
    const view = this.views.get(sandboxId);
    return view?.etag === etag ? view.json : undefined;
  }

  remember(sandboxId: string, etag: string, json: string): void {
    this.forget(sandboxId);
    if (json.length > this.maxChars) return;
    this.views.set(sandboxId, { etag, json });
    this.chars += json.length;
    for (const [id] of this.views) {
      if (this.chars <= this.maxChars) break;
      this.forget(id);
    }
  }

  private forget(sandboxId: string): void {
    const view = this.views.get(sandboxId);
    if (!view) return;
    this.chars -= view.json.length;
    this.views.delete(sandboxId);
  }
}

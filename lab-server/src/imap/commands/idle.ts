/**
 * IDLE (RFC 2177): the client waits and the server reports new mail, flag changes and
 * expunges at once, until the client sends DONE.
 */
import { defineCommand, LOGGED_IN, type SessionApi } from '../command.js';
import { bad, ok, type ResponseWriter } from '../response.js';

/** How often IDLE looks at the Maildir for changes no event announced. */
const IDLE_POLL_MS = 5000;

/** Reports changes as they happen until the client sends a line; undefined if the session ended. */
async function untilLine(session: SessionApi, out: ResponseWriter): Promise<Buffer | undefined> {
  const next = session.readLine();
  for (;;) {
    const selected = session.selected;
    // Changes made behind the store's back (a file dropped into new/ by hand) send no event:
    // look at the directories every few seconds as well.
    let endPoll: () => void = () => undefined;
    const poll = new Promise<undefined>((resolve) => (endPoll = () => resolve(undefined)));
    const timer = setTimeout(() => endPoll(), IDLE_POLL_MS);
    const wake = selected ? Promise.race([selected.waitForChange().then(() => undefined), poll]) : new Promise<never>(() => undefined);
    const woke = await Promise.race([next.then((line) => ({ line })), wake]);
    clearTimeout(timer);
    if (woke) return woke.line;
    if (session.closed) return undefined;
    if (!(await session.sendUpdates(true))) return undefined;
    await out.flush();
  }
}

export default defineCommand({
  name: 'IDLE',
  states: LOGGED_IN,
  args: [],
  example: 'IDLE',
  async handle({ session, out }) {
    await out.continuation('idling: changes are reported as they happen. Type DONE to stop');
    const line = await session.idle(() => untilLine(session, out));
    if (line === undefined) return { status: 'OK', text: '', sent: true };
    if (line.toString('latin1').trim().toUpperCase() !== 'DONE') return bad('Expected DONE to end IDLE; IDLE has ended. Type IDLE to start again');
    return ok('IDLE terminated');
  },
});

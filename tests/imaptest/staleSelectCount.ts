/**
 * imaptest's second defect in its QRESYNC stress mode: the message count it keeps across a
 * SELECT ... (QRESYNC (uidvalidity modseq)) goes stale. At the UIDVALIDITY code it remembers
 * the count of the EXISTS it has had (client-state.c, qresync_pending_exists) and swaps in its
 * saved view; at the tagged OK it sets its count to that remembered number, whatever the server
 * said in between. A VANISHED (RFC 7162 §3.2.10: sent when an EXPUNGE may be, and RFC 3501
 * §7.4.1 allows one during SELECT) or an EXISTS (RFC 3501 §5.2: a size change seen during a
 * command MUST be told) after that code is undone. The lab tells what changed while the SELECT
 * ran before its tagged OK; Dovecot 2.3 tells it at the next command, so against Dovecot
 * imaptest never meets this.
 *
 * Measured (round 20): "* 19 EXISTS", UIDVALIDITY, the QRESYNC FETCHes, then "* VANISHED
 * 6,20,23,32,37,52,56" (another session's EXPUNGE meanwhile) and the tagged OK: the lab has 12
 * messages, imaptest 19 again. It then names message 19 (the lab answers "BAD Message 19 does
 * not exist: this mailbox has 12 messages") and at the next "* 13 EXISTS" says "Message count
 * dropped 19 -> 13" and hangs up (client_disconnect), cutting off any APPEND it was sending:
 * "APPEND failed: Broken pipe", printed without the session's number.
 *
 * Only those errors, and only in a session whose rawlog shows the count going stale, are
 * imaptest's; any other error of that session still counts against the lab.
 */
import { rawlogLines } from './report.js';

/** One SELECT ... (QRESYNC ...) after which imaptest's count differs from the server's. */
export interface StaleCount {
  /** imaptest's session number: its rawlog.<n>, its tags "<n>.<k>", its errors "user[<n>]". */
  session: number;
  /** The count imaptest set at the tagged OK: the EXISTS before the UIDVALIDITY code. */
  stale: number;
  /** The count the server's answer left: later EXISTS set it, each UID a VANISHED names takes one off. */
  told: number;
  /** The session's rawlog ends with an APPEND that got no tagged answer (cut off when imaptest hung up). */
  appendCutOff: boolean;
}

/** Number of UIDs (or numbers) in an IMAP sequence set such as "6,20:23,52". */
function setSize(set: string): number {
  return set.split(',').reduce((n, part) => {
    const [low, high] = part.split(':').map(Number) as [number, number | undefined];
    return n + (high === undefined ? 1 : Math.abs(high - low) + 1);
  }, 0);
}

interface OpenSelect {
  tag: string;
  exists?: number;
  stale?: number;
  told?: number;
}

/**
 * The QRESYNC SELECTs of one imaptest rawlog ("<time> I: <line>" from the server, "<time> O:
 * <line>" from imaptest) whose answer changed the count after the UIDVALIDITY code.
 */
export function staleSelectCounts(rawlog: string, session: number): StaleCount[] {
  const found: StaleCount[] = [];
  const unanswered = new Set<string>();
  let select: OpenSelect | undefined;
  for (const { direction, text } of rawlogLines(rawlog)) {
    if (direction === 'O') {
      // imaptest's tags are "<session>.<k>"; a line of a message it appends has none.
      const command = /^(\d+\.\d+) (\S+)/.exec(text);
      if (command?.[2]!.toUpperCase() === 'APPEND') unanswered.add(command[1]!);
      if (/^\d+\.\d+ SELECT \S+ \(QRESYNC \(/i.test(text)) select = { tag: command![1]! };
      continue;
    }
    const tagged = /^(\d+\.\d+) /.exec(text);
    if (tagged) unanswered.delete(tagged[1]!);
    if (!select) continue;
    if (tagged?.[1] === select.tag) {
      if (select.stale !== undefined && select.told !== select.stale) found.push({ session, stale: select.stale, told: select.told!, appendCutOff: false });
      select = undefined;
      continue;
    }
    const exists = /^\* (\d+) EXISTS$/.exec(text);
    const vanished = /^\* VANISHED ([\d:,]+)$/.exec(text);
    if (/^\* OK \[UIDVALIDITY \d+\]/.test(text)) select.stale = select.told = select.exists;
    else if (exists) {
      select.exists = Number(exists[1]);
      if (select.stale !== undefined) select.told = select.exists;
    } else if (vanished && select.told !== undefined) select.told -= setSize(vanished[1]!);
  }
  const cutOff = unanswered.size > 0;
  return found.map((s) => ({ ...s, appendCutOff: cutOff }));
}

/** A stress error line: the session it names ("user[n]: "), if any, and its text. */
export interface StressError {
  session?: number;
  text: string;
}

/**
 * Splits stress errors into imaptest's own, from the stale counts found in the rawlogs, and
 * the rest. An error of a stale session is imaptest's when it is "Message count dropped" from
 * or to the stale count, or the lab's BAD to a message number the stale count had and the
 * server's had not. "APPEND failed: Broken pipe" names no session: as many are imaptest's as
 * stale sessions it hung up on ("Message count dropped") while an APPEND was under way.
 */
export function staleCountErrors(errors: readonly StressError[], stale: readonly StaleCount[]): { own: StressError[]; rest: StressError[] } {
  const bySession = new Map<number, StaleCount[]>();
  for (const s of stale) bySession.set(s.session, [...(bySession.get(s.session) ?? []), s]);
  const own: StressError[] = [];
  const rest: StressError[] = [];
  const hungUp = new Set<number>();
  const isOwn = (e: StressError): boolean => {
    const counts = e.session === undefined ? undefined : bySession.get(e.session);
    if (!counts) return false;
    const dropped = /^Message count dropped (\d+) -> (\d+): /.exec(e.text);
    if (dropped) {
      const [from, to] = [Number(dropped[1]), Number(dropped[2])];
      if (!counts.some((s) => s.stale === from || s.stale === to)) return false;
      if (counts.some((s) => s.appendCutOff)) hungUp.add(e.session!);
      return true;
    }
    const bad = /(?:replied BAD|^BAD reply for command): .* BAD Message (\d+) does not exist: this mailbox has (\d+) messages/.exec(e.text);
    return bad !== null && Number(bad[1]) > Number(bad[2]) && counts.some((s) => Number(bad[1]) <= s.stale);
  };
  for (const e of errors) (isOwn(e) ? own : rest).push(e);
  // The broken pipes, once every session's errors are read (imaptest may print one first).
  let pipes = hungUp.size;
  const kept = rest.filter((e) => {
    if (e.session !== undefined || e.text !== 'APPEND failed: Broken pipe' || pipes === 0) return true;
    pipes--;
    own.push(e);
    return false;
  });
  return { own, rest: kept };
}

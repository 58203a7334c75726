/**
 * imaptest's own defect in its QRESYNC stress mode, and the lab's part in it. imaptest (2.3, and
 * its main branch alike) panics with array_idx_modifiable_i in mailbox_state_handle_fetch when a
 * client reopens the mailbox with SELECT ... (QRESYNC (uidvalidity modseq)) from a view it saved
 * and messages arrived since. RFC 7162 §3.2.5.1 has the server answer that SELECT with
 * "* n EXISTS", VANISHED (EARLIER), then a FETCH for every message changed since, the new ones
 * included (without known UIDs the client is taken to know 1:UIDNEXT-1), numbered within that
 * EXISTS. imaptest swaps in its saved, shorter view at the UIDVALIDITY code, applies the EXISTS
 * only at the tagged OK, and skips its "seq too high" check while SELECT runs, so it indexes
 * past its array. Dovecot 2.3 sends the same answers and panics it the same way.
 *
 * Outside SELECT that check stops any FETCH beyond imaptest's count, so such a panic can only
 * come from a FETCH in a SELECT answer. When every SELECT answer the server sent (imaptest's
 * rawlog shows them all) numbers its FETCHes within its own EXISTS and sends VANISHED (EARLIER)
 * before them, the panic is imaptest's, not the server's.
 */
import { rawlogLines } from './report.js';

/** imaptest's panic message and the function it names. */
export const QRESYNC_SELECT_PANIC = /Panic: file array\.c: line \d+ \(array_idx_modifiable_i\)[\s\S]*mailbox_state_handle_fetch/;

interface OpenSelect {
  tag: string;
  exists?: number;
  fetched: boolean;
}

/**
 * What is out of order in the SELECT answers of one imaptest rawlog ("<time> I: <line>" for what
 * the server sent, "<time> O: <line>" for what imaptest sent); `name` prefixes each problem.
 */
export function selectAnswerProblems(rawlog: string, name: string): string[] {
  const problems: string[] = [];
  let select: OpenSelect | undefined;
  for (const { direction, text } of rawlogLines(rawlog)) {
    if (direction === 'O') {
      // imaptest's tags are "<client>.<n>"; a message line it appends cannot start a SELECT.
      const command = /^(\d+\.\d+) (?:SELECT|EXAMINE) /i.exec(text);
      if (command) select = { tag: command[1]!, fetched: false };
      continue;
    }
    if (!select) continue;
    if (text.startsWith(`${select.tag} `)) {
      select = undefined;
      continue;
    }
    const exists = /^\* (\d+) EXISTS$/.exec(text);
    const fetch = /^\* (\d+) FETCH /.exec(text);
    if (exists) select.exists = Number(exists[1]);
    else if (/^\* VANISHED \(EARLIER\) /.test(text) && select.fetched) problems.push(`${name}: VANISHED (EARLIER) after a FETCH of the same SELECT: ${text.slice(0, 80)}`);
    else if (fetch) {
      select.fetched = true;
      if (select.exists === undefined || Number(fetch[1]) > select.exists) {
        problems.push(`${name}: "${text.slice(0, 60)}" in a SELECT answer whose EXISTS is ${select.exists ?? 'not sent yet'}`);
      }
    }
  }
  return problems;
}

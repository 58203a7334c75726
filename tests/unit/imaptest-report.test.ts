/**
 * Reading imaptest's reports for CI: a group whose capability is not advertised counts as not
 * run (imaptest itself counts it as passed), failed groups are named, stress errors collected.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QRESYNC_SELECT_PANIC, selectAnswerProblems } from '../imaptest/qresyncSelect.js';
import { parseScripted, readGroups, stressErrors, unrunnable } from '../imaptest/report.js';
import { staleSelectCounts } from '../imaptest/staleSelectCount.js';
import { judgeStress } from '../imaptest/stressVerdict.js';

describe('imaptest reports', () => {
  it('reads each group header and finds the groups a server cannot run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imaptest-groups-'));
    try {
      await writeFile(join(dir, 'sort-size'), 'capabilities: SORT\nmessages: all\n\nok sort (size) us-ascii all\n');
      await writeFile(join(dir, 'urlauth-binary'), 'capabilities: urlauth urlauth=binary\nstate: created\n\nok select $mailbox\n');
      await writeFile(join(dir, 'copy'), 'messages: 4\n\nok copy 1 $mailbox\n# capabilities: NOT-A-HEADER\n');
      await writeFile(join(dir, 'sort-size.mbox'), 'From a\n\nbody\n');
      const groups = await readGroups(dir);
      expect(groups).toEqual([
        { name: 'copy', capabilities: [] },
        { name: 'sort-size', capabilities: ['SORT'] },
        { name: 'urlauth-binary', capabilities: ['URLAUTH', 'URLAUTH=BINARY'] },
      ]);
      expect(unrunnable(groups, ['IMAP4rev1', 'sort', 'URLAUTH'])).toEqual([{ name: 'urlauth-binary', missing: ['URLAUTH=BINARY'] }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the failed groups and reads the summary', () => {
    const output = [
      '*** Test copy command 16/24 (line 28)',
      ' - failed: Missing 1 untagged replies (1 mismatches)',
      '*** Test copy command 17/24 (line 32)',
      '*** Test search-flags command 16/47 (line 34)',
      '',
      '71 test groups: 2 failed, 0 skipped due to missing capabilities',
    ].join('\n');
    expect(parseScripted(output)).toEqual({ groups: 71, failed: 2, failedGroups: ['copy', 'search-flags'] });
    expect(parseScripted('Error: connect() failed')).toBeUndefined();
  });

  it('collects stress errors without the client prefix', () => {
    const output = 'Error: bob@example.com[57]: DELETE failed: 57.7 NO [EXPUNGEISSUED] x\nLogi List\nError: uid=3 a@b: ENVELOPE changed\n';
    expect(stressErrors(output)).toEqual(['DELETE failed: 57.7 NO [EXPUNGEISSUED] x', 'uid=3 a@b: ENVELOPE changed']);
  });
  it('tells imaptest\'s own QRESYNC panic from a server that numbers a SELECT answer wrongly', () => {
    // The exchange before imaptest's panic against the lab (Dovecot's has the same shape).
    const rawlog = [
      '1796438638.019052 O: 817.3 SELECT "INBOX" (QRESYNC (1796438631 1629))',
      '1796438638.029277 I: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label4)',
      '1796438638.029277 I: * 13 EXISTS',
      '1796438638.029277 I: * OK [UIDVALIDITY 1796438631] UIDs valid',
      '1796438638.029277 I: * VANISHED (EARLIER) 591',
      '1796438638.029277 I: * 12 FETCH (UID 657 FLAGS ($Label4) MODSEQ (1630))',
      '1796438638.029277 I: * 13 FETCH (UID 658 FLAGS (\\Answered) MODSEQ (1630))',
      '1796438638.029277 I: 817.3 OK [READ-WRITE] SELECT completed',
      '1796438638.030000 O: 817.4 FETCH 1:13 (UID)',
      '1796438638.031000 I: * 14 EXISTS',
      '1796438638.031000 I: * 14 FETCH (UID 660 FLAGS ())',
    ].join('\r\n');
    expect(selectAnswerProblems(rawlog, 'rawlog.817')).toEqual([]);
    expect(selectAnswerProblems(rawlog.replace('* 13 EXISTS', '* 12 EXISTS'), 'rawlog.1')).toEqual([
      'rawlog.1: "* 13 FETCH (UID 658 FLAGS (\\Answered) MODSEQ (1630))" in a SELECT answer whose EXISTS is 12',
    ]);
    const late = rawlog.replace('I: * VANISHED (EARLIER) 591', 'I: * 11 FETCH (UID 653 FLAGS ())').replace('I: 817.3 OK', 'I: * VANISHED (EARLIER) 591\r\n1796438638.029278 I: 817.3 OK');
    expect(selectAnswerProblems(late, 'rawlog.2')).toEqual(['rawlog.2: VANISHED (EARLIER) after a FETCH of the same SELECT: * VANISHED (EARLIER) 591']);
    expect(selectAnswerProblems(rawlog.replace('I: * 13 EXISTS', 'I: * OK still opening'), 'rawlog.3')).toHaveLength(2);
    const panic = 'Panic: file array.c: line 10 (array_idx_modifiable_i): assertion failed: (idx < array->buffer->used / array->element_size)\nError: Raw backtrace: #6 fs_wrapper_unlock[0x7f] -> #7 mailbox_state_handle_fetch[0x56] -> #8 imap_client_handle_untagged[0x56]';
    expect(QRESYNC_SELECT_PANIC.test(panic)).toBe(true);
    expect(QRESYNC_SELECT_PANIC.test(panic.replace('mailbox_state_handle_fetch', 'client_vanished'))).toBe(false);
  });

  it("tells imaptest's stale count after a QRESYNC SELECT whose answer told an expunge from a fault of the lab's", () => {
    // Round 20's run, session 70: another session expunged 7 messages while the SELECT ran; the
    // lab told them before its OK (12 left), imaptest set its count back to the 19 of the EXISTS.
    const at = (direction: 'I' | 'O', line: string): string => `1796604406.233814 ${direction}: ${line}`;
    const rawlog = [
      at('O', '70.3 SELECT "INBOX" (QRESYNC (1796604392 125))'),
      at('I', '* 19 EXISTS'),
      at('I', '* OK [UIDVALIDITY 1796604392] UIDs valid'),
      at('I', '* VANISHED (EARLIER) 38'),
      at('I', '* 1 FETCH (UID 6 FLAGS (\\Deleted \\Seen) MODSEQ (131))'),
      at('I', '* 19 FETCH (UID 56 FLAGS (\\Flagged \\Deleted \\Seen) MODSEQ (128))'),
      at('I', '* VANISHED 6,20,23,32,37,52,56'),
      at('I', '* OK [HIGHESTMODSEQ 133] Highest'),
      at('I', '70.3 OK [READ-WRITE] SELECT completed'),
      at('O', '70.4 FETCH 1,4:7,9,12:15,17,19 (UID INTERNALDATE)'),
      at('O', '70.8 APPEND "INBOX" {80+}'),
      at('O', 'Subject: hello'),
      at('I', '* 13 EXISTS'),
      at('I', '70.4 BAD Message 19 does not exist: this mailbox has 12 messages (1 to 12). Try: 70.4 FETCH 1:12 FLAGS'),
    ].join('\r\n');
    expect(staleSelectCounts(rawlog, 70)).toEqual([{ session: 70, stale: 19, told: 12, appendCutOff: true }]);
    const imaptestsOwn = [
      'Error: alice@example.com[70]: Message count dropped 19 -> 13: * 13 EXISTS',
      'Error: alice@example.com[70]: FETCH replied BAD: 70.4 BAD Message 19 does not exist: this mailbox has 12 messages (1 to 12) . Try: 70.4 FETCH 1:12 FLAGS',
      'Error: APPEND failed: Broken pipe',
    ];
    const output = (errors: string[]): string => [...errors, 'Totals:', ''].join('\n');
    const judged = judgeStress(output(imaptestsOwn), 0, new Map([['rawlog.70', rawlog]]));
    expect(judged.problems).toEqual([]);
    expect(judged.summary).toBe("3 errors (3 imaptest's own)");
    expect(judged.notes.join('\n')).toMatch(/sessions 70 \(imaptest 19, the lab 12\): 3 errors/);
    // Had the lab not told the expunge, 19 would be its count and every one of them its fault.
    const untold = judgeStress(output(imaptestsOwn), 0, new Map([['rawlog.70', rawlog.replace(/\r\n[^\r\n]* I: \* VANISHED 6,[^\r\n]*/, '')]]));
    expect(untold.problems).toEqual([expect.stringMatching(/^3 stress errors/)]);
    // Other errors of that session, a second broken pipe, and the same errors in another session stay the lab's.
    const more = judgeStress(output([...imaptestsOwn, 'Error: alice@example.com[70]: Flags unexpectedly changed for owned message', 'Error: APPEND failed: Broken pipe', 'Error: alice@example.com[71]: Message count dropped 19 -> 13: * 13 EXISTS']), 0, new Map([['rawlog.70', rawlog]]));
    expect(more.problems).toEqual([expect.stringMatching(/^3 stress errors, first ones:\n {2}\[70\] Flags unexpectedly changed for owned message\n {2}APPEND failed: Broken pipe\n {2}\[71\] Message count dropped/)]);
    // Without its rawlogs (the run without QRESYNC) nothing is told apart.
    expect(judgeStress(output(imaptestsOwn), 0).problems).toEqual([expect.stringMatching(/^3 stress errors/)]);
    // A new EXISTS after UIDVALIDITY: imaptest drops back to the SELECT's first one at the OK.
    const arrived = rawlog.replace('I: * VANISHED 6,20,23,32,37,52,56', 'I: * 21 EXISTS');
    expect(staleSelectCounts(arrived, 70)).toEqual([{ session: 70, stale: 19, told: 21, appendCutOff: true }]);
    expect(judgeStress(output(['Error: alice@example.com[70]: Message count dropped 21 -> 19: [READ-WRITE] SELECT completed']), 0, new Map([['rawlog.70', arrived]])).problems).toEqual([]);
  });
});

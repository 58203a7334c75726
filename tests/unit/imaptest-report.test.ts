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
});

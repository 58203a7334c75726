/**
 * Reading imaptest's reports for CI: a group whose capability is not advertised counts as not
 * run (imaptest itself counts it as passed), failed groups are named, stress errors collected.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});

/**
 * A main.cf whose first setting line starts with blanks: postconf (the real Postfix 3.7) warns
 * "logical line must not start with whitespace" and drops the line, so the setting never
 * applies. The grader refused it with "continues the previous setting, but there is none"
 * without saying that Postfix ignores it (the config differential run, seed 53, found an answer
 * whose ignored line happened to equal the default).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMainCf } from '../../lab-server/src/grading/config/mainCf.js';
import { runTool } from '../realtools/process.js';

describe('a main.cf line with blanks before its first setting', () => {
  it('is ignored by Postfix, and the grader says so with the warning it logs, in both languages', async () => {
    const text = '  mydestination = example.com\nmyhostname = mail.example.com\n';
    const dir = await mkdtemp(join(tmpdir(), 'maillab-postconf-'));
    try {
      await writeFile(join(dir, 'main.cf'), text);
      await writeFile(join(dir, 'master.cf'), '');
      const r = await runTool('postconf', ['-c', dir, '-h', 'mydestination']);
      expect(r.stderr).toMatch(/logical line must not start with whitespace/);
      expect(r.stdout.trim()).not.toBe('example.com');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const [problem] = parseMainCf(text).problems;
    expect(problem!.message.en).toMatch(/Postfix ignores the line \("logical line must not start with whitespace"\), so its setting never applies\. Remove the leading spaces\./);
    expect(problem!.message['zh-CN']).toMatch(/Postfix 会忽略这一行.*其中的设置不会生效/);
  });
});

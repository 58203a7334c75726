/**
 * `maillab backup` copies a running lab, and the copy starts as a lab with the same mail
 * and the same progress.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
let target: string;
beforeAll(async () => {
  lab = await startTestLab();
  target = join(await mkdtemp(join(tmpdir(), 'maillab-backup-')), 'copy');
});
afterAll(async () => {
  await lab?.dispose();
  await rm(join(target, '..'), { recursive: true, force: true });
});

describe('maillab backup', () => {
  it('copies a running lab; the copy serves the same mail and progress', async () => {
    const sent = await python(
      `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port']); s.sendmail('x@example.com', ['bob@example.com'], b'Subject: kept in the backup\\r\\n\\r\\nhi\\r\\n'); s.quit(); print('ok')
`,
      { port: lab.port('smtp') },
    );
    expect(sent.stdout.trim()).toBe('ok');
    const attempt = await fetch(`http://127.0.0.1:${lab.httpPort}/api/exercises/ports/attempts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answer: lab.exercises.get('ports')!.solution }),
    });
    const cookie = (attempt.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(((await attempt.json()) as { passed: boolean }).passed).toBe(true);

    const backup = await run('node', ['bin/maillab.mjs', 'backup', '--data', lab.dataDir, '--to', target]);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(/Backup written to .*: database \d+ bytes, 1 sandbox\./);

    const copy = await startTestLab({}, target);
    try {
      const read = await python(
        `
import poplib
p = poplib.POP3('127.0.0.1', P['port']); p.user('bob'); p.pass_('secret')
subjects = [l.decode() for i in range(p.stat()[0]) for l in p.top(i + 1, 0)[1] if l.startswith(b'Subject:')]
p.quit(); print(json.dumps(subjects))
`,
        { port: copy.port('pop3') },
      );
      expect(JSON.parse(read.stdout)).toContain('Subject: kept in the backup');
      const progress = (await (await fetch(`http://127.0.0.1:${copy.httpPort}/api/progress`, { headers: { cookie } })).json()) as { exercises: Array<{ id: string; status: string }> };
      expect(progress.exercises.find((e) => e.id === 'ports')?.status).toBe('passed');
    } finally {
      await copy.stop();
    }
  });

  it('refuses a target inside the data dir or one that is not empty', async () => {
    const inside = await run('node', ['bin/maillab.mjs', 'backup', '--data', lab.dataDir, '--to', join(lab.dataDir, 'b')]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain('outside the data directory');
    const full = join(target, '..', 'full');
    await mkdir(full);
    await writeFile(join(full, 'x'), 'x');
    const notEmpty = await run('node', ['bin/maillab.mjs', 'backup', '--data', lab.dataDir, '--to', full]);
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toMatch(/not empty/);
    expect(notEmpty.stderr).toContain('备份失败');
  });
});

/**
 * `maillab backup` of a lab on PostgreSQL: pg_dump writes the database (custom format), the
 * node's sandboxes are copied beside it, and pg_restore plus the copied data dir give a lab
 * with the same progress and mail.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findPgTool } from '../../lab-server/src/store/pgTools.js';
import { POSTGRES_DUMP_FILE } from '../../lab-server/src/store/backup.js';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { createDatabase, dropDatabase } from '../helpers/postgres.js';

let lab: TestLab;
let target: string;
beforeAll(async () => {
  lab = await startTestLab();
  target = join(await mkdtemp(join(tmpdir(), 'maillab-pgbackup-')), 'copy');
});
afterAll(async () => {
  await lab?.dispose();
  await rm(join(target, '..'), { recursive: true, force: true });
});

describe('maillab backup on PostgreSQL', () => {
  it('dumps the database with pg_dump; pg_restore and the copied data dir give back the same lab', async () => {
    expect(lab.db.dialect).toBe('postgres');
    const sent = await python(
      `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port']); s.sendmail('x@example.com', ['bob@example.com'], b'Subject: kept in the pg backup\\r\\n\\r\\nhi\\r\\n'); s.quit(); print('ok')
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

    // MAILLAB_DATABASE_URL (set by the test helper) names the database, as an operator's environment would.
    const backup = await run('node', ['bin/maillab.mjs', 'backup', '--data', lab.dataDir, '--to', target]);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(/Backup written to .*: database \d+ bytes, 1 sandbox\./);
    expect((await stat(join(target, POSTGRES_DUMP_FILE))).size).toBeGreaterThan(1000);

    const admin = inject('postgresAdminUrl');
    const restored = await createDatabase(admin);
    try {
      const pgRestore = await run(findPgTool('pg_restore')!, ['--no-owner', `--dbname=${restored}`, join(target, POSTGRES_DUMP_FILE)]);
      expect(pgRestore.stderr).toBe('');
      const copy = await startTestLab({ database: restored }, target);
      try {
        const progress = (await (await fetch(`http://127.0.0.1:${copy.httpPort}/api/progress`, { headers: { cookie } })).json()) as { exercises: Array<{ id: string; status: string }> };
        expect(progress.exercises.find((e) => e.id === 'ports')?.status).toBe('passed');
        const read = await python(
          `
import poplib
p = poplib.POP3('127.0.0.1', P['port']); p.user('bob'); p.pass_('secret')
subjects = [l.decode() for i in range(p.stat()[0]) for l in p.top(i + 1, 0)[1] if l.startswith(b'Subject:')]
p.quit(); print(json.dumps(subjects))
`,
          { port: copy.port('pop3') },
        );
        expect(JSON.parse(read.stdout)).toContain('Subject: kept in the pg backup');
      } finally {
        await copy.stop();
      }
    } finally {
      await dropDatabase(admin, restored);
    }
  });
});

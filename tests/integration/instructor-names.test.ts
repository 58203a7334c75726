/**
 * Two instructors whose names are alike apart from case, kept from before the lab keyed names
 * (migration 8: SQLite's lower() folded ASCII only, so "Ärzte" and "ärzte" were two). The newer
 * could log in only by the exact spelling of its name: "ÄRZTE" or a Mac's NFD "ärzte" meant the
 * older, whose password it is not. `maillab instructor password ÄRZTE` set the older's password
 * without a word. Now a login tries the password of each instructor the name may mean, the
 * commands ask which one is meant, and `maillab instructor rename` parts the two for good.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { openDatabase } from '../../lab-server/src/store/database.js';
import { instructorsAlike } from '../../lab-server/src/store/instructorNames.js';
import { instructorLogin, maillabOn } from '../helpers/classroom.js';
import { testDatabase } from '../helpers/database.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
let url: string | undefined;
let drop: () => Promise<void>;
let base: string;

const login = (name: string, password: string): ReturnType<typeof instructorLogin> => instructorLogin(base, name, password);
const maillab = (args: string[], stdin?: string): ReturnType<typeof maillabOn> => maillabOn(lab, args, stdin);

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maillab-names-'));
  ({ url, drop } = await testDatabase());
  // The database as migration 7 left it, holding "Ärzte" and, added later, "ärzte".
  const db = await openDatabase(dir, url);
  await db.script('DROP INDEX instructors_by_key');
  await db.script('ALTER TABLE instructors DROP COLUMN name_key');
  await db.script('CREATE UNIQUE INDEX instructors_by_name ON instructors (lower(name))');
  await db.run('DELETE FROM schema_migrations WHERE version = 8');
  for (const [i, name] of ['Ärzte', 'ärzte'].entries()) {
    await db.run('INSERT INTO instructors (id, name, password_hash, created_at) VALUES (?, ?, ?, ?)', [`i${i}`, name, await hashPassword(`password of ${name}`), `2026-01-0${i + 1}T00:00:00.000Z`]);
  }
  await db.close();
  lab = await startTestLab({ mode: 'classroom', database: url }, dir);
  base = `http://127.0.0.1:${lab.httpPort}`;
}, 60_000);
afterAll(async () => {
  await lab?.dispose();
  await drop?.();
});

it('lets each of two instructors alike log in by any case of the name with their own password, and no one else', async () => {
  expect(await instructorsAlike(lab.db)).toEqual([['Ärzte', 'ärzte']]);
  for (const typed of ['ärzte', 'ÄRZTE', 'A\u0308rzte', 'a\u0308rzte']) {
    const newer = await login(typed, 'password of ärzte');
    expect(newer.status, typed).toBe(200);
    expect(newer.json.instructor.name).toBe('ärzte');
    const older = await login(typed, 'password of Ärzte');
    expect(older.status, typed).toBe(200);
    expect(older.json.instructor.name).toBe('Ärzte');
  }
  expect((await login('ÄRZTE', 'password of neither')).status).toBe(401);
}, 60_000);

it('asks which instructor a command means when the name is alike two, and refuses a third alike', async () => {
  const which = await maillab(['instructor', 'password', 'ÄRZTE'], 'a new password here\n');
  expect(which.code, which.stdout).toBe(2);
  expect(which.stderr).toContain('"ÄRZTE" may mean any of the instructors "Ärzte", "ärzte"');
  expect(which.stderr).toContain('maillab instructor rename "ärzte" "NEW NAME"');
  expect(which.stderr).toContain('可能指以下任一位教师');
  expect((await login('Ärzte', 'password of Ärzte')).status).toBe(200);

  const exact = await maillab(['instructor', 'password', 'ärzte'], 'a new password here\n');
  expect(exact.code, exact.stderr).toBe(0);
  expect(exact.stdout).toContain('New password set for instructor "ärzte"');
  expect((await login('ÄRZTE', 'a new password here')).json.instructor.name).toBe('ärzte');

  const third = await maillab(['instructor', 'add', 'ÄRZTE'], 'yet another password\n');
  expect(third.code).toBe(2);
  expect(third.stderr).toContain('An instructor called "Ärzte", "ärzte" already exists; names that differ only in upper and lower case are one name');
  expect(third.stderr).toContain('maillab instructor password "Ärzte"');
  expect(third.stderr).toContain('只有大小写不同的名字算作同一个名字');
}, 240_000);

it('renames one of the two, so each name is the only one of its kind again', async () => {
  const taken = await maillab(['instructor', 'rename', 'ärzte', 'ÄRZTE']);
  expect(taken.code).toBe(2);
  expect(taken.stderr).toContain('Another instructor is called "Ärzte", alike "ÄRZTE" apart from upper and lower case');
  const renamed = await maillab(['instructor', 'rename', 'ärzte', 'Ärzte Zwei']);
  expect(renamed.code, renamed.stderr).toBe(0);
  expect(renamed.stdout).toContain('Instructor "ärzte" is now "Ärzte Zwei"');
  expect(await instructorsAlike(lab.db)).toEqual([]);

  const zwei = await login('ärzte zwei', 'a new password here');
  expect(zwei.json.instructor?.name).toBe('Ärzte Zwei');
  expect((await login('ärzte', 'a new password here')).status).toBe(401);
  expect((await login('ärzte', 'password of Ärzte')).json.instructor.name).toBe('Ärzte');
  const audit = (await (await fetch(`${base}/api/instructor/audit`, { headers: { cookie: zwei.cookie } })).json()).entries;
  expect(audit.find((e: { action: string }) => e.action === 'instructor.rename')?.detail).toMatchObject({ from: 'ärzte', to: 'Ärzte Zwei' });
  // The older one holds the plain key again, which the unique index guards.
  expect(await lab.db.all('SELECT name, name_key FROM instructors ORDER BY created_at')).toEqual([{ name: 'Ärzte', name_key: 'ärzte' }, { name: 'Ärzte Zwei', name_key: 'ärzte zwei' }]);
}, 240_000);

/**
 * Names matched whatever their case, alike on both engines. Instructors were matched by the
 * database's lower(): SQLite's folds ASCII only, PostgreSQL's all of Unicode, so "Ärzte" and
 * "ärzte" were one instructor on PostgreSQL and two on SQLite (and a name typed in NFD, as a
 * Mac's terminal gives it, matched neither). The lab now keys names itself (NFC, then
 * toLowerCase) in a column, and a migration keys the rows that were there before.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClassroomStore } from '../../lab-server/src/store/classroom.js';
import { openDatabase } from '../../lab-server/src/store/database.js';
import { ConstraintViolation, type Database } from '../../lab-server/src/store/sql.js';
import { TEST_BACK_END, testDatabase } from '../helpers/database.js';

let dir: string;
let url: string | undefined;
let drop: () => Promise<void>;
const open: Database[] = [];
const reopen = async (): Promise<Database> => {
  const db = await openDatabase(dir, url);
  open.push(db);
  return db;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-names-'));
  ({ url, drop } = await testDatabase());
});
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  await drop();
  await rm(dir, { recursive: true, force: true });
});

describe(`names on ${TEST_BACK_END}`, () => {
  it('find an instructor whatever the case or Unicode form of the name, and refuse a second alike', async () => {
    const classroom = new ClassroomStore(await reopen());
    const made = await classroom.addInstructor('Ärzte Team', 'hash');
    for (const typed of ['ärzte team', 'ÄRZTE TEAM', 'A\u0308rzte Team', 'a\u0308RZTE team']) {
      expect((await classroom.instructorLogin(typed))?.instructor.id, typed).toBe(made.id);
    }
    for (const alike of ['ärzte team', 'A\u0308RZTE TEAM']) await expect(classroom.addInstructor(alike, 'hash'), alike).rejects.toBeInstanceOf(ConstraintViolation);
    // Greek and Cyrillic too, which SQLite's lower() left as they were.
    const greek = await classroom.addInstructor('ΣΩΚΡΆΤΗΣ', 'hash');
    expect((await classroom.instructorLogin('σωκράτης'))?.instructor.id).toBe(greek.id);
    await expect(classroom.addInstructor('Σωκράτης', 'hash')).rejects.toBeInstanceOf(ConstraintViolation);
    const cyrillic = await classroom.addInstructor('Ирина', 'hash');
    expect((await classroom.instructorLogin('ИРИНА'))?.instructor.id).toBe(cyrillic.id);
    expect(await classroom.instructorLogin('Arzte Team')).toBeUndefined();
  });

  it('key the rows a database had before, keeping each instructor and learner able to log in', async () => {
    let db = await reopen();
    // The database as migration 7 left it: instructors keyed by the engine's lower(), members by
    // SQL lower() where migration 3 keyed them (SQLite left "Ä" as it was: the learner could never log in).
    await db.script('DROP INDEX instructors_by_key');
    await db.script('ALTER TABLE instructors DROP COLUMN name_key');
    await db.script('CREATE UNIQUE INDEX instructors_by_name ON instructors (lower(name))');
    await db.run('DELETE FROM schema_migrations WHERE version = 8');
    const now = new Date().toISOString();
    const instructors = TEST_BACK_END === 'sqlite' ? ['Ärzte', 'ärzte', 'Ms Wang'] : ['Ärzte', 'Ms Wang'];
    for (const [i, name] of instructors.entries()) await db.run('INSERT INTO instructors (id, name, password_hash, created_at) VALUES (?, ?, ?, ?)', [`i${i}`, name, `hash ${name}`, `2026-01-0${i + 1}T00:00:00.000Z`]);
    await db.run("INSERT INTO classes (id, name, join_code, instructor_id, created_at) VALUES ('c1', 'Mail 101', 'ABCD-2345', 'i0', ?)", [now]);
    for (const [i, name] of ['Émile', 'Ana'].entries()) {
      await db.run("INSERT INTO learners (id, sandbox_id, anonymous, display_name, created_at, last_seen_at, password_hash) VALUES (?, ?, 0, ?, ?, ?, 'h')", [`l${i}`, `s${i}`, name, now, now]);
      await db.run('INSERT INTO class_members (class_id, learner_id, joined_at, name_key) VALUES (?, ?, ?, lower(?))', ['c1', `l${i}`, now, name]);
    }
    await db.close();
    db = await reopen();
    const classroom = new ClassroomStore(db);
    // Each instructor logs in by the name they were given; the older one also by any case of it.
    for (const name of instructors) expect((await classroom.instructorLogin(name))?.passwordHash, name).toBe(`hash ${name}`);
    expect((await classroom.instructorLogin('ÄRZTE'))?.passwordHash).toBe('hash Ärzte');
    expect((await classroom.instructorLogin('ms WANG'))?.passwordHash).toBe('hash Ms Wang');
    await expect(classroom.addInstructor('ärzte', 'hash')).rejects.toBeInstanceOf(ConstraintViolation);
    for (const typed of ['émile', 'ÉMILE', 'E\u0301mile', 'ana']) expect((await classroom.memberLogin('c1', typed))?.learnerId, typed).toBeDefined();
  });
});

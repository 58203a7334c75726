/**
 * Classroom records: instructors and their browser sessions, classes with join codes, who is
 * in which class, assignments with due dates, and the audit log of instructor actions.
 */
import type Database from 'better-sqlite3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface Instructor {
  id: string;
  name: string;
  createdAt: string;
}

export interface ClassInfo {
  id: string;
  name: string;
  joinCode: string;
  instructorId: string;
  createdAt: string;
}

export interface Member {
  learnerId: string;
  displayName: string;
  sandboxId: string;
  joinedAt: string;
  lastSeenAt: string;
}

export interface Assignment {
  exerciseId: string;
  dueAt?: string;
  createdAt: string;
}

export interface ProgressCell {
  learnerId: string;
  exerciseId: string;
  attempts: number;
  passed: boolean;
  lastAttemptAt: string;
  /** First passing attempt, if any. */
  passedAt?: string;
}

export interface AuditEntry {
  id: number;
  instructorId: string | null;
  action: string;
  detail: unknown;
  createdAt: string;
}

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');
const now = (): string => new Date().toISOString();

/** Join codes people can read aloud: no 0/O or 1/I/L. */
function newJoinCode(): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(8);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/** Normalises what a learner types as a join code: case and dashes do not matter. */
export function normaliseJoinCode(code: string): string {
  const plain = code.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return plain.length === 8 ? `${plain.slice(0, 4)}-${plain.slice(4)}` : plain;
}

export class ClassroomStore {
  constructor(private readonly db: Database.Database) {}

  addInstructor(name: string, passwordHash: string): Instructor {
    const id = randomUUID();
    this.db.prepare('INSERT INTO instructors (id, name, password_hash, created_at) VALUES (?, ?, ?, ?)').run(id, name, passwordHash, now());
    return this.instructor(id)!;
  }

  instructor(id: string): Instructor | undefined {
    const r = this.db.prepare('SELECT id, name, created_at FROM instructors WHERE id = ?').get(id) as { id: string; name: string; created_at: string } | undefined;
    return r ? { id: r.id, name: r.name, createdAt: r.created_at } : undefined;
  }

  /** The instructor and password hash for a login name (case-insensitive). */
  instructorLogin(name: string): { instructor: Instructor; passwordHash: string } | undefined {
    const r = this.db.prepare('SELECT id, name, created_at, password_hash FROM instructors WHERE name = ? COLLATE NOCASE').get(name) as
      | { id: string; name: string; created_at: string; password_hash: string }
      | undefined;
    return r ? { instructor: { id: r.id, name: r.name, createdAt: r.created_at }, passwordHash: r.password_hash } : undefined;
  }

  instructors(): Instructor[] {
    return (this.db.prepare('SELECT id, name, created_at FROM instructors ORDER BY name').all() as Array<{ id: string; name: string; created_at: string }>).map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: r.created_at,
    }));
  }

  /** Starts an instructor browser session; the token is returned once and stored hashed. */
  startInstructorSession(instructorId: string): string {
    const token = randomBytes(32).toString('base64url');
    this.db.prepare('INSERT INTO instructor_tokens (token_hash, instructor_id, created_at) VALUES (?, ?, ?)').run(hash(token), instructorId, now());
    return token;
  }

  instructorByToken(token: string): Instructor | undefined {
    const r = this.db.prepare('SELECT instructor_id FROM instructor_tokens WHERE token_hash = ?').get(hash(token)) as { instructor_id: string } | undefined;
    return r ? this.instructor(r.instructor_id) : undefined;
  }

  endInstructorSession(token: string): void {
    this.db.prepare('DELETE FROM instructor_tokens WHERE token_hash = ?').run(hash(token));
  }

  /** Starts a learner browser session (after a login); the token is returned once. */
  startLearnerSession(learnerId: string): string {
    const token = randomBytes(32).toString('base64url');
    this.db.prepare('INSERT INTO learner_tokens (token_hash, learner_id, created_at) VALUES (?, ?, ?)').run(hash(token), learnerId, now());
    return token;
  }

  endLearnerSession(token: string): void {
    this.db.prepare('DELETE FROM learner_tokens WHERE token_hash = ?').run(hash(token));
  }

  createClass(name: string, instructorId: string): ClassInfo {
    const id = randomUUID();
    for (;;) {
      const code = newJoinCode();
      if (this.classByCode(code)) continue;
      this.db.prepare('INSERT INTO classes (id, name, join_code, instructor_id, created_at) VALUES (?, ?, ?, ?, ?)').run(id, name, code, instructorId, now());
      return this.classById(id)!;
    }
  }

  classById(id: string): ClassInfo | undefined {
    return this.toClass(this.db.prepare('SELECT * FROM classes WHERE id = ?').get(id));
  }

  classByCode(code: string): ClassInfo | undefined {
    return this.toClass(this.db.prepare('SELECT * FROM classes WHERE join_code = ?').get(normaliseJoinCode(code)));
  }

  classesOf(instructorId: string): ClassInfo[] {
    return (this.db.prepare('SELECT * FROM classes WHERE instructor_id = ? ORDER BY created_at').all(instructorId) as unknown[]).map((r) => this.toClass(r)!);
  }

  /** The class a learner belongs to, if any. */
  classOfLearner(learnerId: string): ClassInfo | undefined {
    return this.toClass(this.db.prepare('SELECT c.* FROM classes c JOIN class_members m ON m.class_id = c.id WHERE m.learner_id = ?').get(learnerId));
  }

  addMember(classId: string, learnerId: string, passwordHash: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE learners SET password_hash = ? WHERE id = ?').run(passwordHash, learnerId);
      this.db.prepare('INSERT INTO class_members (class_id, learner_id, joined_at) VALUES (?, ?, ?)').run(classId, learnerId, now());
    })();
  }

  members(classId: string): Member[] {
    const rows = this.db
      .prepare(
        `SELECT l.id, l.display_name, l.sandbox_id, l.last_seen_at, m.joined_at
           FROM class_members m JOIN learners l ON l.id = m.learner_id
          WHERE m.class_id = ? ORDER BY l.display_name COLLATE NOCASE`,
      )
      .all(classId) as Array<{ id: string; display_name: string; sandbox_id: string; last_seen_at: string; joined_at: string }>;
    return rows.map((r) => ({ learnerId: r.id, displayName: r.display_name, sandboxId: r.sandbox_id, joinedAt: r.joined_at, lastSeenAt: r.last_seen_at }));
  }

  /** The member of a class with this display name (case-insensitive) and their password hash. */
  memberLogin(classId: string, displayName: string): { learnerId: string; passwordHash: string } | undefined {
    const r = this.db
      .prepare(
        `SELECT l.id, l.password_hash FROM class_members m JOIN learners l ON l.id = m.learner_id
          WHERE m.class_id = ? AND l.display_name = ? COLLATE NOCASE`,
      )
      .get(classId, displayName) as { id: string; password_hash: string | null } | undefined;
    return r && r.password_hash ? { learnerId: r.id, passwordHash: r.password_hash } : undefined;
  }

  /** Removes a learner from the class and ends every browser session they have. */
  removeMember(classId: string, learnerId: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM class_members WHERE class_id = ? AND learner_id = ?').run(classId, learnerId);
      this.db.prepare('DELETE FROM learner_tokens WHERE learner_id = ?').run(learnerId);
      this.db.prepare('UPDATE learners SET removed_at = ? WHERE id = ?').run(now(), learnerId);
    })();
  }

  setAssignment(classId: string, exerciseId: string, dueAt: string | undefined): void {
    this.db
      .prepare(
        `INSERT INTO assignments (class_id, exercise_id, due_at, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (class_id, exercise_id) DO UPDATE SET due_at = excluded.due_at`,
      )
      .run(classId, exerciseId, dueAt ?? null, now());
  }

  removeAssignment(classId: string, exerciseId: string): void {
    this.db.prepare('DELETE FROM assignments WHERE class_id = ? AND exercise_id = ?').run(classId, exerciseId);
  }

  assignments(classId: string): Assignment[] {
    const rows = this.db.prepare('SELECT exercise_id, due_at, created_at FROM assignments WHERE class_id = ? ORDER BY due_at IS NULL, due_at, exercise_id').all(classId) as Array<{
      exercise_id: string;
      due_at: string | null;
      created_at: string;
    }>;
    return rows.map((r) => ({ exerciseId: r.exercise_id, ...(r.due_at ? { dueAt: r.due_at } : {}), createdAt: r.created_at }));
  }

  /** One cell per (member, exercise) that has attempts: the dashboard's matrix in one query. */
  progress(classId: string): ProgressCell[] {
    const rows = this.db
      .prepare(
        `SELECT a.learner_id, a.exercise_id, COUNT(*) AS attempts, MAX(a.passed) AS passed, MAX(a.created_at) AS last,
                MIN(CASE WHEN a.passed = 1 THEN a.created_at END) AS passed_at
           FROM attempts a JOIN class_members m ON m.learner_id = a.learner_id AND m.class_id = ?
          GROUP BY a.learner_id, a.exercise_id`,
      )
      .all(classId) as Array<{ learner_id: string; exercise_id: string; attempts: number; passed: number; last: string; passed_at: string | null }>;
    return rows.map((r) => ({
      learnerId: r.learner_id,
      exerciseId: r.exercise_id,
      attempts: r.attempts,
      passed: r.passed === 1,
      lastAttemptAt: r.last,
      ...(r.passed_at ? { passedAt: r.passed_at } : {}),
    }));
  }

  audit(instructorId: string | null, action: string, detail: unknown): void {
    this.db.prepare('INSERT INTO audit_log (instructor_id, action, detail, created_at) VALUES (?, ?, ?, ?)').run(instructorId, action, JSON.stringify(detail), now());
  }

  /**
   * One instructor's view of the audit log: what they did (their classes' actions and their
   * own logins), never another instructor's classes, learners or addresses.
   */
  auditLog(instructorId: string, limit = 200): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM audit_log WHERE instructor_id = ? ORDER BY id DESC LIMIT ?').all(instructorId, limit) as Array<{ id: number; instructor_id: string | null; action: string; detail: string; created_at: string }>;
    return rows.map((r) => ({ id: r.id, instructorId: r.instructor_id, action: r.action, detail: JSON.parse(r.detail) as unknown, createdAt: r.created_at }));
  }

  private toClass(row: unknown): ClassInfo | undefined {
    const r = row as { id: string; name: string; join_code: string; instructor_id: string; created_at: string } | undefined;
    return r ? { id: r.id, name: r.name, joinCode: r.join_code, instructorId: r.instructor_id, createdAt: r.created_at } : undefined;
  }
}

/** Migration 2: what classroom mode adds to the lab's database. */
export const CLASSROOM_MIGRATION = {
  version: 2,
  name: 'classroom: instructors, classes, members, assignments, audit log',
  sql: `
    ALTER TABLE learners ADD COLUMN password_hash TEXT;
    ALTER TABLE learners ADD COLUMN removed_at TEXT;
    CREATE TABLE instructors (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      password_hash TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE instructor_tokens (
      token_hash TEXT PRIMARY KEY,
      instructor_id TEXT NOT NULL REFERENCES instructors(id) ON DELETE CASCADE,
      created_at TEXT NOT NULL
    );
    CREATE TABLE classes (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      join_code TEXT NOT NULL UNIQUE,
      instructor_id TEXT NOT NULL REFERENCES instructors(id),
      created_at TEXT NOT NULL
    );
    CREATE TABLE class_members (
      class_id TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
      learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
      joined_at TEXT NOT NULL,
      PRIMARY KEY (class_id, learner_id)
    );
    CREATE INDEX class_members_by_learner ON class_members (learner_id);
    CREATE TABLE assignments (
      class_id TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
      exercise_id TEXT NOT NULL,
      due_at TEXT,
      created_at TEXT NOT NULL,
      PRIMARY KEY (class_id, exercise_id)
    );
    CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      instructor_id TEXT,
      action TEXT NOT NULL,
      detail TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
  `,
};

/**
 * Classroom records: instructors and their browser sessions, classes with join codes, who is
 * in which class, assignments with due dates, and the audit log of instructor actions.
 */
import { randomUUID } from 'node:crypto';
import { hashToken, instructorSessionsSince, startSession } from './browserSessions.js';
import { newJoinCode, normaliseJoinCode } from './joinCodes.js';
import { LearnerStore, type Learner } from './learners.js';
import { instructorsNamed, type NamedInstructor } from './instructorNames.js';
import { nameKey } from './nameKey.js';
import { progressCellsQuery } from './progressCells.js';
import { ConstraintViolation, type Sql } from './sql.js';

export type Instructor = Omit<NamedInstructor, 'passwordHash'>;

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

export interface AuditEntry {
  id: number;
  instructorId: string | null;
  action: string;
  detail: unknown;
  createdAt: string;
}

const now = (): string => new Date().toISOString();

type ClassRow = { id: string; name: string; join_code: string; instructor_id: string; created_at: string };
const toClass = (r: ClassRow | undefined): ClassInfo | undefined =>
  r ? { id: r.id, name: r.name, joinCode: r.join_code, instructorId: r.instructor_id, createdAt: r.created_at } : undefined;
const toInstructor = (r: { id: string; name: string; created_at: string }): Instructor => ({ id: r.id, name: r.name, createdAt: r.created_at });

type MemberRow = { id: string; display_name: string; sandbox_id: string; last_seen_at: string; joined_at: string };
const MEMBERS = 'SELECT l.id, l.display_name, l.sandbox_id, l.last_seen_at, m.joined_at FROM class_members m JOIN learners l ON l.id = m.learner_id';
const toMember = (r: MemberRow): Member => ({ learnerId: r.id, displayName: r.display_name, sandboxId: r.sandbox_id, joinedAt: r.joined_at, lastSeenAt: r.last_seen_at });

/**
 * Members as a class list is read: Student 2 before Student 10, Chinese names by pinyin, Latin
 * names as in English. One order whatever the page's language, so the dashboard, its CSV and the
 * API agree (an English collator orders Chinese names by code point, which nobody reads by).
 */
const CLASS_LIST = new Intl.Collator('zh-CN', { numeric: true, sensitivity: 'base' });

/** A join found the class at its limit of learners; nothing was written. */
export class ClassFull extends Error {
  constructor() {
    super('the class is full');
  }
}

export class ClassroomStore {
  constructor(private readonly db: Sql) {}

  /** Adds an instructor; a name already taken (in any case) is a ConstraintViolation. */
  async addInstructor(name: string, passwordHash: string): Promise<Instructor> {
    const id = randomUUID();
    const createdAt = now();
    await this.db.run('INSERT INTO instructors (id, name, name_key, password_hash, created_at) VALUES (?, ?, ?, ?, ?)', [id, name, nameKey(name), passwordHash, createdAt]);
    return { id, name, createdAt };
  }

  async instructor(id: string): Promise<Instructor | undefined> {
    const r = await this.db.get<{ id: string; name: string; created_at: string }>('SELECT id, name, created_at FROM instructors WHERE id = ?', [id]);
    return r ? toInstructor(r) : undefined;
  }

  /** Every instructor a login name may mean, the one named exactly so first (instructorNames.ts: migration 8 kept pairs alike). */
  instructorsNamed(name: string): Promise<NamedInstructor[]> {
    return instructorsNamed(this.db, name);
  }

  /** The instructor and password hash a login name means first. */
  async instructorLogin(name: string): Promise<{ instructor: Instructor; passwordHash: string } | undefined> {
    const [r] = await instructorsNamed(this.db, name);
    return r ? { instructor: { id: r.id, name: r.name, createdAt: r.createdAt }, passwordHash: r.passwordHash } : undefined;
  }

  async instructors(): Promise<Instructor[]> {
    return (await this.db.all<{ id: string; name: string; created_at: string }>('SELECT id, name, created_at FROM instructors ORDER BY name')).map(toInstructor);
  }

  /** Starts an instructor browser session (browserSessions.ts); the token is returned once. */
  startInstructorSession(instructorId: string): Promise<string> {
    return startSession(this.db, 'instructor', instructorId);
  }

  /** The instructor of a session started less than INSTRUCTOR_SESSION_SECONDS ago (a copied cookie once worked for good). */
  async instructorByToken(token: string): Promise<Instructor | undefined> {
    const r = await this.db.get<{ id: string; name: string; created_at: string }>(
      'SELECT i.id, i.name, i.created_at FROM instructor_tokens t JOIN instructors i ON i.id = t.instructor_id WHERE t.token_hash = ? AND t.created_at >= ?',
      [hashToken(token), instructorSessionsSince()],
    );
    return r ? toInstructor(r) : undefined;
  }

  async endInstructorSession(token: string): Promise<void> {
    await this.db.run('DELETE FROM instructor_tokens WHERE token_hash = ?', [hashToken(token)]);
  }

  /** Starts a learner browser session after a login (browserSessions.ts); the token is returned once. */
  startLearnerSession(learnerId: string): Promise<string> {
    return startSession(this.db, 'learner', learnerId);
  }

  async endLearnerSession(token: string): Promise<void> {
    await this.db.run('DELETE FROM learner_tokens WHERE token_hash = ?', [hashToken(token)]);
  }

  /** Creates a class with a fresh join code; the UNIQUE constraint settles a clash between nodes. */
  async createClass(name: string, instructorId: string): Promise<ClassInfo> {
    return (await this.createClassWithin(name, instructorId, Infinity))!;
  }

  /**
   * Creates a class unless the instructor has `atMost` already (then undefined). The count and
   * the insert are one transaction; on PostgreSQL it first locks the instructor's row, so two
   * nodes creating at once take turns (each counted 199 and both made one). SQLite's one writer
   * already takes turns (BEGIN IMMEDIATE).
   */
  async createClassWithin(name: string, instructorId: string, atMost: number): Promise<ClassInfo | undefined> {
    const id = randomUUID();
    const createdAt = now();
    for (;;) {
      const joinCode = newJoinCode();
      try {
        return await this.db.transaction(async (tx) => {
          if (tx.dialect === 'postgres') await tx.get('SELECT id FROM instructors WHERE id = ? FOR UPDATE', [instructorId]);
          const had = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM classes WHERE instructor_id = ?', [instructorId]);
          if (Number(had?.n ?? 0) >= atMost) return undefined;
          await tx.run('INSERT INTO classes (id, name, join_code, instructor_id, created_at) VALUES (?, ?, ?, ?, ?)', [id, name, joinCode, instructorId, createdAt]);
          return { id, name, joinCode, instructorId, createdAt };
        });
      } catch (err) {
        // A join code another class took: a failed statement ends a PostgreSQL transaction, so the whole one is tried again.
        if (!(err instanceof ConstraintViolation && err.kind === 'unique')) throw err;
      }
    }
  }

  async classById(id: string): Promise<ClassInfo | undefined> {
    return toClass(await this.db.get<ClassRow>('SELECT * FROM classes WHERE id = ?', [id]));
  }

  async classByCode(code: string): Promise<ClassInfo | undefined> {
    return toClass(await this.db.get<ClassRow>('SELECT * FROM classes WHERE join_code = ?', [normaliseJoinCode(code)]));
  }

  async classesOf(instructorId: string): Promise<Array<ClassInfo & { learners: number }>> {
    const rows = await this.db.all<ClassRow & { learners: number }>(
      `SELECT c.*, (SELECT COUNT(*) FROM class_members m WHERE m.class_id = c.id) AS learners
         FROM classes c WHERE c.instructor_id = ? ORDER BY c.created_at`,
      [instructorId],
    );
    return rows.map((r) => ({ ...toClass(r)!, learners: r.learners }));
  }

  /** The class a learner belongs to, if any. */
  async classOfLearner(learnerId: string): Promise<ClassInfo | undefined> {
    return toClass(await this.db.get<ClassRow>('SELECT c.* FROM classes c JOIN class_members m ON m.class_id = c.id WHERE m.learner_id = ?', [learnerId]));
  }

  /**
   * Makes a learner a member. Two people joining with the same name at the same moment (on
   * two nodes) cannot both succeed: the second gets a ConstraintViolation ('unique').
   */
  async addMember(classId: string, learnerId: string, passwordHash: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const learner = await tx.get<{ display_name: string | null }>('SELECT display_name FROM learners WHERE id = ?', [learnerId]);
      await tx.run('UPDATE learners SET password_hash = ? WHERE id = ?', [passwordHash, learnerId]);
      await tx.run('INSERT INTO class_members (class_id, learner_id, joined_at, name_key) VALUES (?, ?, ?, ?)', [classId, learnerId, now(), nameKey(learner?.display_name ?? learnerId)]);
    });
  }

  /**
   * A new learner joins a class: their learner row, browser token and membership are written
   * together or not at all. A display name someone in the class already has (in any case, even
   * one that a join on another node took a moment ago) is a ConstraintViolation ('unique').
   */
  async join(classId: string, who: { sandboxId: string; displayName: string; passwordHash: string }, atMost = Infinity): Promise<{ learner: Learner; token: string }> {
    return this.db.transaction(async (tx) => {
      // Counted with the insert, the class's row locked on PostgreSQL: two nodes each counting
      // a place free both filled it (SQLite's one writer takes turns already).
      if (tx.dialect === 'postgres') await tx.get('SELECT id FROM classes WHERE id = ? FOR UPDATE', [classId]);
      if ((await new ClassroomStore(tx).memberCount(classId)) >= atMost) throw new ClassFull();
      const made = await new LearnerStore(tx).create({ sandboxId: who.sandboxId, anonymous: false, displayName: who.displayName });
      await new ClassroomStore(tx).addMember(classId, made.learner.id, who.passwordHash);
      return made;
    });
  }

  async memberCount(classId: string): Promise<number> {
    const r = await this.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM class_members WHERE class_id = ?', [classId]);
    return Number(r?.n ?? 0);
  }

  async members(classId: string): Promise<Member[]> {
    const rows = await this.db.all<MemberRow>(`${MEMBERS} WHERE m.class_id = ?`, [classId]);
    return rows.map(toMember).sort((a, b) => CLASS_LIST.compare(a.displayName, b.displayName) || a.learnerId.localeCompare(b.learnerId));
  }

  /** One member of a class, if the learner is in it. */
  async member(classId: string, learnerId: string): Promise<Member | undefined> {
    const r = await this.db.get<MemberRow>(`${MEMBERS} WHERE m.class_id = ? AND m.learner_id = ?`, [classId, learnerId]);
    return r ? toMember(r) : undefined;
  }

  /** The member of a class with this display name (case-insensitive) and their password hash. */
  async memberLogin(classId: string, displayName: string): Promise<{ learnerId: string; passwordHash: string } | undefined> {
    const r = await this.db.get<{ id: string; password_hash: string | null }>(
      `SELECT l.id, l.password_hash FROM class_members m JOIN learners l ON l.id = m.learner_id
        WHERE m.class_id = ? AND m.name_key = ?`,
      [classId, nameKey(displayName)],
    );
    return r && r.password_hash ? { learnerId: r.id, passwordHash: r.password_hash } : undefined;
  }

  /** Removes a learner from the class and ends every browser session they have. */
  async removeMember(classId: string, learnerId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM class_members WHERE class_id = ? AND learner_id = ?', [classId, learnerId]);
      await tx.run('DELETE FROM learner_tokens WHERE learner_id = ?', [learnerId]);
      await tx.run('UPDATE learners SET removed_at = ? WHERE id = ?', [now(), learnerId]);
    });
  }

  async setAssignment(classId: string, exerciseId: string, dueAt: string | undefined): Promise<void> {
    await this.db.run(
      `INSERT INTO assignments (class_id, exercise_id, due_at, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (class_id, exercise_id) DO UPDATE SET due_at = excluded.due_at`,
      [classId, exerciseId, dueAt ?? null, now()],
    );
  }

  async removeAssignment(classId: string, exerciseId: string): Promise<void> {
    await this.db.run('DELETE FROM assignments WHERE class_id = ? AND exercise_id = ?', [classId, exerciseId]);
  }

  async assignments(classId: string): Promise<Assignment[]> {
    const rows = await this.db.all<{ exercise_id: string; due_at: string | null; created_at: string }>(
      'SELECT exercise_id, due_at, created_at FROM assignments WHERE class_id = ? ORDER BY due_at IS NULL, due_at, exercise_id',
      [classId],
    );
    return rows.map((r) => ({ exerciseId: r.exercise_id, ...(r.due_at ? { dueAt: r.due_at } : {}), createdAt: r.created_at }));
  }

  /** The dashboard's matrix cells: learner id -> JSON text of their cells (see progressCells.ts). */
  async progressCells(classId: string, exerciseIds: readonly string[]): Promise<Map<string, string>> {
    if (exerciseIds.length === 0) return new Map();
    const rows = await this.db.all<{ learner_id: string; cells: string }>(progressCellsQuery(this.db.dialect, exerciseIds.length), [classId, ...exerciseIds]);
    return new Map(rows.map((r) => [r.learner_id, r.cells]));
  }

  /** How many members of the class passed each exercise. */
  async passCounts(classId: string): Promise<Map<string, number>> {
    const rows = await this.db.all<{ exercise_id: string; n: number }>(
      `SELECT p.exercise_id, COUNT(*) AS n FROM class_members m JOIN exercise_progress p ON p.learner_id = m.learner_id
        WHERE m.class_id = ? AND p.passed = 1 GROUP BY p.exercise_id`,
      [classId],
    );
    return new Map(rows.map((r) => [r.exercise_id, r.n]));
  }

  async audit(instructorId: string | null, action: string, detail: unknown): Promise<void> {
    await this.db.run('INSERT INTO audit_log (instructor_id, action, detail, created_at) VALUES (?, ?, ?, ?)', [instructorId, action, JSON.stringify(detail), now()]);
  }

  /**
   * One instructor's view of the audit log: what they did (their classes' actions and their
   * own logins), never another instructor's classes, learners or addresses.
   */
  async auditLog(instructorId: string, limit = 200): Promise<AuditEntry[]> {
    const rows = await this.db.all<{ id: number; instructor_id: string | null; action: string; detail: string; created_at: string }>(
      'SELECT * FROM audit_log WHERE instructor_id = ? ORDER BY id DESC LIMIT ?',
      [instructorId, limit],
    );
    return rows.map((r) => ({ id: r.id, instructorId: r.instructor_id, action: r.action, detail: JSON.parse(r.detail) as unknown, createdAt: r.created_at }));
  }
}

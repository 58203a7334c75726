/**
 * Learners and their attempts. A learner may be anonymous (a browser that has never logged in)
 * and always has a sandbox: 'default' in single-learner mode.
 */
import { randomUUID } from 'node:crypto';
import type { FeedbackLine } from '../feedbackLine.js';
import { hashToken, newSessionToken } from './browserSessions.js';
import type { Sql } from './sql.js';

export interface Learner {
  id: string;
  sandboxId: string;
  anonymous: boolean;
  displayName?: string;
  createdAt: string;
}

export interface Attempt {
  id: number;
  learnerId: string;
  exerciseId: string;
  answer: unknown;
  passed: boolean;
  score: number;
  feedback: FeedbackLine[];
  createdAt: string;
}

/** An attempt as an instructor sees it: how it went, not what was answered. */
export type AttemptOutcome = Omit<Attempt, 'answer'>;

export interface ExerciseProgress {
  exerciseId: string;
  attempts: number;
  passed: boolean;
  bestScore: number;
  firstPassedAt?: string;
  lastAttemptAt: string;
}

interface LearnerRow {
  id: string;
  sandbox_id: string;
  anonymous: number;
  display_name: string | null;
  created_at: string;
  last_seen_at: string;
}

/**
 * Attempts kept per learner and exercise: the latest ones, and the first that passed (when and
 * with what answer). The count of all of them is kept in exercise_progress, so an instructor
 * still sees how many there were; a learner who checks an answer ten thousand times does not
 * leave ten thousand answers and their feedback in the database.
 */
export const ATTEMPTS_KEPT = 10;

/** How often "last seen" is written while a learner keeps working. */
const SEEN_EVERY_MS = 60_000;

interface AttemptRow {
  id: number;
  learner_id: string;
  exercise_id: string;
  answer: string;
  passed: number;
  score: number;
  feedback: string;
  created_at: string;
}


function toLearner(r: LearnerRow): Learner {
  return { id: r.id, sandboxId: r.sandbox_id, anonymous: r.anonymous === 1, ...(r.display_name ? { displayName: r.display_name } : {}), createdAt: r.created_at };
}

function toOutcome(r: Omit<AttemptRow, 'answer'>): AttemptOutcome {
  return { id: r.id, learnerId: r.learner_id, exerciseId: r.exercise_id, passed: r.passed === 1, score: r.score, feedback: JSON.parse(r.feedback) as FeedbackLine[], createdAt: r.created_at };
}

function toAttempt(r: AttemptRow): Attempt {
  return { ...toOutcome(r), answer: JSON.parse(r.answer) as unknown };
}

/** A browser's learner token: 32 random bytes. */
export const newLearnerToken = newSessionToken;

export class LearnerStore {
  constructor(private readonly db: Sql) {}

  /**
   * Creates a learner and the token its browser will hold (returned once, stored hashed); with
   * `given`, the id and token a visitor's browser holds already (http/learner.ts).
   */
  async create(options: { sandboxId: string; anonymous?: boolean; displayName?: string }, given?: { id: string; token: string }): Promise<{ learner: Learner; token: string }> {
    const now = new Date().toISOString();
    const id = given?.id ?? randomUUID();
    const token = given?.token ?? newLearnerToken();
    await this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO learners (id, sandbox_id, anonymous, display_name, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)', [id, options.sandboxId, options.anonymous === false ? 0 : 1, options.displayName ?? null, now, now]);
      await tx.run('INSERT INTO learner_tokens (token_hash, learner_id, created_at) VALUES (?, ?, ?)', [hashToken(token), id, now]);
    });
    return { learner: { id, sandboxId: options.sandboxId, anonymous: options.anonymous !== false, ...(options.displayName ? { displayName: options.displayName } : {}), createdAt: now }, token };
  }

  async get(id: string): Promise<Learner | undefined> {
    const row = await this.db.get<LearnerRow>('SELECT * FROM learners WHERE id = ?', [id]);
    return row ? toLearner(row) : undefined;
  }

  /** The learner a browser token belongs to; notes that they were seen now. */
  async byToken(token: string): Promise<Learner | undefined> {
    const row = await this.db.get<LearnerRow>('SELECT l.* FROM learners l JOIN learner_tokens t ON t.learner_id = l.id WHERE t.token_hash = ?', [hashToken(token)]);
    if (!row) return undefined;
    // One write a minute is enough for "active now", and spares the database a write per request.
    const now = new Date();
    if (now.getTime() - Date.parse(row.last_seen_at) > SEEN_EVERY_MS) await this.db.run('UPDATE learners SET last_seen_at = ? WHERE id = ?', [now.toISOString(), row.id]);
    return toLearner(row);
  }

  /**
   * A new password for a class member who forgot theirs (their instructor set it): every browser
   * session of theirs ends with it, while their sandbox and progress stay. False when the
   * learner was removed meanwhile (nothing is written).
   */
  async setPassword(learnerId: string, passwordHash: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if ((await tx.run('UPDATE learners SET password_hash = ? WHERE id = ? AND removed_at IS NULL', [passwordHash, learnerId])) === 0) return false;
      await tx.run('DELETE FROM learner_tokens WHERE learner_id = ?', [learnerId]);
      return true;
    });
  }

  /** How many learners made a request since `since` (the active-learners gauge). */
  async countSeenSince(since: Date): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM learners WHERE last_seen_at >= ?', [since.toISOString()]))!.n;
  }

  /** Marks learners as seen now (those with a terminal open on some node). */
  async touch(learnerIds: readonly string[]): Promise<void> {
    if (learnerIds.length === 0) return;
    await this.db.run(`UPDATE learners SET last_seen_at = ? WHERE id IN (${learnerIds.map(() => '?').join(', ')})`, [new Date().toISOString(), ...learnerIds]);
  }

  /** Records an attempt and folds it into the learner's progress on that exercise, in one transaction. */
  async recordAttempt(a: Omit<Attempt, 'id' | 'createdAt'>): Promise<Attempt> {
    const createdAt = new Date().toISOString();
    const passed = a.passed ? 1 : 0;
    const id = await this.db.transaction(async (tx) => {
      const row = await tx.get<{ id: number }>('INSERT INTO attempts (learner_id, exercise_id, answer, passed, score, feedback, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id', [
        a.learnerId,
        a.exerciseId,
        JSON.stringify(a.answer ?? null),
        passed,
        a.score,
        JSON.stringify(a.feedback),
        createdAt,
      ]);
      // Two attempts at once (two nodes) both count: the row is updated in place, never read first.
      await tx.run(
        `INSERT INTO exercise_progress (learner_id, exercise_id, attempts, passed, best_score, first_passed_at, last_attempt_at) VALUES (?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (learner_id, exercise_id) DO UPDATE SET
           attempts = exercise_progress.attempts + 1,
           passed = CASE WHEN excluded.passed = 1 THEN 1 ELSE exercise_progress.passed END,
           best_score = CASE WHEN excluded.best_score > exercise_progress.best_score THEN excluded.best_score ELSE exercise_progress.best_score END,
           first_passed_at = CASE WHEN exercise_progress.first_passed_at IS NULL OR excluded.first_passed_at < exercise_progress.first_passed_at THEN excluded.first_passed_at ELSE exercise_progress.first_passed_at END,
           last_attempt_at = CASE WHEN excluded.last_attempt_at > exercise_progress.last_attempt_at THEN excluded.last_attempt_at ELSE exercise_progress.last_attempt_at END`,
        [a.learnerId, a.exerciseId, passed, a.score, a.passed ? createdAt : null, createdAt],
      );
      // Older than the latest ATTEMPTS_KEPT, and not the first pass: let go (a few rows, by the index).
      await tx.run(
        `DELETE FROM attempts WHERE learner_id = ? AND exercise_id = ?
           AND id < (SELECT id FROM attempts WHERE learner_id = ? AND exercise_id = ? ORDER BY id DESC LIMIT 1 OFFSET ${ATTEMPTS_KEPT - 1})
           AND id <> COALESCE((SELECT MIN(id) FROM attempts WHERE learner_id = ? AND exercise_id = ? AND passed = 1), 0)`,
        [a.learnerId, a.exerciseId, a.learnerId, a.exerciseId, a.learnerId, a.exerciseId],
      );
      return row!.id;
    });
    return { ...a, id, createdAt };
  }

  /** The attempts kept (see ATTEMPTS_KEPT), oldest first; their count is in progress(). */
  async attempts(learnerId: string, exerciseId?: string): Promise<Attempt[]> {
    const rows = exerciseId
      ? await this.db.all<AttemptRow>('SELECT * FROM attempts WHERE learner_id = ? AND exercise_id = ? ORDER BY id', [learnerId, exerciseId])
      : await this.db.all<AttemptRow>('SELECT * FROM attempts WHERE learner_id = ? ORDER BY id', [learnerId]);
    return rows.map(toAttempt);
  }

  /** The attempts without their answers (each up to 64 KB), as an instructor's view of the learner shows them. */
  async outcomes(learnerId: string): Promise<AttemptOutcome[]> {
    const rows = await this.db.all<Omit<AttemptRow, 'answer'>>('SELECT id, learner_id, exercise_id, passed, score, feedback, created_at FROM attempts WHERE learner_id = ? ORDER BY id', [learnerId]);
    return rows.map(toOutcome);
  }

  /** One row per exercise the learner has tried. */
  async progress(learnerId: string): Promise<ExerciseProgress[]> {
    const rows = await this.db.all<{ exercise_id: string; attempts: number; passed: number; best_score: number; first_passed_at: string | null; last_attempt_at: string }>(
      'SELECT exercise_id, attempts, passed, best_score, first_passed_at, last_attempt_at FROM exercise_progress WHERE learner_id = ?',
      [learnerId],
    );
    return rows.map((r) => ({ exerciseId: r.exercise_id, attempts: r.attempts, passed: r.passed === 1, bestScore: r.best_score, ...(r.first_passed_at ? { firstPassedAt: r.first_passed_at } : {}), lastAttemptAt: r.last_attempt_at }));
  }
}

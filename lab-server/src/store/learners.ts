/**
 * Learners and their attempts. A learner may be anonymous (a browser that has never logged in)
 * and always has a sandbox: 'default' in single-learner mode.
 */
import type Database from 'better-sqlite3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FeedbackLine } from '../grading/feedback.js';

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
}

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

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

function toLearner(r: LearnerRow): Learner {
  return { id: r.id, sandboxId: r.sandbox_id, anonymous: r.anonymous === 1, ...(r.display_name ? { displayName: r.display_name } : {}), createdAt: r.created_at };
}

function toAttempt(r: AttemptRow): Attempt {
  return { id: r.id, learnerId: r.learner_id, exerciseId: r.exercise_id, answer: JSON.parse(r.answer) as unknown, passed: r.passed === 1, score: r.score, feedback: JSON.parse(r.feedback) as FeedbackLine[], createdAt: r.created_at };
}

export class LearnerStore {
  constructor(private readonly db: Database.Database) {}

  /** Creates a learner and the token its browser will hold (returned once, stored hashed). */
  create(options: { sandboxId: string; anonymous?: boolean; displayName?: string }): { learner: Learner; token: string } {
    const now = new Date().toISOString();
    const id = randomUUID();
    const token = randomBytes(32).toString('base64url');
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO learners (id, sandbox_id, anonymous, display_name, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, options.sandboxId, options.anonymous === false ? 0 : 1, options.displayName ?? null, now, now);
      this.db.prepare('INSERT INTO learner_tokens (token_hash, learner_id, created_at) VALUES (?, ?, ?)').run(hashToken(token), id, now);
    })();
    return { learner: this.get(id)!, token };
  }

  get(id: string): Learner | undefined {
    const row = this.db.prepare('SELECT * FROM learners WHERE id = ?').get(id) as LearnerRow | undefined;
    return row ? toLearner(row) : undefined;
  }

  /** The learner a browser token belongs to. */
  byToken(token: string): Learner | undefined {
    const row = this.db.prepare('SELECT l.* FROM learners l JOIN learner_tokens t ON t.learner_id = l.id WHERE t.token_hash = ?').get(hashToken(token)) as LearnerRow | undefined;
    if (!row) return undefined;
    this.db.prepare('UPDATE learners SET last_seen_at = ? WHERE id = ?').run(new Date().toISOString(), row.id);
    return toLearner(row);
  }

  /** How many learners made a request since `since` (the active-learners gauge). */
  countSeenSince(since: Date): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM learners WHERE last_seen_at >= ?').get(since.toISOString()) as { n: number }).n;
  }

  recordAttempt(a: Omit<Attempt, 'id' | 'createdAt'>): Attempt {
    const createdAt = new Date().toISOString();
    const info = this.db.prepare('INSERT INTO attempts (learner_id, exercise_id, answer, passed, score, feedback, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(a.learnerId, a.exerciseId, JSON.stringify(a.answer ?? null), a.passed ? 1 : 0, a.score, JSON.stringify(a.feedback), createdAt);
    return { ...a, id: Number(info.lastInsertRowid), createdAt };
  }

  attempts(learnerId: string, exerciseId: string): Attempt[] {
    return (this.db.prepare('SELECT * FROM attempts WHERE learner_id = ? AND exercise_id = ? ORDER BY id').all(learnerId, exerciseId) as AttemptRow[]).map(toAttempt);
  }

  /** One row per exercise the learner has tried. */
  progress(learnerId: string): ExerciseProgress[] {
    const rows = this.db
      .prepare(
        `SELECT exercise_id, COUNT(*) AS attempts, MAX(passed) AS passed, MAX(score) AS best,
                MIN(CASE WHEN passed = 1 THEN created_at END) AS first_passed, MAX(created_at) AS last
           FROM attempts WHERE learner_id = ? GROUP BY exercise_id`,
      )
      .all(learnerId) as Array<{ exercise_id: string; attempts: number; passed: number; best: number; first_passed: string | null; last: string }>;
    return rows.map((r) => ({ exerciseId: r.exercise_id, attempts: r.attempts, passed: r.passed === 1, bestScore: r.best, ...(r.first_passed ? { firstPassedAt: r.first_passed } : {}), lastAttemptAt: r.last }));
  }
}

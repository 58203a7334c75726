/**
 * Browser sessions: a random token in a cookie, its SHA-256 hash in learner_tokens or
 * instructor_tokens. An instructor's session lasts INSTRUCTOR_SESSION_SECONDS on the server as
 * its cookie does in the browser; each person keeps their SESSIONS_KEPT newest sessions, so a
 * script logging in over and over cannot grow the table without end (300 logins were 300 rows).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from './sql.js';

/** How long an instructor's browser session lasts: the cookie's Max-Age, and the server's limit too. */
export const INSTRUCTOR_SESSION_SECONDS = 12 * 3600;

/** Sessions one person keeps (a browser each: a phone, a laptop, the lab's computers); a login past it ends the oldest. */
export const SESSIONS_KEPT = 20;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A browser's token: 32 random bytes. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The oldest instructor session start still valid now. */
export const instructorSessionsSince = (): string => new Date(Date.now() - INSTRUCTOR_SESSION_SECONDS * 1000).toISOString();

const TABLES = {
  learner: { table: 'learner_tokens', owner: 'learner_id' },
  instructor: { table: 'instructor_tokens', owner: 'instructor_id' },
} as const;

/**
 * Starts a session for a learner or an instructor; the token is returned once. The person's
 * sessions beyond the SESSIONS_KEPT newest go, and an instructor's ended ones.
 */
export async function startSession(db: Sql, who: keyof typeof TABLES, ownerId: string): Promise<string> {
  const { table, owner } = TABLES[who];
  const token = newSessionToken();
  const tokenHash = hashToken(token);
  await db.transaction(async (tx) => {
    await tx.run(`INSERT INTO ${table} (token_hash, ${owner}, created_at) VALUES (?, ?, ?)`, [tokenHash, ownerId, new Date().toISOString()]);
    // The new one always stays; of the others, the newest (ties by hash, the same on both engines).
    await tx.run(
      `DELETE FROM ${table} WHERE ${owner} = ? AND token_hash <> ? AND token_hash NOT IN
         (SELECT token_hash FROM ${table} WHERE ${owner} = ? AND token_hash <> ? ORDER BY created_at DESC, token_hash LIMIT ?)`,
      [ownerId, tokenHash, ownerId, tokenHash, SESSIONS_KEPT - 1],
    );
    if (who === 'instructor') await tx.run(`DELETE FROM ${table} WHERE ${owner} = ? AND created_at < ?`, [ownerId, instructorSessionsSince()]);
  });
  return token;
}

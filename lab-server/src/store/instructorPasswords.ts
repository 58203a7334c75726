/**
 * A new password for an instructor who forgot theirs, set on the server (`maillab instructor
 * password`): every browser session of theirs ends with the old one, and the waits that wrong
 * tries of their name earned are forgotten, so they log in at once.
 */
import { LoginFailures } from './loginFailures.js';
import { nameKey } from './nameKey.js';
import type { Sql } from './sql.js';

/** The login throttle's account for an instructor's name (classroom/dashboard.ts counts under it). */
export function instructorAccount(name: string): string {
  return `instructor ${nameKey(name)}`;
}

export async function setInstructorPassword(db: Sql, instructor: { id: string; name: string }, passwordHash: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run('UPDATE instructors SET password_hash = ? WHERE id = ?', [passwordHash, instructor.id]);
    await tx.run('DELETE FROM instructor_tokens WHERE instructor_id = ?', [instructor.id]);
  });
  await new LoginFailures(db).clearAccount(instructorAccount(instructor.name));
}

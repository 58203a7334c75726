/**
 * Instructor names alike apart from case or Unicode form (nameKey.ts). A new one is refused (the
 * unique index on name_key), but migration 8 kept the pairs SQLite (and a PostgreSQL in the C
 * locale) had let in: the newer got a key of its own (`key\u0001id`) and could log in only by the
 * exact spelling of its name. These find every instructor a typed name may mean, so a login can
 * try each one's password, and rename one of a pair so the two names differ for good.
 */
import { nameKey } from './nameKey.js';
import type { Sql } from './sql.js';

export interface NamedInstructor {
  id: string;
  name: string;
  createdAt: string;
  passwordHash: string;
}

type Row = { id: string; name: string; created_at: string; password_hash: string };

/** The marker migration 8 put between a kept pair's key and the newer one's id. */
const PAIRED = '\u0001';

/** Every instructor `name` may mean: the one named exactly so first, then the others alike, oldest first. */
export async function instructorsNamed(db: Sql, name: string): Promise<NamedInstructor[]> {
  const key = nameKey(name);
  const paired = key + PAIRED;
  const rows = await db.all<Row>(
    `SELECT id, name, created_at, password_hash FROM instructors
      WHERE name_key = ? OR name = ? OR substr(name_key, 1, ?) = ?
      ORDER BY CASE WHEN name = ? THEN 0 ELSE 1 END, created_at, id`,
    // substr counts characters on both engines, as the spread counts code points.
    [key, name, [...paired].length, paired, name],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, passwordHash: r.password_hash }));
}

/** The groups of two or more instructors whose names are alike (those migration 8 kept), each oldest first. */
export async function instructorsAlike(db: Sql): Promise<string[][]> {
  const groups = new Map<string, string[]>();
  for (const r of await db.all<{ name: string }>('SELECT name FROM instructors ORDER BY created_at, id')) {
    const key = nameKey(r.name);
    groups.set(key, [...(groups.get(key) ?? []), r.name]);
  }
  return [...groups.values()].filter((names) => names.length > 1);
}

/**
 * Gives instructor `id` the name `to`, unless another instructor's name is alike (that name is
 * returned, nothing is written). When it leaves a pair, the one left behind gets the plain key back.
 */
export async function renameInstructor(db: Sql, id: string, to: string): Promise<{ taken: string } | undefined> {
  return db.transaction(async (tx) => {
    const other = (await instructorsNamed(tx, to)).find((i) => i.id !== id);
    if (other) return { taken: other.name };
    const before = await tx.get<{ name: string }>('SELECT name FROM instructors WHERE id = ?', [id]);
    if (!before) return undefined;
    await tx.run('UPDATE instructors SET name = ?, name_key = ? WHERE id = ?', [to, nameKey(to), id]);
    const freed = nameKey(before.name);
    if (freed === nameKey(to) || (await tx.get('SELECT id FROM instructors WHERE name_key = ?', [freed]))) return undefined;
    const left = (await instructorsNamed(tx, before.name)).filter((i) => i.id !== id && nameKey(i.name) === freed).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    if (left) await tx.run('UPDATE instructors SET name_key = ? WHERE id = ?', [freed, left.id]);
    return undefined;
  });
}

/**
 * The one interface both database back ends offer (SQLite embedded, PostgreSQL shared). Every
 * store above it writes plain SQL with `?` placeholders that both engines accept; nothing above
 * this file knows which engine answers.
 */

export type Dialect = 'sqlite' | 'postgres';
export type Param = string | number | null;

export interface Sql {
  readonly dialect: Dialect;
  /** Every row of a query. */
  all<T>(sql: string, params?: readonly Param[]): Promise<T[]>;
  /** The first row, if any. */
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly Param[]): Promise<number>;
  /**
   * Runs `work` in one transaction: all of it or none of it. On PostgreSQL it is retried when
   * the engine reports a serialization failure or deadlock, so `work` must only touch the database.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  script(sql: string): Promise<void>;
}

export interface Database extends Sql {
  /** Where the data lives, for logs and messages (never the password). */
  readonly where: string;
  /**
   * Rejects when the database cannot be written now (readiness checks): takes a row lock in a
   * transaction that is rolled back, waiting a short while at most, never the usual 5 s.
   */
  probeWrite(): Promise<void>;
  close(): Promise<void>;
}

/** A constraint refused a write: a duplicate key, or a reference to a row that does not exist. */
export class ConstraintViolation extends Error {
  constructor(
    readonly kind: 'unique' | 'foreign key',
    detail: string,
  ) {
    super(`${kind === 'unique' ? 'UNIQUE' : 'FOREIGN KEY'} constraint failed: ${detail}`);
  }
}

/**
 * A text parameter holds NUL (U+0000), which PostgreSQL's text cannot hold ("invalid byte
 * sequence for encoding UTF8: 0x00", once a 500 for a login name sent as "A\u0000B"). Refused by
 * both engines alike, before the query: no row holds one, so nothing could match it anyway.
 */
export class TextWithNul extends Error {
  constructor() {
    super('a text parameter holds a NUL character');
  }
}

/** Throws TextWithNul for a parameter PostgreSQL would refuse; every query of both engines asks first. */
export function refuseNul(params: readonly Param[]): void {
  for (const p of params) if (typeof p === 'string' && p.includes('\u0000')) throw new TextWithNul();
}

/** The database could not be reached or refused us; the message says what to check. */
export class DatabaseUnavailable extends Error {}

/**
 * The embedded back end: one SQLite file (better-sqlite3, WAL) under the data dir. Its calls
 * are synchronous, so each statement is atomic on its own; an open transaction holds a gate
 * that every other caller in this process waits behind, and BEGIN IMMEDIATE keeps other
 * processes (the `maillab` commands) out until it commits.
 */
import BetterSqlite3 from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { PRIVATE_DIR, PRIVATE_FILE } from '../files/privateModes.js';
import { dirname } from 'node:path';
import { ConstraintViolation, refuseNul, type Database, type Param, type Sql } from './sql.js';

function translate(err: unknown): unknown {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new ConstraintViolation('unique', (err as Error).message);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new ConstraintViolation('foreign key', (err as Error).message);
  return err;
}

export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  /** Settles when the open transaction ends; undefined when none is open. */
  private gate: Promise<void> | undefined;

  constructor(
    readonly where: string,
    private readonly db: BetterSqlite3.Database,
  ) {}

  static open(file: string, options: { readonly?: boolean } = {}): SqliteDatabase {
    if (!options.readonly) {
      mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR });
      // Learners, password hashes and tokens: for this user only. SQLite gives the -wal and
      // -shm files the database file's mode, so it is set before they are made.
      closeSync(openSync(file, 'a', PRIVATE_FILE));
      for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, PRIVATE_FILE);
    }
    const db = new BetterSqlite3(file, options.readonly ? { readonly: true, fileMustExist: true } : {});
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return new SqliteDatabase(file, db);
  }

  /** The underlying handle, for SQLite's online backup API. */
  get handle(): BetterSqlite3.Database {
    return this.db;
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private async waitForGate(): Promise<void> {
    while (this.gate) await this.gate;
  }

  /** Statements run directly (inside the transaction that owns the gate, or when none is open). */
  private readonly direct: Sql = {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: readonly Param[] = []) => {
      refuseNul(params);
      try {
        return this.prepare(sql).all(...params) as T[];
      } catch (err) {
        throw translate(err);
      }
    },
    get: async <T>(sql: string, params: readonly Param[] = []) => {
      refuseNul(params);
      try {
        return this.prepare(sql).get(...params) as T | undefined;
      } catch (err) {
        throw translate(err);
      }
    },
    run: async (sql: string, params: readonly Param[] = []) => {
      refuseNul(params);
      try {
        return this.prepare(sql).run(...params).changes;
      } catch (err) {
        throw translate(err);
      }
    },
    // A transaction inside a transaction is part of it.
    transaction: (work) => work(this.direct),
    script: async (sql: string) => {
      this.db.exec(sql);
    },
  };

  async all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    await this.waitForGate();
    return this.direct.all<T>(sql, params);
  }

  async get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    await this.waitForGate();
    return this.direct.get<T>(sql, params);
  }

  async run(sql: string, params?: readonly Param[]): Promise<number> {
    await this.waitForGate();
    return this.direct.run(sql, params);
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    // Checked and taken with no await in between, so two transactions never both pass.
    while (this.gate) await this.gate;
    let open!: () => void;
    this.gate = new Promise<void>((resolve) => (open = resolve));
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.gate = undefined;
      open();
    }
  }

  async script(sql: string): Promise<void> {
    await this.waitForGate();
    return this.direct.script(sql);
  }

  async probeWrite(): Promise<void> {
    while (this.gate) await this.gate;
    // better-sqlite3 waits for a lock synchronously: 200 ms at most here, so the lab never stalls.
    const usual = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 200');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        this.db.exec('UPDATE schema_migrations SET name = name WHERE version = 1');
      } finally {
        this.db.exec('ROLLBACK');
      }
    } finally {
      this.db.pragma(`busy_timeout = ${usual}`);
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

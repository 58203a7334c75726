/**
 * The shared back end: PostgreSQL through node-postgres (`pg`), a small pool per lab node.
 * Statements use `?` like SQLite's; they become `$1, $2, …` here. Counts (bigint) come back
 * as numbers. A transaction holds one pooled connection from BEGIN to COMMIT and is retried
 * when PostgreSQL reports a serialization failure or a deadlock.
 */
import pg from 'pg';
import { ConstraintViolation, DatabaseUnavailable, refuseNul, type Database, type Param, type Sql } from './sql.js';

const BIGINT = 20;
const RETRYABLE = new Set(['40001', '40P01']);

/** `?` placeholders to `$n` (our statements never hold a literal question mark). */
const numbered = new Map<string, string>();
function toPg(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
}

function translate(err: unknown): unknown {
  const e = err as { code?: string; message?: string; detail?: string };
  if (e.code === '23505') return new ConstraintViolation('unique', e.detail ?? e.message ?? '');
  if (e.code === '23503') return new ConstraintViolation('foreign key', e.detail ?? e.message ?? '');
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === '28P01' || e.code === '3D000') {
    return new DatabaseUnavailable(`PostgreSQL refused or could not be reached (${e.code}: ${e.message}). Check --database (host, port, user, password, database name).`);
  }
  return err;
}

/** Shows a connection URL without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'postgres://…';
  }
}

type Queryable = pg.Pool | pg.PoolClient;

function sqlOn(q: Queryable, transaction: Sql['transaction']): Sql {
  const query = async <T>(sql: string, params: readonly Param[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> => {
    refuseNul(params);
    try {
      return await q.query<T & pg.QueryResultRow>(toPg(sql), params as Param[]);
    } catch (err) {
      throw translate(err);
    }
  };
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: readonly Param[] = []) => (await query<T>(sql, params)).rows as T[],
    get: async <T>(sql: string, params: readonly Param[] = []) => (await query<T>(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params: readonly Param[] = []) => (await query(sql, params)).rowCount ?? 0,
    transaction,
    script: async (sql: string) => {
      try {
        await q.query(sql);
      } catch (err) {
        throw translate(err);
      }
    },
  };
}

export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly where: string;
  private readonly pool: pg.Pool;
  private readonly outside: Sql;

  constructor(url: string, options: { max?: number } = {}) {
    this.where = redactUrl(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      types: { getTypeParser: ((oid: number, format?: string) => (oid === BIGINT ? Number : pg.types.getTypeParser(oid, format as 'text'))) as pg.CustomTypesConfig['getTypeParser'] },
    });
    // An idle connection that the server closes must not crash the lab; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.outside = sqlOn(this.pool, (work) => this.transaction(work));
  }

  all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return this.outside.all<T>(sql, params);
  }

  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    return this.outside.get<T>(sql, params);
  }

  run(sql: string, params?: readonly Param[]): Promise<number> {
    return this.outside.run(sql, params);
  }

  script(sql: string): Promise<void> {
    return this.outside.script(sql);
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw translate(err);
      }
      const tx: Sql = sqlOn(client, (inner) => inner(tx));
      try {
        await client.query('BEGIN');
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (err as { code?: string }).code ?? '';
        if (RETRYABLE.has(code) && attempt < 5) continue;
        throw translate(err);
      } finally {
        client.release();
      }
    }
  }

  async probeWrite(): Promise<void> {
    const client = await this.pool.connect().catch((err: unknown) => {
      throw translate(err);
    });
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL lock_timeout = '2s'");
      await client.query('UPDATE schema_migrations SET name = name WHERE version = 1');
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended && !this.pool.ending) await this.pool.end();
  }
}

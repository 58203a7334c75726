/**
 * A private PostgreSQL cluster for the tests: `initdb` in a temp dir, `postgres` on a free
 * loopback port with a generated password, stopped and removed at the end. PostgreSQL refuses
 * to run as root, so when the tests run as root the cluster runs as the `postgres` user that
 * Debian's package creates. Each test file gets a database of its own.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findPgTool } from '../../lab-server/src/store/pgTools.js';
import { freePort } from './freePort.js';

export interface PostgresCluster {
  /** A superuser URL of the cluster's `postgres` database. */
  adminUrl: string;
  stop(): Promise<void>;
}

const NOT_INSTALLED = 'PostgreSQL is not installed here: the store tests run on it too. Install it (Debian: apt-get install postgresql), as .ci/run does.';

/** The uid/gid to run PostgreSQL as: ourselves, or `postgres` when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error('The tests run as root and there is no "postgres" user to run PostgreSQL as. Install Debian\'s postgresql package (it creates the user).');
  }
}

function runTool(tool: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} failed (${code}): ${err}`))));
  });
}

async function waitUntilReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited at start: ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not become ready: ${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts a throwaway cluster; fsync is off because its data is thrown away at the end. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const initdb = findPgTool('initdb');
  const postgres = findPgTool('postgres');
  if (!initdb || !postgres) throw new Error(NOT_INSTALLED);
  const user = runAs();
  const dir = await mkdtemp(join(tmpdir(), 'maillab-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  await writeFile(join(dir, 'pw'), password + '\n');
  if (user) {
    await chown(dir, user.uid, user.gid);
    await chown(join(dir, 'pw'), user.uid, user.gid);
  }
  await chmod(dir, 0o700);
  await runTool(initdb, ['-D', data, '-U', 'maillab', `--pwfile=${join(dir, 'pw')}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'], user);
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const child = spawn(
      postgres,
      ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
      { ...user, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const adminUrl = `postgres://maillab:${password}@127.0.0.1:${port}/postgres`;
    try {
      await waitUntilReady(adminUrl, child, () => log);
    } catch (err) {
      child.kill('SIGKILL');
      // Another process may have taken the port between our check and postgres binding it.
      if (tries < 3 && /could not bind|already in use/i.test(log)) continue;
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      adminUrl,
      async stop() {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGINT'); // "fast" shutdown
          await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** A new empty database in the cluster; its URL. */
export async function createDatabase(adminUrl: string, name = `maillab_${randomBytes(6).toString('hex')}`): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}

/** Drops a database made by createDatabase, ending anything still connected to it. */
export async function dropDatabase(adminUrl: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

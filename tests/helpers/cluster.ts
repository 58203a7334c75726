/**
 * A cluster on this machine for the tests and the benchmark: lab nodes as real `maillab serve`
 * processes sharing one PostgreSQL database, and Debian's Caddy in front of their web ports
 * with no stickiness (round robin), as an operator would run them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES } from '../../lab-server/src/services.js';
import { freePort } from './freePort.js';

/**
 * Waits until `url` answers. A node's start is bounded work, about 4.2 s of CPU (classroom mode,
 * SQLite, all threads; mostly loading modules), but two started at once at load 30-37 had not
 * answered after 60 s in 2 runs of 2 (one alone took 27-35 s at load 27-30): hence 180 s.
 */
async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}): ${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer in time: ${output()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export interface LabNode {
  id: string;
  httpPort: number;
  url: string;
  dataDir: string;
  mailHost: string;
  process: ChildProcess;
  /** Kills the process at once (SIGKILL), as a crash or a pulled plug would. */
  kill(): Promise<void>;
  /** Starts the node again on the same data dir and ports. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface NodeOptions {
  id: string;
  database: string;
  secret: string;
  /** Seconds of silence after which the node counts as down. */
  downAfter?: number;
  extraArgs?: string[];
}

/** Starts `maillab serve` as one node of a cluster; every mail service on a free port. */
export async function startNode(options: NodeOptions): Promise<LabNode> {
  const dataDir = await mkdtemp(join(tmpdir(), `maillab-${options.id}-`));
  const mailHost = `${options.id}.lab.test`;
  let httpPort = 0;
  let args: string[] = [];
  /** Free ports now; another process may take one before the node binds it, so a first start may pick again. */
  const pickPorts = async (): Promise<void> => {
    httpPort = await freePort();
    const ports: string[] = [];
    for (const s of SERVICES) ports.push(`--${s.id}-port`, String(await freePort()));
    args = [
      'bin/maillab.mjs', 'serve', '--mode', 'classroom', '--host', '127.0.0.1', '--data', dataDir, '--http-port', String(httpPort), '--dns-port', String(await freePort()),
      ...ports, '--database', options.database, '--node-id', options.id, '--node-url', `http://127.0.0.1:${httpPort}/`, '--mail-host', mailHost,
      '--node-down-after', String(options.downAfter ?? 3), ...(options.extraArgs ?? []),
    ];
    node.httpPort = httpPort;
    node.url = `http://127.0.0.1:${httpPort}`;
  };
  let output = '';
  // A process killed by a signal keeps exitCode null (signalCode says why it ended).
  const running = (): boolean => node.process.exitCode === null && node.process.signalCode === null;
  const node: LabNode = {
    id: options.id,
    httpPort,
    url: '',
    dataDir,
    mailHost,
    process: undefined as unknown as ChildProcess,
    async start() {
      const child = spawn('node', args, { env: { ...process.env, MAILLAB_CLUSTER_SECRET: options.secret }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
      child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
      node.process = child;
      try {
        await waitForHttp(`${node.url}/api/health`, child, () => output);
      } catch (err) {
        // A start given up on is not left running: nothing else holds this process to stop it.
        await node.kill();
        throw err;
      }
    },
    async kill() {
      if (!running()) return;
      const exited = new Promise((r) => node.process.once('exit', r));
      node.process.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) {
        const exited = new Promise((r) => node.process.once('exit', r));
        node.process.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (running()) await node.kill();
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  for (let tries = 1; ; tries++) {
    await pickPorts();
    try {
      await node.start();
      return node;
    } catch (err) {
      if (tries >= 3 || !/already in use/.test((err as Error).message)) {
        // start() has killed the process; its data directory goes too.
        await rm(dataDir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

/**
 * Nodes started side by side. When one does not start, the others are stopped before the
 * failure is thrown: the caller gets no handle on them, so nothing else would stop them.
 */
export async function startNodes(ids: readonly string[], options: Omit<NodeOptions, 'id'>): Promise<LabNode[]> {
  const started = await Promise.allSettled(ids.map((id) => startNode({ ...options, id })));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failed) return started.map((s) => (s as PromiseFulfilledResult<LabNode>).value);
  await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
  throw failed.reason;
}

export interface Proxy {
  url: string;
  stop(): Promise<void>;
}

/** Caddy on a free port, sharing requests out round robin over `upstreams` (no stickiness). */
export function startCaddy(upstreams: string[]): Promise<Proxy> {
  const hosts = upstreams.map((u) => new URL(u).host).join(' ');
  // A node that does not answer is skipped for a while (passive health checks), as in deploy/Caddyfile.
  return runCaddy((port) => `:${port} {\n\tbind 127.0.0.1\n\treverse_proxy ${hosts} {\n\t\tlb_policy round_robin\n\t\tlb_try_duration 3s\n\t\tfail_duration 10s\n\t}\n}\n`);
}

/** Debian's Caddy serving `site(port)` (plain HTTP, no admin endpoint) on a free loopback port. */
export async function runCaddy(site: (port: number) => string): Promise<Proxy> {
  const dir = await mkdtemp(join(tmpdir(), 'maillab-caddy-'));
  // A free port can be taken before Caddy binds it (by any test's outgoing connection: it is
  // in the ephemeral range), so a bind failure is tried again on another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, 'Caddyfile'), `{\n\tadmin off\n\tauto_https off\n}\n${site(port)}`);
    let output = '';
    const child = spawn('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${url}/api/health`, child, () => output, 30_000);
    } catch (err) {
      if (child.exitCode !== null && output.includes('address already in use') && attempt < 3) continue;
      child.kill('SIGTERM');
      throw err;
    }
    return caddyProxy(url, child, dir);
  }
}

function caddyProxy(url: string, child: ChildProcess, dir: string): Proxy {
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

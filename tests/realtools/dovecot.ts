/**
 * A real Dovecot, started in a temporary directory with a configuration the judge writes (the
 * learner's, with the exercise's paths moved under the directory, or the judge's own), without
 * any network listener: for SASL sockets that Postfix's smtpd talks to, `doveadm auth test`,
 * `doveadm user` and mail access, and `doveconf -n` on its own for Dovecot's verdict on a file.
 */
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonGroup } from './daemonGroup.js';
import { runTool, type ToolResult } from './process.js';

export interface DovecotInstance {
  dir: string;
  conf: string;
  /** The master's process id (its process group's too). */
  pid: number | undefined;
  /** Runs doveadm against this instance (with `input` on its standard input). */
  doveadm(args: string[], input?: string): Promise<ToolResult>;
  /** The master's log so far. */
  log(): string;
  /** A setting as Dovecot reads this instance's configuration (doveconf -h). */
  doveconfValue(name: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** The lab's users with their password ("secret"), as a passwd-file. */
export const LAB_USERS = ['alice@example.com', 'bob@example.com', 'carol@otherdomain.com'];

/**
 * Dovecot's own reading of a configuration file: its exit status and complaints. doveconf -n
 * expands a "$name" word only for the setting's own name; Dovecot, when it starts, expands them
 * all (doveconf -x) and does not start on "Unknown variable" or "Invalid variable": that verdict
 * wins. (-x alone would also read every "<file", which the lab's server has and this machine not.)
 */
export async function doveconf(confText: string): Promise<ToolResult> {
  const dir = await mkdtemp(join(tmpdir(), 'maillab-doveconf-'));
  try {
    await writeFile(join(dir, 'dovecot.conf'), confText);
    const n = await runTool('doveconf', ['-n', '-c', join(dir, 'dovecot.conf')]);
    if (!confText.includes('$')) return n;
    // The variables alone: "key = <file" as a plain value, so a file this machine lacks stops nothing
    // first. Started by systemd, Dovecot has no environment of the learner's: $ENV:NAME is empty.
    await writeFile(join(dir, 'expanded.conf'), confText.replace(/=[ \t]*</g, '= '));
    const x = await runTool('doveconf', ['-x', '-n', '-c', join(dir, 'expanded.conf')], { env: { PATH: process.env.PATH ?? '' } });
    return /Fatal: .*(Unknown|Invalid) variable: /.test(x.stderr) ? { ...x, stderr: x.stderr.replaceAll('expanded.conf', 'dovecot.conf') } : n;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** doveconf's verdict on a file: "takes", or its complaint ("" when it dies without one), without the file's place. */
export async function doveconfComplaint(confText: string): Promise<string> {
  const real = await doveconf(`${confText}\n`);
  return real.code === 0 ? 'takes' : (/Fatal: [^\n]*?: (.*)$/m.exec(real.stderr)?.[1] ?? real.stderr.trim());
}

/** Settings that make any configuration run in `dir` as a tool: no listeners (unless asked), logs to a file. */
export function judgeSettings(dir: string, options: { listen?: boolean } = {}): string {
  return [`base_dir = ${dir}/run`, `state_dir = ${dir}/state`, `log_path = ${dir}/dovecot.log`, ...(options.listen ? [] : ['protocols =', 'ssl = no'])].join('\n');
}

async function waitFor(path: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await stat(path).then(() => true, () => false)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Starts Dovecot on `confText` (settings that must win come after it). Resolves once the
 * master's socket exists, or with the log when Dovecot refused to start.
 */
export async function startDovecot(confText: (dir: string) => string, files: Array<{ path: string; text: string }> = []): Promise<DovecotInstance> {
  // files: paths relative to the instance's directory.
  const dir = await mkdtemp(join(tmpdir(), 'maillab-dovecot-'));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'run'));
  await mkdir(join(dir, 'state'));
  for (const f of files) {
    await mkdir(join(dir, f.path, '..'), { recursive: true });
    await writeFile(join(dir, f.path), f.text);
  }
  const conf = join(dir, 'dovecot.conf');
  await writeFile(conf, confText(dir));
  let log = '';
  // In a group of its own, killed with all its processes at the end (daemonGroup.ts says why).
  const group = new DaemonGroup('dovecot', ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  group.child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  group.child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await waitFor(join(dir, 'run', 'master'), 5000);
  const instance: DovecotInstance = {
    dir,
    conf,
    pid: group.pid,
    doveadm: (args, input) => runTool('doveadm', ['-c', conf, ...args], { timeoutMs: 15_000, ...(input === undefined ? {} : { input }) }),
    log: () => log,
    doveconfValue: async (name) => {
      const out = await runTool('doveconf', ['-c', conf, '-h', name]);
      return out.code === 0 ? out.stdout.trim() : undefined;
    },
    async stop() {
      await group.stop();
      if (!process.env.KEEP_DOVECOT) await rm(dir, { recursive: true, force: true });
    },
  };
  return instance;
}

/** The lab's users, password "secret", in the users file startDovecot writes; homes under the instance. */
export function labUserDatabases(dir: string): string {
  return [
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${dir}/users`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=5000 gid=5000 home=${dir}/home/%d/%n`,
    '}',
  ].join('\n');
}

/** A Dovecot that only authenticates the lab's users (for Postfix's SASL), on one socket. */
export async function startLabAuth(): Promise<DovecotInstance & { socket: string }> {
  const instance = await startDovecot((dir) =>
    [
      judgeSettings(dir),
      'auth_mechanisms = plain login',
      labUserDatabases(dir),
      'service auth {',
      `  unix_listener ${dir}/auth-postfix {`,
      '    mode = 0666',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  await writeFile(join(instance.dir, 'users'), LAB_USERS.map((u) => `${u}:{PLAIN}secret`).join('\n') + '\n');
  const socket = join(instance.dir, 'auth-postfix');
  await waitFor(socket, 5000);
  return Object.assign(instance, { socket });
}

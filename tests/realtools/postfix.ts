/**
 * A real Postfix, started for one answer in a temporary directory: the learner's main.cf (and
 * master.cf, when the exercise is about it) with the exercise's absolute paths moved under the
 * directory, `postconf -n` run on it for Postfix's own warnings, the master daemon started in
 * the foreground with smtpd on a free loopback port, and then SMTP conversations played against
 * it: XCLIENT sets the client's address and SASL login as a real connection would have them,
 * RCPT TO gets smtpd's real answer, and a message can be sent to watch where it is delivered.
 */
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { NO_REPLY } from './lineClient.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostfixLog } from './postfixLog.js';
import { PostfixMaster } from './postfixMaster.js';
import { runTool } from './process.js';
import { converse, portOf, type Probe, type ProbeResult } from './smtpProbe.js';

export interface PostfixRun {
  dir: string;
  /** postconf -n: its exit status and warnings. */
  postconf: { code: number | null; messages: string[] };
  /** Values expanded by postconf -x. */
  expanded: Record<string, string>;
  probes: ProbeResult[];
  /** Warnings, errors and delivery lines from the mail log. */
  log: string[];
  /** Files delivered under the exercise's /var/mail, as paths there (e.g. /var/mail/vhosts/example.com/alice/new/...). */
  delivered: string[];
  /** What the custom conversation reported. */
  custom: string[];
}

export interface PostfixSetup {
  mainCf: string;
  /** The learner's master.cf; the judge's own minimal one otherwise. */
  masterCf?: string;
  /** Files to create, by their path in the exercise (e.g. /etc/postfix/vmailbox); "postmap" builds hash: tables. */
  files?: Array<{ path: string; text: string; postmap?: boolean }>;
  expand?: string[];
  probes?: Probe[];
  /** A Dovecot auth socket to offer smtpd at private/auth (see dovecot.ts). */
  dovecotAuth?: string;
  /** Seconds to wait for delivery after the probes. */
  settle?: number;
  /**
   * A conversation of the judge's own, after the probes, with the port of a service; giveUp(service)
   * gives a sign that comes once that service's daemon stops at its start (see postfixLog.ts).
   */
  custom?: (portOf: (service: string) => number, giveUp: (service: string) => Promise<string>) => Promise<string[]>;
  /** Keep master.cf's chroot column (Debian runs most daemons chrooted in the queue directory). */
  chroot?: boolean;
  /** Started once the instance's directory is ready and before Postfix (e.g. Dovecot with sockets in the queue); returns its stop. */
  around?: (dir: string) => Promise<() => Promise<void>>;
  /** Postfix is stopped this long after it started, whatever the run is waiting for (default 3 minutes). */
  deadlineMs?: number;
}

/** Paths of the exercise's machine, moved under the instance's directory. */
export function relocate(textOf: string, dir: string): string {
  return textOf
    .replace(/\/etc\/postfix(?=[/\s,]|$)/gm, `${dir}/etc`)
    .replace(/\/var\/spool\/postfix(?=[/\s,]|$)/gm, `${dir}/q`)
    .replace(/\/var\/mail(?=[/\s,]|$)/gm, `${dir}/mail`)
    .replace(/\/etc\/(dovecot|opendkim|ssl|letsencrypt)(?=[/\s,]|$)/gm, `${dir}/$1`);
}

const JUDGE_SERVICES = [
  'rewrite unix - - n - - trivial-rewrite',
  'cleanup unix n - n - 0 cleanup',
  'qmgr unix n - n 300 1 qmgr',
  'bounce unix - - n - 0 bounce',
  'defer unix - - n - 0 bounce',
  'trace unix - - n - 0 bounce',
  'verify unix - - n - 1 verify',
  'pickup unix n - n 60 1 pickup',
  'anvil unix - - n - 1 anvil',
  'scache unix - - n - 1 scache',
  'tlsmgr unix - - n 1000? 1 tlsmgr',
  'proxymap unix - - n - - proxymap',
  'postlog unix-dgram n - n - 1 postlogd',
  'error unix - - n - - error',
  'retry unix - - n - - error',
  'discard unix - - n - - discard',
  'local unix - n n - - local',
  'virtual unix - n n - - virtual',
  'lmtp unix - - n - - lmtp',
  'smtp unix - - n - - smtp',
  'relay unix - - n - - smtp',
];

/**
 * A free loopback port for a judge's daemon, below the ephemeral range (23000-23999): a port
 * handed out by the kernel for "port 0" could be taken by another program between our check
 * and the daemon's bind. Each vitest worker has a quarter of the range: the check and the bind
 * are apart, so two workers' judges could pick one port at once: master binds with SO_REUSEPORT,
 * so both would listen and one's probes could reach the other's Postfix. (Not the cause of CI's
 * "EHLO announces SIZE (none)" with ECONNREFUSED: a shared port is never refused. That was a
 * probe before master had bound its port; see waitForPorts in postfixMaster.ts.)
 */
const WORKER = Number(process.env.VITEST_POOL_ID);
const [FIRST_PORT, PORTS] = WORKER >= 1 ? [23000 + ((WORKER - 1) % 4) * 250, 250] : [23000, 1000];
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = FIRST_PORT + Math.floor(Math.random() * PORTS);
    // Several judges run at once in this process: never give one port twice.
    if (handedOut.size > PORTS / 2) handedOut.clear();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** The learner's master.cf with inet services moved to loopback ports and no chroot. */
function judgeMasterCf(learner: string | undefined, ports: Map<string, number>, chroot = false): string {
  if (learner === undefined) return ['127.0.0.1:smtp inet n - n - - smtpd', ...JUDGE_SERVICES].join('\n');
  const out: string[] = [];
  const defined = new Set<string>();
  for (const line of learner.split('\n')) {
    // A CRLF file's CR stays, for Postfix to judge; "." does not match it.
    const m = /^(\S+)(\s+)(inet|unix|unix-dgram|fifo|pass)(\s+)(\S+)(\s+)(\S+)(\s+)(\S+)(\s+)(.*\r?)$/.exec(line);
    // A comment ("#submission inet n - y - - smtpd", as Debian's file has them) is no service:
    // taken as one, it became an active line whose port master never opens.
    if (!m || line.startsWith('#')) {
      out.push(line);
      continue;
    }
    let [, name, , type, , priv, , unpriv, , root, , rest] = m as unknown as string[];
    defined.add(`${name} ${type}`);
    if (type === 'inet') {
      const service = name!.replace(/^.*:/, '');
      ports.set(service, ports.get(service) ?? 0);
      name = `127.0.0.1:${service}`;
    }
    // Unless asked, chroot "n": the judge's paths and sockets then live outside any chroot.
    out.push(`${name} ${type} ${priv} ${unpriv} ${chroot ? root : 'n'} ${rest}`);
  }
  for (const s of JUDGE_SERVICES) if (!defined.has(s.split(' ').slice(0, 2).join(' '))) out.push(s);
  return out.join('\n');
}

/** The id of a system user or group, read from /etc/passwd or /etc/group. */
async function systemId(file: '/etc/passwd' | '/etc/group', name: string): Promise<number> {
  const line = (await readFile(file, 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`${name} is not in ${file}: is Debian's postfix package installed?`);
  return Number(line.split(':')[2]);
}

async function makeQueue(dir: string): Promise<void> {
  const q = join(dir, 'q');
  const uid = await systemId('/etc/passwd', 'postfix');
  const postdrop = await systemId('/etc/group', 'postdrop');
  await mkdir(q, { mode: 0o755 });
  for (const sub of ['active', 'bounce', 'corrupt', 'defer', 'deferred', 'flush', 'hold', 'incoming', 'private', 'saved', 'trace', 'maildrop', 'public', 'pid']) {
    await mkdir(join(q, sub), { recursive: true, mode: sub === 'pid' ? 0o755 : sub === 'maildrop' ? 0o730 : sub === 'public' ? 0o710 : 0o700 });
    if (sub !== 'pid') await chown(join(q, sub), uid, sub === 'maildrop' || sub === 'public' ? postdrop : 0);
  }
  await mkdir(join(dir, 'data'), { mode: 0o700 });
  await chown(join(dir, 'data'), uid, 0);
}

export async function runPostfix(setup: PostfixSetup): Promise<PostfixRun> {
  const dir = await mkdtemp(join(tmpdir(), 'maillab-postfix-'));
  const etc = join(dir, 'etc');
  let master: PostfixMaster | undefined;
  let mailLog: PostfixLog | undefined;
  let stopAround: (() => Promise<void>) | undefined;
  try {
    // Postfix drops to its own user, and virtual(8) delivers as the mailbox owner: both must reach in.
    await chmod(dir, 0o755);
    await mkdir(etc);
    await mkdir(join(dir, 'mail'));
    await chmod(join(dir, 'mail'), 0o1777);
    await makeQueue(dir);
    const ports = new Map<string, number>(setup.masterCf === undefined ? [['smtp', 0]] : []);
    const masterText = judgeMasterCf(setup.masterCf === undefined ? undefined : relocate(setup.masterCf, dir), ports, setup.chroot);
    if (setup.chroot) {
      // What Debian's postfix-script copies into the chroot: name service files.
      await mkdir(join(dir, 'q', 'etc'));
      for (const f of ['localtime', 'services', 'resolv.conf', 'hosts', 'nsswitch.conf']) await copyFile(`/etc/${f}`, join(dir, 'q', 'etc', f)).catch(() => undefined);
    }
    for (const key of ports.keys()) ports.set(key, await freePort());
    const main = [
      'compatibility_level = 3.6',
      'myhostname = mail.example.com',
      'alias_maps =',
      'alias_database =',
      relocate(setup.mainCf, dir),
      // The judge's machine, last so it wins: its own queue, log and loopback test clients.
      `queue_directory = ${dir}/q`,
      `data_directory = ${dir}/data`,
      `maillog_file = ${dir}/maillog`,
      `maillog_file_prefixes = ${dir}`,
      'inet_protocols = ipv4',
      'smtpd_authorized_xclient_hosts = 127.0.0.0/8',
      // A daemon that stops at its start is started again after 1 s, not 60: an smtpd waiting on a
      // cleanup that stops so learns it (and says so) at once instead of a minute later.
      'service_throttle_time = 1s',
    ].join('\n');
    await writeFile(join(etc, 'main.cf'), `${main}\n`);
    await writeFile(join(etc, 'master.cf'), `${masterText.replace(/127\.0\.0\.1:(\w[\w-]*)/g, (_, s: string) => `127.0.0.1:${ports.get(s) ?? s}`)}\n`);
    for (const f of setup.files ?? []) {
      const path = relocate(f.path, dir);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, `${f.text}\n`);
      if (f.postmap) await runTool('postmap', ['-c', etc, `hash:${path}`]);
    }
    if (setup.dovecotAuth) await symlink(setup.dovecotAuth, join(dir, 'q', 'private', 'auth'));
    stopAround = setup.around ? await setup.around(dir) : undefined;
    const pc = await runTool('postconf', ['-c', etc, '-n']);
    const postconf = { code: pc.code, messages: pc.stderr.split('\n').filter((l) => l && !/master\.cf/.test(l)) };
    const expanded: Record<string, string> = {};
    for (const name of setup.expand ?? []) expanded[name] = (await runTool('postconf', ['-c', etc, '-x', '-h', name])).stdout.trim();
    const probes: ProbeResult[] = [];
    let custom: string[] = [];
    if (pc.code === 0 && ((setup.probes?.length ?? 0) > 0 || setup.custom)) {
      master = new PostfixMaster(etc, setup.deadlineMs ?? 180_000);
      mailLog = new PostfixLog(join(dir, 'maillog'));
      const watch = mailLog;
      // The judge's master.cf names each inet service by its loopback address and port.
      const giveUp = (service: string): Promise<string> => watch.stoppedAtStart(String(portOf(ports, service))).then(() => `the ${service} service's daemon stopped before it took a connection`);
      // A master.cf with no inet service left (an answer that comments them all out) has no port.
      // Every inet port, not the first: the probes may start with any of them (CI once had
      // postfix-limits' two submission probes refused while smtp answered).
      const inet = [...new Set(ports.values())];
      // Generous: it returns once the ports open; on a loaded machine (load 15 on 2 cores) master
      // once took longer than 8 s, which the judges read as "smtpd stopped answering".
      if (inet.length > 0 && (await master.waitForPorts(inet, 30_000))) {
        for (const probe of setup.probes ?? []) {
          const service = probe.service ?? 'smtp';
          const result = await converse(portOf(ports, service), probe, giveUp(service));
          probes.push(result);
          // A daemon that died at its start (a fatal error) takes no connection whatever master does:
          // stop asking once a probe got not even a greeting (each later one would only wait for nothing).
          if (result.replies[0] === NO_REPLY) break;
        }
        if (setup.custom) custom = await setup.custom((service) => portOf(ports, service), giveUp);
        // Nothing to wait for when every probe's message was refused and no conversation of the judge's own sent one.
        const queued = setup.custom !== undefined || probes.some((p) => p.replies.some((r) => /^250 .*queued as/.test(r)));
        if (setup.settle && queued) await settle(dir, setup.settle);
      }
    }
    const log = await readFile(join(dir, 'maillog'), 'utf8').catch(() => '');
    const delivered = (await listTree(join(dir, 'mail'))).map((p) => p.replace(`${dir}/mail`, '/var/mail'));
    return { dir, postconf, expanded, probes, log: log.split('\n').filter((l) => /warning|fatal|error|status=|reject/.test(l)), delivered, custom };
  } finally {
    mailLog?.stop();
    await master?.stop();
    await stopAround?.();
    if (!process.env.KEEP_POSTFIX) await rm(dir, { recursive: true, force: true });
  }
}

/** Waits until the queue is empty (delivered or bounced) or the time is up. */
async function settle(dir: string, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const queued = (await Promise.all(['incoming', 'active', 'deferred'].map((q) => readdir(join(dir, 'q', q)).catch(() => [])))).flat();
    const log = await readFile(join(dir, 'maillog'), 'utf8').catch(() => '');
    if (queued.length === 0 && /status=/.test(log)) return;
    if (/status=deferred|fatal:/.test(log)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Files under the instance's directory (delivered mail), listed before it is removed. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(p);
    }
  };
  await walk(root);
  return out;
}

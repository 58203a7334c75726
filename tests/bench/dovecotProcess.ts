/**
 * A private Dovecot (Debian's dovecot-imapd and dovecot-pop3d) on free loopback ports with its
 * own Maildirs in a temporary directory, so the benchmark can put its figures beside the lab's
 * on the same machine. Started and stopped by its master's PID; never the system's Dovecot.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServerUnderTest } from './mailboxFigures.js';

const run = promisify(execFile);
export const DOVECOT = '/usr/sbin/dovecot';
/** Dovecot will not run mail processes as root; the messages belong to nobody. */
const MAIL_OWNER = { uid: 65534, gid: 65534 };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(parents.get(out[i]!) ?? []));
  return out;
}

export interface DovecotProcess extends ServerUnderTest {
  stop(): Promise<void>;
}

/** `extraConfig` is appended to dovecot.conf, e.g. a namespace that gives mailboxes a special use. */
export async function startDovecot(extraConfig = ''): Promise<DovecotProcess | undefined> {
  if (!existsSync(DOVECOT) || !existsSync('/usr/lib/dovecot/imap') || !existsSync('/usr/lib/dovecot/pop3')) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'maillab-dovecot-'));
  // Dovecot's auth and mail processes run as other users: they must reach the files.
  await chmod(dir, 0o755);
  const [imapPort, pop3Port] = [await freePort(), await freePort()];
  await Promise.all(['run', 'state', 'mail'].map((d) => mkdir(join(dir, d))));
  const config = join(dir, 'dovecot.conf');
  await writeFile(
    config,
    `base_dir = ${dir}/run\nstate_dir = ${dir}/state\nlog_path = ${dir}/dovecot.log\nprotocols = imap pop3\n` +
      `listen = 127.0.0.1\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain\nfirst_valid_uid = 1\n` +
      `mail_location = maildir:${dir}/mail/%u\npop3_uidl_format = %08Xu%08Xv\n` +
      `protocol imap {\n  mail_max_userip_connections = 1000\n}\n` +
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${dir}/passwd\n}\n` +
      `userdb {\n  driver = static\n  args = uid=${MAIL_OWNER.uid} gid=${MAIL_OWNER.gid} home=${dir}/mail/%u\n}\n` +
      `service imap-login {\n  inet_listener imap {\n    port = ${imapPort}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}\n` +
      `service pop3-login {\n  inet_listener pop3 {\n    port = ${pop3Port}\n  }\n  inet_listener pop3s {\n    port = 0\n  }\n}\n` +
      extraConfig,
  );
  await writeFile(join(dir, 'passwd'), 'alice@example.com:{PLAIN}secret\n');
  const inboxDir = join(dir, 'mail', 'alice@example.com');
  await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(join(inboxDir, d), { recursive: true })));
  await run('chown', ['-R', `${MAIL_OWNER.uid}:${MAIL_OWNER.gid}`, join(dir, 'mail')]);
  let master = 0;
  const start = async (): Promise<void> => {
    // The master forks into the background; its children keep no pipe of ours open.
    const child = spawn(DOVECOT, ['-c', config], { stdio: 'ignore' });
    const code = await new Promise((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`dovecot exited with ${code}; see ${dir}/dovecot.log`);
    // The background master writes its PID file a moment after the foreground one exits.
    for (let i = 0; i < 250 && !existsSync(join(dir, 'run', 'master.pid')); i++) await new Promise((r) => setTimeout(r, 20));
    master = Number((await readFile(join(dir, 'run', 'master.pid'), 'utf8')).trim());
  };
  const stop = async (): Promise<void> => {
    process.kill(master, 'SIGTERM');
    while (existsSync(`/proc/${master}`)) await new Promise((r) => setTimeout(r, 20));
  };
  await start();
  return {
    imapPort: () => imapPort,
    pop3Port: () => pop3Port,
    inboxDir,
    owner: MAIL_OWNER,
    async restart() {
      await stop();
      await start();
    },
    pids: () => descendants(master),
    async stop() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The mail servers' busiest paths run once before the lab says it is ready, so the first
 * learner after a start does not pay for V8 compiling them. Measured on a 5,000-message
 * mailbox (`npm run bench -- imap`): a lab process's first POP3 download (RETR after RETR) cost
 * 85-93 µs of CPU per message, after this warm-up 52-57 (fully warm ~49); the first
 * `FETCH 1:* (UID FLAGS ENVELOPE)` after a restart 75-105 ms of CPU, after it 19-25. The code is
 * the same; V8 had not yet compiled it. It costs the start ~0.8 s of wall and CPU.
 *
 * The warm-up is a real session of each protocol, over loopback, against listeners of its own
 * (port 0, 127.0.0.1, closed after) serving a sandbox of its own: one user with a random
 * password, a few hundred messages dropped into new/ as a delivery agent leaves them, in a
 * directory of the data dir that is removed after. Nothing a learner has is read or touched,
 * the lab's counters do not see it, and a failure only leaves the first session slower.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { flushMailboxes, forgetMailboxes } from '../maildir/sandboxMaildirs.js';
import type { SessionListener } from '../net/sessionListener.js';
import { SandboxAccess } from '../world/access.js';
import { Sandbox } from '../world/sandbox.js';
import { listen } from './listen.js';

export interface WarmUpDeps {
  dataDir: string;
  log: Logger;
  /** The warm-up gives up after this (a very slow machine): the lab starts anyway. */
  deadlineMs: number;
  /** A plain listener of the protocol on `access`, built as the lab's own (MailListeners.privateListener). */
  listener(protocol: 'imap' | 'pop3', access: SandboxAccess): SessionListener;
}

/** Messages in the warm-up's INBOX: enough that a FETCH 1:* is a real one, few enough to write fast. */
const MESSAGES = 500;
/**
 * Rounds of each protocol. Measured (POP3, RETR of a 5,000-message maildrop, 4 pairs): after 10
 * sessions of 500 RETRs 53-54 µs of CPU per message, without 85-93; FETCH after a restart (4
 * runs each) 22-34 ms of CPU after 10 FETCHes of 500 messages, without 74-94.
 */
const ROUNDS = 10;

const ID = 'warm-up';
const DOMAIN = 'example.com';
const USER = `${ID}@${DOMAIN}`;

/** Runs the warm-up; never throws (a failure is logged, and the lab starts as it would without). */
export async function warmUpMailServers(deps: WarmUpDeps): Promise<void> {
  const dir = join(deps.dataDir, ID);
  const password = randomBytes(16).toString('hex');
  const sandbox = new Sandbox(ID, dir, { hostName: `mail.${DOMAIN}`, domains: [DOMAIN], users: [{ address: USER, displayName: 'Warm-up', password }] });
  const listeners: SessionListener[] = [];
  const clients = new Set<Socket>();
  let timer: NodeJS.Timeout | undefined;
  try {
    // Left by a lab killed during its warm-up: the data dir is this lab's alone (cli/servingLock.ts).
    await rm(dir, { recursive: true, force: true });
    await dropMessages(join(sandbox.vhostsDir, DOMAIN, ID));
    const access = new SandboxAccess({ get: async () => sandbox, loaded: () => [sandbox] }, { claim: async () => undefined }, ID);
    const imap = deps.listener('imap', access);
    const pop3 = deps.listener('pop3', access);
    listeners.push(imap, pop3);
    const ports = { imap: await portOf(imap.server), pop3: await portOf(pop3.server) };
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not done within ${deps.deadlineMs} ms`)), deps.deadlineMs);
    });
    // Heard even if it comes between the two steps below (an unheard rejection ends the process).
    deadline.catch(() => undefined);
    const started = performance.now();
    await within(deadline, warmUpImap(ports.imap, password, clients, sandbox));
    await within(deadline, warmUpPop3(ports.pop3, password, clients));
    deps.log('lab', `IMAP and POP3 warmed up in ${Math.round(performance.now() - started)} ms (sessions on a sandbox of their own), so V8 has compiled what the first learner's sessions run`);
  } catch (err) {
    deps.log('lab', `warm-up of the mail servers stopped: ${(err as Error).message}. The first IMAP and POP3 sessions after this start are slower; nothing else is affected`);
  } finally {
    clearTimeout(timer);
    for (const socket of clients) socket.destroy();
    await Promise.allSettled(listeners.map((l) => l.close('The warm-up is over')));
    await reopen(sandbox).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The work, or the deadline's error if that comes first (the work then fails quietly: its sockets are closed). */
function within(deadline: Promise<never>, work: Promise<void>): Promise<void> {
  work.catch(() => undefined);
  return Promise.race([deadline, work]);
}

/** Writes the sandbox's folder indexes to disk and forgets them, as a lab stopping does: the next login reads them back. */
async function reopen(sandbox: Sandbox): Promise<void> {
  await flushMailboxes(sandbox);
  forgetMailboxes(sandbox);
}

/** A listener's port once it listens on loopback. */
async function portOf(server: Server): Promise<number> {
  return listen(server, 0, '127.0.0.1', ID);
}

/** An INBOX of messages in new/, as a delivery agent leaves them: a few shapes of header, a body of some lines. */
async function dropMessages(mailbox: string): Promise<void> {
  const fresh = join(mailbox, 'new');
  await mkdir(fresh, { recursive: true });
  await Promise.all(['cur', 'tmp'].map((d) => mkdir(join(mailbox, d), { recursive: true })));
  const now = Math.floor(Date.now() / 1000);
  for (let n = 0; n < MESSAGES; n++) {
    const text = message(n);
    // Sizes in the name, as Dovecot's deliver writes them: a file just written without them is
    // waited for until it has surely stopped growing (maildir/scan.ts), a second here.
    const lines = text.split('\n').length - 1;
    await writeFile(join(fresh, `${now}.M${n}P${process.pid}.${ID},S=${text.length},W=${text.length + lines}`), text, 'latin1');
  }
}

function message(n: number): string {
  const date = new Date(Date.UTC(2026, 0, 1) + n * 97_000).toUTCString().replace('GMT', '+0000');
  const from = n % 3 === 0 ? `"Learner ${n}" <learner${n}@${DOMAIN}>` : n % 3 === 1 ? `=?UTF-8?B?5a2m55Sf?= <s${n}@otherdomain.com>` : `teacher${n % 7}@${DOMAIN}`;
  const lines = Array.from({ length: 10 + (n % 40) }, (_, i) => `Line ${i} of note ${n}: mail goes from MUA to MTA to MDA.${i % 9 === 0 ? '\n.dot first' : ''}`);
  return `From: ${from}\nTo: Warm-up <${USER}>\nSubject: Note ${n}\nDate: ${date}\nMessage-ID: <${n}.${ID}@${DOMAIN}>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n${lines.join('\n')}\n`;
}

async function warmUpImap(port: number, password: string, clients: Set<Socket>, sandbox: Sandbox): Promise<void> {
  // The new messages' headers read, in FETCHes of fewer than 256 messages, which the event loop
  // reads itself (envelopeBatch.ts). A warm-up FETCH that started the envelope reader threads
  // left the first real big FETCH slower: 238-262 ms, against 152-181 without the warm-up.
  await imapSession(port, password, clients, async (command) => {
    for (let first = 1; first <= MESSAGES; first += 200) await command(`FETCH ${first}:${Math.min(MESSAGES, first + 199)} (UID FLAGS ENVELOPE)`);
  });
  await reopen(sandbox);
  // Then from the index read back from disk, as the first FETCH after a restart finds them.
  // Message bodies first: V8 throws away code compiled for one kind of FETCH when another kind
  // comes, and the first real FETCH after the warm-up paid for compiling it again.
  await imapSession(port, password, clients, async (command) => {
    for (let uid = 1; uid <= MESSAGES; uid++) await command(`UID FETCH ${uid} BODY.PEEK[]`);
    for (let round = 0; round < ROUNDS; round++) await command('FETCH 1:* (UID FLAGS ENVELOPE)');
  });
}

/** Logs in, selects INBOX, runs `work` (each command must end OK), logs out. */
async function imapSession(port: number, password: string, clients: Set<Socket>, work: (command: (line: string) => Promise<void>) => Promise<void>): Promise<void> {
  const client = await Client.open(port, clients);
  let tags = 0;
  const command = (line: string): Promise<void> => {
    const tag = `w${++tags}`;
    const end = new RegExp(`(^|\\n)${tag} [A-Z]+ [^\\n]*\\n$`);
    return client.ask(`${tag} ${line}\r\n`, (tail) => end.test(tail), `${tag} OK`);
  };
  await client.ask('', (tail) => tail.endsWith('\r\n'), '* OK');
  await command(`LOGIN ${USER} ${password}`);
  await command('SELECT INBOX');
  await work(command);
  await command('LOGOUT');
  client.close();
}

async function warmUpPop3(port: number, password: string, clients: Set<Socket>): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    const client = await Client.open(port, clients);
    // A multiline reply ends with a dot line; an -ERR is one line.
    const reply = (line: string, multiline = false): Promise<void> =>
      client.ask(line, (tail, head) => tail.endsWith('\r\n') && (!multiline || tail.endsWith('\r\n.\r\n') || head.startsWith('-')), '+OK');
    await reply('');
    await reply(`USER ${USER}\r\n`);
    await reply(`PASS ${password}\r\n`);
    for (let n = 1; n <= MESSAGES; n++) await reply(`RETR ${n}\r\n`, true);
    // No QUIT: a session that ends without one changes nothing in the maildrop.
    client.close();
  }
}

/** A line client for the warm-up: a request, then everything up to the end of its reply. */
class Client {
  private tail = '';
  private reply = '';
  private waiting: { done: (tail: string, head: string) => boolean; resolve: () => void; reject: (err: Error) => void } | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      // Only the end of a reply is kept: a FETCH 1:* answers a few hundred KB.
      if (this.reply === '') this.reply = chunk.slice(0, 64);
      this.tail = (this.tail + chunk).slice(-512);
      if (this.waiting?.done(this.tail, this.reply)) this.settle();
    });
    socket.on('close', () => this.waiting?.reject(new Error('the server closed the connection')));
    socket.on('error', (err) => this.waiting?.reject(err));
  }

  static open(port: number, clients: Set<Socket>): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => resolve(new Client(socket)));
      clients.add(socket);
      socket.on('error', reject);
      socket.once('close', () => clients.delete(socket));
    });
  }

  /**
   * Sends `line` (none: the greeting) and waits until `done`, given the reply's last and first
   * bytes, says it is whole; its first or last line must start with `ok`.
   */
  ask(line: string, done: (tail: string, head: string) => boolean, ok: string): Promise<void> {
    this.tail = '';
    this.reply = '';
    return new Promise<void>((resolve, reject) => {
      this.waiting = {
        done,
        resolve: () => {
          const last = this.tail.slice(this.tail.lastIndexOf('\n', this.tail.length - 2) + 1);
          if (!this.reply.startsWith(ok) && !last.startsWith(ok)) reject(new Error(`${line.trim().split(' ').slice(0, 2).join(' ') || 'the greeting'} was answered: ${(last || this.reply).trim().slice(0, 200)}`));
          else resolve();
        },
        reject,
      };
      if (line) this.socket.write(line);
    });
  }

  private settle(): void {
    const waiting = this.waiting!;
    this.waiting = undefined;
    waiting.resolve();
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * The real tools' verdict on a DKIM signer: a real OpenDKIM runs the learner's opendkim.conf,
 * KeyTable and SigningTable, a real Postfix runs their main.cf with it as a milter; a message
 * from the sender over SMTP must arrive signed so that dkimpy and OpenDKIM verify it against
 * the zone BIND loaded, and so must one given to the sendmail command (non_smtpd_milters); with
 * OpenDKIM stopped, Postfix must still take mail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DkimSignerParams } from '../../lab-server/src/grading/config/dkimSigner.js';
import { fileText, splitFiles } from '../../lab-server/src/grading/config/files.js';
import { loadWithBind, zoneApex } from './bind.js';
import { LineClient } from './lineClient.js';
import { askMailauth } from './mailauth.js';
import { freePort, listTree, relocate, runPostfix } from './postfix.js';
import { takesConnections } from './postfixMaster.js';
import { runTool } from './process.js';

type Params = DkimSignerParams;

const RECIPIENT = 'bob@example.com';

/** Every TCP port named in a milter socket ("inet:8891@localhost", "inet:localhost:8891"), moved to a free one. */
async function movePorts(texts: string[]): Promise<string[]> {
  const moved = new Map<string, number>();
  const pattern = /(inet6?:)(\d+)(@)|(inet6?:[^\s,:@]+:)(\d+)/g;
  for (const t of texts) for (const m of t.matchAll(pattern)) moved.set(m[2] ?? m[5]!, 0);
  for (const port of moved.keys()) moved.set(port, await freePort());
  return texts.map((t) => t.replace(pattern, (_, a?: string, p?: string, at?: string, b?: string, q?: string) => (a ? `${a}${moved.get(p!)}${at}` : `${b}${moved.get(q!)}`)));
}

/** The Message-ID of the judge's message of this subject. */
const messageId = (subject: string): string => `${subject.replace(/\W/g, '')}@judge.example`;

/** An SMTP message from the sender, over one plain conversation; the reply to the end of DATA. */
async function sendOver(port: number, from: string, subject: string): Promise<string> {
  const c = await LineClient.connect(port);
  try {
    const steps = ['EHLO judge.example', `MAIL FROM:<${from}>`, `RCPT TO:<${RECIPIENT}>`, 'DATA'];
    let reply = await c.smtpReply();
    for (const step of steps) {
      if (!/^[23]/.test(reply)) return reply;
      c.write(step);
      reply = await c.smtpReply();
    }
    if (!/^3/.test(reply)) return reply;
    c.write(`From: <${from}>\r\nTo: <${RECIPIENT}>\r\nSubject: ${subject}\r\nMessage-ID: <${messageId(subject)}>\r\n\r\nSigned on the way out?\r\n.`);
    return await c.smtpReply();
  } finally {
    c.close();
  }
}

/**
 * Whether Postfix is done with the message of this Message-ID: delivered, bounced or refused by a
 * milter (pickup tries a message the milter refused again only at its next wakeup, 60 s on). Not
 * deferred: a main.cf with short backoff times may deliver that one before the judge's time is up.
 */
function doneWith(log: string, messageId: string): boolean {
  const queueId = new RegExp(`: (\\w+): message-id=<${messageId.replace(/\W/g, '\\$&')}>`).exec(log)?.[1];
  return queueId !== undefined && new RegExp(`: ${queueId}: (milter-reject: |.*status=(sent|bounced))`).test(log);
}

/**
 * Waits until the messages Postfix took (by Message-ID) are in the Maildirs under root, or Postfix
 * is done with each of them otherwise (a milter's 4xx leaves one in the queue for good), or the time is up.
 */
async function delivered(dir: string, messageIds: string[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && (await listTree(join(dir, 'mail'))).length < messageIds.length) {
    const log = await readFile(join(dir, 'maillog'), 'utf8').catch(() => '');
    if (messageIds.every((id) => doneWith(log, id))) return;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Where opendkim.conf's Socket says OpenDKIM listens, as this machine reaches it (inet:port@localhost, local:/path...). */
function milterSocket(conf: string): { port: number } | { path: string } | undefined {
  const socket = /^[ \t]*Socket[ \t]+(\S+)/im.exec(conf)?.[1];
  if (!socket) return undefined;
  const inet = /^inet:(\d+)(?:@(localhost|127\.0\.0\.1|0\.0\.0\.0|\*))?$/i.exec(socket);
  if (inet) return { port: Number(inet[1]) };
  const local = /^(?:(?:local|unix):)?(\/.*)$/i.exec(socket);
  return local ? { path: local[1]! } : undefined;
}

/**
 * Waits until OpenDKIM takes connections on its socket, or has stopped, or the time is up; a socket
 * this cannot tell is given the half second OpenDKIM takes to start on a quiet machine.
 */
async function milterReady(opendkim: ChildProcess, conf: string, ms: number): Promise<void> {
  const socket = milterSocket(conf);
  if (!socket) return new Promise((r) => setTimeout(r, 500));
  const until = Date.now() + ms;
  while (Date.now() < until && opendkim.exitCode === null && opendkim.signalCode === null) {
    if ('path' in socket ? await stat(socket.path).then(() => true, () => false) : await takesConnections(socket.port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function judgeDkimSigner(p: Params, answer: string): Promise<string[]> {
  const files = splitFiles(answer);
  const reasons: string[] = [];
  const [confText = '', mainCf = ''] = await movePorts([fileText(files, ['opendkim.conf']) ?? '', fileText(files, ['main.cf']) ?? '']);
  const zone = await loadWithBind(p.origin, `${zoneApex(p.origin)}\n${p.zone}`);
  if (!zone.loaded) return [`BIND refuses the exercise's zone: ${zone.messages.join(' | ')}`];
  let opendkim: ChildProcess | undefined;
  const opendkimLog: string[] = [];
  const stopOpendkim = async (): Promise<void> => {
    if (!opendkim || opendkim.exitCode !== null || opendkim.signalCode !== null) return;
    const exited = new Promise((r) => opendkim!.once('exit', r));
    opendkim.kill('SIGKILL');
    await exited;
  };
  const messages: string[] = [];
  let postfixDir = '';
  const run = await runPostfix({
    mainCf: `${p.given ?? ''}\n${mainCf}`,
    files: [{ path: '/etc/postfix/vmailbox', text: `${RECIPIENT} example.com/bob/`, postmap: true }],
    around: async (dir) => {
      postfixDir = dir;
      // The learner's files where opendkim.conf says they are; the exercise's private key, readable by OpenDKIM only.
      const conf = relocate(confText.replace(/\/run\/opendkim/g, '/etc/opendkim/run'), dir);
      await mkdir(join(dir, 'opendkim', 'run'), { recursive: true });
      // The judge's directory is under /tmp, which anybody may write: OpenDKIM would call every key in it unsafe.
      await writeFile(join(dir, 'opendkim.conf'), `${conf}\nRequireSafeKeys false\n`);
      for (const table of [p.keyTable, p.signingTable]) await writeFile(relocate(table, dir), `${relocate(fileText(files, [table]) ?? '', dir)}\n`);
      const key = relocate(p.keyFile, dir);
      await mkdir(join(key, '..'), { recursive: true });
      await writeFile(key, p.privateKey.endsWith('\n') ? p.privateKey : `${p.privateKey}\n`, { mode: 0o600 });
      if (/^\s*UserID\s+opendkim/im.test(conf)) {
        const { stdout } = await runTool('id', ['-u', 'opendkim']);
        await chown(key, Number(stdout.trim()), 0);
        await chmod(join(dir, 'opendkim', 'run'), 0o777);
      }
      opendkim = spawn('opendkim', ['-f', '-x', join(dir, 'opendkim.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
      opendkim.stdout!.on('data', (d: Buffer) => opendkimLog.push(d.toString()));
      opendkim.stderr!.on('data', (d: Buffer) => opendkimLog.push(d.toString()));
      await milterReady(opendkim, conf, 10_000);
      return async () => {
        // Read what was delivered before Postfix's directory goes.
        for (const f of await listTree(join(dir, 'mail'))) messages.push(await readFile(f, 'latin1'));
        await stopOpendkim();
      };
    },
    custom: async (portOf) => {
      const out: string[] = [];
      const smtp = await sendOver(portOf('smtp'), p.sender, 'over SMTP');
      if (!smtp.startsWith('250')) out.push(`a message from ${p.sender} over SMTP: ${smtp}`);
      // The sendmail command (cron jobs, web applications): postdrop, pickup and cleanup, never smtpd.
      const local = await runTool('/usr/sbin/sendmail', ['-C', join(postfixDir, 'etc'), '-f', p.sender, RECIPIENT], { input: `From: <${p.sender}>\nTo: <${RECIPIENT}>\nSubject: through sendmail\nMessage-ID: <${messageId('sendmail')}>\n\nSigned on the way out?\n` });
      if (local.code !== 0) out.push(`sendmail: ${(local.stdout + local.stderr).trim()}`);
      const taken = [...(smtp.startsWith('250') ? [messageId('over SMTP')] : []), ...(local.code === 0 ? [messageId('sendmail')] : [])];
      await delivered(postfixDir, taken, 8000);
      await stopOpendkim();
      const down = await sendOver(portOf('smtp'), p.sender, 'while OpenDKIM is down');
      if (!down.startsWith('250')) out.push(`with OpenDKIM stopped, Postfix answers the message with "${down}"`);
      return out;
    },
    settle: 8,
  });
  if (run.postconf.code !== 0) return [`postconf refuses main.cf: ${run.postconf.messages.join(' | ')}`];
  if (opendkimLog.join('').trim() && messages.length === 0) reasons.push(`opendkim: ${opendkimLog.join('').trim().split('\n')[0]}`);
  reasons.push(...run.custom);
  const ways = ['over SMTP', 'through sendmail'].map((way) => ({ way, message: messages.find((m) => m.includes(`\nSubject: ${way}\n`)) }));
  // Both messages to one Python process: starting it is the slow part (mailauth.ts).
  const signed = ways.filter((w) => w.message !== undefined);
  const verdicts = signed.length === 0 ? [] : (await askMailauth([{ records: zone.records.map((r) => r.line), tasks: signed.map((w) => ({ kind: 'dkim' as const, message: w.message!.replace(/\r?\n/g, '\r\n') })) }]))[0] ?? [];
  for (const { way, message } of ways) {
    if (message) {
      const verdict = verdicts[signed.findIndex((w) => w.way === way)];
      if (!verdict?.ok) reasons.push(`the message from ${p.sender} ${way} does not verify: ${verdict?.why}`);
    } else if (run.custom.length === 0) {
      reasons.push(`the message from ${p.sender} ${way} was not delivered (${run.log.filter((l) => /status=|milter/.test(l)).slice(0, 2).join(' | ') || 'nothing logged'})`);
    }
  }
  return reasons;
}

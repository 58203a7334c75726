/**
 * The real tools' verdict on a DKIM signer: a real OpenDKIM runs the learner's opendkim.conf,
 * KeyTable and SigningTable, a real Postfix runs their main.cf with it as a milter; a message
 * from the sender over SMTP must arrive signed so that dkimpy and OpenDKIM verify it against
 * the zone BIND loaded; with OpenDKIM stopped, Postfix must still take mail; and postconf must
 * expand non_smtpd_milters to OpenDKIM's socket (mail from the sendmail command).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DkimSignerParams } from '../../lab-server/src/grading/config/dkimSigner.js';
import { fileText, splitFiles } from '../../lab-server/src/grading/config/files.js';
import { loadWithBind, zoneApex } from './bind.js';
import { LineClient } from './lineClient.js';
import { askMailauth } from './mailauth.js';
import { freePort, listTree, relocate, runPostfix } from './postfix.js';
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
    c.write(`From: <${from}>\r\nTo: <${RECIPIENT}>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@judge.example>\r\n\r\nSigned on the way out?\r\n.`);
    return await c.smtpReply();
  } finally {
    c.close();
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
  const run = await runPostfix({
    mainCf: `${p.given ?? ''}\n${mainCf}`,
    files: [{ path: '/etc/postfix/vmailbox', text: `${RECIPIENT} example.com/bob/`, postmap: true }],
    expand: ['non_smtpd_milters'],
    around: async (dir) => {
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
      await new Promise((r) => setTimeout(r, 500));
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
      await new Promise((r) => setTimeout(r, 1500));
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
  const overSmtp = messages.find((m) => /^Subject: over SMTP/m.test(m));
  if (overSmtp) {
    const [verdict] = (await askMailauth([{ records: zone.records.map((r) => r.line), tasks: [{ kind: 'dkim', message: overSmtp.replace(/\r?\n/g, '\r\n') }] }]))[0]!;
    if (!verdict?.ok) reasons.push(`the message from ${p.sender} does not verify: ${verdict?.why}`);
  } else if (run.custom.length === 0) {
    reasons.push(`the message from ${p.sender} was not delivered (${run.log.filter((l) => /status=|milter/.test(l)).slice(0, 2).join(' | ') || 'nothing logged'})`);
  }
  // Mail through the sendmail command never meets smtpd: only non_smtpd_milters hands it to OpenDKIM.
  const milters = run.expanded['non_smtpd_milters'] ?? '';
  const socket = /^\s*Socket\s+inet6?:(\d+)@/im.exec(confText)?.[1];
  if (!socket || !new RegExp(`:${socket}\\b`).test(milters)) reasons.push(`postconf -x non_smtpd_milters is "${milters}": mail from the sendmail command does not reach OpenDKIM`);
  return reasons;
}

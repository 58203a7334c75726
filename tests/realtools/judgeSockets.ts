/**
 * The real servers' verdict on the two sockets Postfix and Dovecot share. A real Dovecot runs
 * the learner's Dovecot files with its sockets created inside a real Postfix's queue
 * directory, and Postfix runs its daemons chrooted there, as Debian's master.cf does; then a
 * real login through SASL, or a real delivery through LMTP, must work.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileText, splitFiles } from '../../lab-server/src/grading/config/files.js';
import { judgeSettings, LAB_USERS, startDovecot } from './dovecot.js';
import { relocate, runPostfix } from './postfix.js';
import { runTool } from './process.js';

interface Params {
  given?: string;
  givenDovecot?: string;
  masterCf?: string;
  table?: string[];
}

/** Dovecot's configuration for the judge: the exercise's and the learner's, paths under Postfix's directory. */
async function dovecotConf(p: Params, learner: string, postfixDir: string, dovecotDir: string): Promise<string> {
  const vmail = (await runTool('id', ['-u', 'vmail'])).code === 0;
  let text = `${p.givenDovecot ?? ''}\n${learner}`;
  // No vmail account here: the userdb gets its numbers, a listener another account that is not postfix (Dovecot reads no numbers there).
  if (!vmail) text = text.replace(/\b([ug]id)=vmail\b/g, '$1=5000').replace(/^(\s*user\s*=\s*)vmail\s*$/gm, '$1nobody').replace(/^(\s*group\s*=\s*)vmail\s*$/gm, '$1nogroup');
  return [
    relocate(text, postfixDir),
    judgeSettings(dovecotDir, { listen: true }),
    'ssl = no',
    // The judge's Dovecot serves no network clients: switch its IMAP and POP3 listeners off.
    'service imap-login {\n  inet_listener imap {\n    port = 0\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}',
    'service pop3-login {\n  inet_listener pop3 {\n    port = 0\n  }\n  inet_listener pop3s {\n    port = 0\n  }\n}',
    '',
  ].join('\n');
}

/** Starts that Dovecot once Postfix's directory exists; the users file is the lab's users with "secret". */
function withDovecot(p: Params, learner: string, log: string[], openSockets: string[]) {
  return async (postfixDir: string) => {
    await mkdir(join(postfixDir, 'dovecot'), { recursive: true });
    await writeFile(join(postfixDir, 'dovecot', 'users'), LAB_USERS.map((u) => `${u}:{PLAIN}secret`).join('\n') + '\n');
    const text = await dovecotConf(p, learner, postfixDir, '@DIR@');
    const instance = await startDovecot((dir) => text.replaceAll('@DIR@', dir));
    // The sockets Dovecot made in Postfix's queue (Postfix has not made its own yet): which of them anybody on the machine may open.
    for (const name of await readdir(join(postfixDir, 'q', 'private')).catch(() => [])) {
      const info = await stat(join(postfixDir, 'q', 'private', name)).catch(() => undefined);
      // Connecting needs only write permission (unix(7)): 0622 is as open as 0666.
      if (info?.isSocket() && (info.mode & 0o002) !== 0) openSockets.push(`private/${name} (mode 0${(info.mode & 0o777).toString(8)})`);
    }
    return async () => {
      const text = await readFile(join(instance.dir, 'dovecot.log'), 'utf8').catch(() => '');
      log.push(...text.split('\n').filter((l) => /Error|Fatal/.test(l)));
      await instance.stop();
    };
  };
}

const DEBIAN_MASTER = 'smtp inet n - y - - smtpd\nlmtp unix - - y - - lmtp';

export async function judgePostfixSasl(p: Params, answer: string): Promise<string[]> {
  const files = splitFiles(answer);
  const dovecotLog: string[] = [];
  const openSockets: string[] = [];
  const alice = { user: 'alice@example.com', password: 'secret' };
  const run = await runPostfix({
    mainCf: `${p.given ?? ''}\n${fileText(files, ['main.cf']) ?? ''}`,
    masterCf: p.masterCf,
    chroot: true,
    files: p.table ? [{ path: '/etc/postfix/vmailbox', text: p.table.join('\n'), postmap: true }] : [],
    around: withDovecot(p, fileText(files, ['dovecot']) ?? '', dovecotLog, openSockets),
    probes: [
      { service: 'smtp', ip: '203.0.113.5', from: 'someone@example.net', to: 'bob@example.com' },
      { service: 'submission', ip: '203.0.113.5', auth: alice, from: 'alice@example.com', to: 'someone@gmail.com' },
      { service: 'submission', ip: '203.0.113.5', auth: { ...alice, password: 'wrong' }, from: 'alice@example.com', to: 'someone@gmail.com' },
    ],
  });
  const reasons: string[] = [];
  if (run.postconf.code !== 0) reasons.push(`postconf refuses main.cf: ${run.postconf.messages.join(' | ')}`);
  const [mx, login, wrong] = run.probes;
  if (!mx || /AUTH/.test(mx.firstEhlo)) reasons.push(`port 25: ${mx ? 'offers AUTH' : 'no answer'}`);
  if (!login?.rcpt.startsWith('250')) reasons.push(`submission: alice's login and relay: ${login?.rcpt ?? 'no answer'} (${run.log.filter((l) => /SASL|auth/i.test(l)).slice(0, 2).join(' | ')})`);
  if (!wrong || wrong.rcpt.startsWith('250') || wrong.replies.some((r) => r.startsWith('235'))) reasons.push(`submission: a wrong password is accepted: ${wrong?.rcpt}`);
  for (const socket of openSockets) reasons.push(`every user on the machine may open Dovecot's socket ${socket}`);
  if (reasons.length && dovecotLog.length) reasons.push(`dovecot: ${dovecotLog.slice(0, 2).join(' | ')}`);
  return reasons;
}

export async function judgePostfixLmtp(p: Params, answer: string): Promise<string[]> {
  const files = splitFiles(answer);
  const dovecotLog: string[] = [];
  const openSockets: string[] = [];
  const run = await runPostfix({
    mainCf: `${p.given ?? ''}\n${fileText(files, ['main.cf']) ?? ''}`,
    masterCf: DEBIAN_MASTER,
    chroot: true,
    files: p.table ? [{ path: '/etc/postfix/vmailbox', text: p.table.join('\n'), postmap: true }] : [],
    around: withDovecot(p, fileText(files, ['dovecot']) ?? '', dovecotLog, openSockets),
    probes: [{ service: 'smtp', ip: '203.0.113.5', from: 'someone@example.net', to: 'alice@example.com', data: 'Subject: over LMTP\n\nStored by Dovecot.' }],
    settle: 8,
  });
  const reasons: string[] = [];
  if (run.postconf.code !== 0) reasons.push(`postconf refuses main.cf: ${run.postconf.messages.join(' | ')}`);
  const [probe] = run.probes;
  if (!probe?.rcpt.startsWith('250')) reasons.push(`mail for alice is refused: ${probe?.rcpt ?? 'no answer'}`);
  const inMaildir = run.delivered.filter((f) => f.startsWith('/var/mail/vhosts/example.com/alice/Maildir/new/'));
  const viaLmtp = run.log.some((l) => /relay=.*dovecot-lmtp.*status=sent/.test(l));
  if (inMaildir.length === 0 || !viaLmtp) {
    reasons.push(`alice's message is not in her Maildir through LMTP: ${run.log.filter((l) => /status=/.test(l)).map((l) => l.replace(/^.*?(relay=|status=)/, '$1')).join(' | ') || 'no delivery logged'}; files: ${run.delivered.join(', ') || 'none'}`);
    if (dovecotLog.length) reasons.push(`dovecot: ${dovecotLog.slice(0, 2).join(' | ')}`);
  }
  for (const socket of openSockets) reasons.push(`every user on the machine may open Dovecot's socket ${socket}`);
  return reasons;
}

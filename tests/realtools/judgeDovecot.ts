/**
 * The real Dovecot's verdict on a mail-location answer: doveconf must accept the file, then a
 * Dovecot started on it must find, for every lab user, the message the judge put into that
 * user's Maildir where the lab keeps it (doveadm fetch, as the user). Debian ships Dovecot
 * 2.3, so answers in 2.4 syntax cannot be judged here: the judge says so instead of guessing.
 */
import { chown, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { labMaildirs } from '../../lab-server/src/grading/config/dovecot.js';
import { doveconf, judgeSettings, LAB_USERS, startDovecot } from './dovecot.js';
import { runTool } from './process.js';

const VMAIL = 5000;

/** Whether the machine has a vmail account; the exercise's machine does (uid and gid 5000). */
async function hasVmail(): Promise<boolean> {
  return (await runTool('id', ['-u', 'vmail'])).code === 0;
}

export function isDovecot24(answer: string): boolean {
  return /^\s*dovecot_config_version\s*=\s*["']?2\.4/m.test(answer);
}

function relocate(textOf: string, dir: string): string {
  return textOf.replace(/\/var\/mail(?=[/\s:,]|$)/gm, `${dir}/mail`).replace(/\/etc\/dovecot(?=[/\s,]|$)/gm, `${dir}/etc`);
}

/**
 * The answer with the vmail user and group as this machine's VMAIL, when it has no vmail account:
 * uid=vmail in args, and mail_uid / mail_gid = vmail, quoted too ("vmail" is vmail to Dovecot).
 */
function ownVmail(answer: string): string {
  return answer.replace(/\b([ug]id)=vmail\b/g, `$1=${VMAIL}`).replace(/^(\s*mail_(?:uid|gid)\s*=\s*)(["']?)vmail\2(?=\s|#|$)/gm, `$1${VMAIL}`);
}

export async function judgeMailLocation(p: { base: string; maildir?: string; home?: boolean }, answer: string): Promise<string[] | undefined> {
  if (isDovecot24(answer)) return undefined;
  const vmail = await hasVmail();
  const own = (dir: string): string => {
    let text = relocate(answer, dir);
    if (!vmail) text = ownVmail(text);
    return text;
  };
  const checked = await doveconf(`${judgeSettings('/tmp/unused')}\n${own('/tmp/unused')}\n`);
  if (checked.code !== 0) return [`doveconf refuses it: ${checked.stderr.trim()}`];
  const hasUserdb = /^\s*userdb\b/m.test(answer);
  const instance = await startDovecot((dir) =>
    [
      own(dir),
      judgeSettings(dir),
      'passdb {',
      '  driver = static',
      '  args = nopassword=y',
      '}',
      ...(hasUserdb ? [] : ['userdb {', '  driver = static', `  args = uid=${VMAIL} gid=${VMAIL}`, '}']),
      '',
    ].join('\n'),
  );
  try {
    // The lab's Maildirs, where the lab keeps them, each with one message to find.
    const users = labMaildirs(p.base).map((u) => ({ address: u.address, home: u.dir, maildir: p.maildir ? `${u.dir}/${p.maildir}` : u.dir }));
    for (const { address, maildir: dir } of users) {
      const maildir = relocate(dir, instance.dir);
      // INBOX and a Sent folder, Maildir++ style (.Sent), as Postfix and the lab's clients leave them.
      for (const [folder, subject] of [[maildir, `judge ${address}`], [join(maildir, '.Sent'), `sent ${address}`]] as const) {
        for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(folder, sub), { recursive: true });
        await writeFile(join(folder, 'cur', `1700000000.judge:2,S`), `From: ${address}\r\nSubject: ${subject}\r\n\r\nfound\r\n`);
      }
      for (let d = maildir; d.startsWith(`${instance.dir}/mail/`); d = join(d, '..')) await chown(d, VMAIL, VMAIL);
      await runTool('chown', ['-R', `${VMAIL}:${VMAIL}`, maildir]);
    }
    const reasons: string[] = [];
    // A user whose Maildir does not exist yet: the first message must create one where the lab expects it.
    const newcomer = 'dave@example.com';
    const saved = await instance.doveadm(['save', '-u', newcomer], `From: judge@example.net\r\nSubject: first\r\n\r\nhello\r\n`);
    const fresh = join(relocate(p.base, instance.dir), 'example.com', 'dave', p.maildir ?? '');
    const made = (await readdir(join(fresh, 'new')).catch(() => [])).length + (await readdir(join(fresh, 'cur')).catch(() => [])).length;
    if (made === 0) reasons.push(`a new user's first message is not stored as a Maildir at ${fresh.replace(instance.dir + '/mail', '/var/mail')} (${(saved.stdout + saved.stderr).trim().replace(new RegExp(instance.dir, 'g'), '') || 'no error shown'})`);
    const perUser = await Promise.all(
      users.map(async ({ address, home }) => {
        const found: string[] = [];
        const [user, inbox, sent] = await Promise.all([
          p.home ? instance.doveadm(['user', '-f', 'home', address]) : undefined,
          instance.doveadm(['fetch', '-u', address, 'hdr.subject', 'mailbox', 'INBOX', 'all']),
          instance.doveadm(['fetch', '-u', address, 'hdr.subject', 'mailbox', 'Sent', 'all']),
        ]);
        const got = user?.stdout.trim() ?? '';
        if (user && got.replace(/\/+$/, '') !== relocate(home, instance.dir)) found.push(`Dovecot gives ${address} the home "${got.replace(instance.dir + '/mail', '/var/mail')}", not ${home}`);
        for (const [mailbox, out, subject] of [['INBOX', inbox, `judge ${address}`], ['Sent', sent, `sent ${address}`]] as const) {
          if (!out.stdout.includes(subject)) found.push(`Dovecot does not find ${address}'s message in ${mailbox}: ${(out.stdout + out.stderr).trim().replace(new RegExp(instance.dir, 'g'), '')}`);
        }
        return found;
      }),
    );
    reasons.push(...perUser.flat());
    return reasons;
  } finally {
    await instance.stop();
  }
}

/**
 * The real Dovecot's verdict on passdb/userdb: every lab user must pass `doveadm auth test`
 * with "secret" and fail with another password, and `doveadm user` must give uid and gid 5000
 * and the asked home.
 */
export async function judgeAuthDatabases(p: { usersFile: string; users: string[]; home: string }, answer: string): Promise<string[]> {
  const vmail = await hasVmail();
  const own = (dir: string): string => {
    let textOf = relocate(answer, dir);
    if (!vmail) textOf = ownVmail(textOf);
    return textOf;
  };
  const checked = await doveconf(`${judgeSettings('/tmp/unused')}\n${own('/tmp/unused')}\n`);
  if (checked.code !== 0) return [`doveconf refuses it: ${checked.stderr.trim()}`];
  const instance = await startDovecot((dir) => `${own(dir)}\n${judgeSettings(dir)}\n`, [{ path: relocate(p.usersFile, '.').replace(/^\.\//, ''), text: `${p.users.join('\n')}\n` }]);
  try {
    const perUser = await Promise.all(
      LAB_USERS.map(async (address) => {
        const reasons: string[] = [];
        const [good, bad, user] = await Promise.all([instance.doveadm(['auth', 'test', address, 'secret']), instance.doveadm(['auth', 'test', address, 'not-the-password']), instance.doveadm(['user', address])]);
        if (!/auth succeeded/.test(good.stdout + good.stderr)) reasons.push(`doveadm auth test ${address} secret: ${(good.stdout + good.stderr).trim().split('\n')[0]}`);
        if (/auth succeeded/.test(bad.stdout + bad.stderr)) reasons.push(`doveadm auth test ${address} with a wrong password succeeds`);
        const [local, domain] = address.split('@') as [string, string];
        const fields = new Map(user.stdout.split('\n').map((l) => /^\s*(\S+)\s+(.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m![1]!, m![2]!.trim()]));
        const wantedHome = relocate(p.home.replace('{domain}', domain).replace('{user}', local), instance.dir);
        for (const [field, wanted] of [['uid', String(VMAIL)], ['gid', String(VMAIL)], ['home', wantedHome]] as const) {
          if (fields.get(field) !== wanted) reasons.push(`doveadm user ${address}: ${field} "${(fields.get(field) ?? '').replace(instance.dir, '')}"`);
        }
        return reasons;
      }),
    );
    const reasons = perUser.flat();
    return reasons;
  } finally {
    await instance.stop();
  }
}

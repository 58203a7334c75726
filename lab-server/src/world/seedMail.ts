/**
 * The three messages every mailbox starts with. Each shows something the course teaches:
 * a plain message, a MIME multipart with an attachment, and an RFC 2047 encoded subject
 * with a UTF-8 body whose lines begin with dots (what SMTP and POP3 dot-stuffing is for).
 */
import type { WorldUser } from './definition.js';

export interface SeedMessage {
  internalDate: Date;
  raw: Buffer;
}

const CRLF = '\r\n';

function headerBlock(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join(CRLF);
}

/** RFC 2047 "B" encoded word for a UTF-8 header value. */
export function encodedWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function welcome(user: WorldUser, date: Date, hostName: string): string {
  return (
    headerBlock({
      'Return-Path': '<postmaster@example.com>',
      From: 'MailLab <postmaster@example.com>',
      To: `${user.displayName} <${user.address}>`,
      Subject: 'Welcome to MailLab',
      Date: date.toUTCString().replace('GMT', '+0000'),
      'Message-ID': `<welcome.${user.address.replace('@', '.')}@${hostName}>`,
      'MIME-Version': '1.0',
      'Content-Type': 'text/plain; charset=us-ascii',
    }) +
    CRLF +
    CRLF +
    [
      `Hello ${user.displayName},`,
      '',
      `This is your lab mailbox, ${user.address}. It is a real Maildir on disk:`,
      'every message is one file, and its flags live in the file name.',
      '',
      'Things to try:',
      '  - send a message to a classmate with SMTP (port 587, or 25 from the lab),',
      '  - read it back with POP3 (USER, PASS, LIST, RETR),',
      '  - or look at it with IMAP (LOGIN, SELECT INBOX, FETCH).',
      '',
      'Have fun,',
      'MailLab',
      '',
    ].join(CRLF)
  );
}

function withAttachment(user: WorldUser, date: Date, hostName: string): string {
  const boundary = '=_maillab_boundary_7f3a';
  const attachment = [
    'service,standard port,encryption',
    'SMTP (MX),25,STARTTLS offered',
    'submission,587,STARTTLS then AUTH',
    'submissions,465,implicit TLS',
    'POP3,110,STLS',
    'POP3S,995,implicit TLS',
    'IMAP,143,STARTTLS',
    'IMAPS,993,implicit TLS',
    '',
  ].join(CRLF);
  const base64 = Buffer.from(attachment).toString('base64').replace(/.{76}/g, `$&${CRLF}`);
  return (
    headerBlock({
      'Return-Path': '<bob@example.com>',
      From: 'Bob <bob@example.com>',
      To: `${user.displayName} <${user.address}>`,
      Subject: 'The port table, as a file',
      Date: date.toUTCString().replace('GMT', '+0000'),
      'Message-ID': `<ports.${user.address.replace('@', '.')}@${hostName}>`,
      'MIME-Version': '1.0',
      'Content-Type': `multipart/mixed; boundary="${boundary}"`,
    }) +
    CRLF +
    CRLF +
    [
      'This is a multi-part message in MIME format.',
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=us-ascii',
      'Content-Transfer-Encoding: 7bit',
      '',
      'Hi, the table of mail ports is attached as ports.csv.',
      'Look at this message with FETCH 2 BODYSTRUCTURE to see its two parts.',
      '',
      `--${boundary}`,
      'Content-Type: text/csv; charset=us-ascii; name="ports.csv"',
      'Content-Disposition: attachment; filename="ports.csv"',
      'Content-Transfer-Encoding: base64',
      '',
      base64.trimEnd(),
      '',
      `--${boundary}--`,
      '',
    ].join(CRLF)
  );
}

function utf8WithDots(user: WorldUser, date: Date, hostName: string): string {
  return (
    headerBlock({
      'Return-Path': '<carol@otherdomain.com>',
      From: `${encodedWord('卡罗尔')} <carol@otherdomain.com>`,
      To: `${user.displayName} <${user.address}>`,
      Subject: encodedWord('邮件系统实验：以点开头的行'),
      Date: date.toUTCString().replace('GMT', '+0000'),
      'Message-ID': `<dots.${user.address.replace('@', '.')}@${hostName}>`,
      'MIME-Version': '1.0',
      'Content-Type': 'text/plain; charset=UTF-8',
      'Content-Transfer-Encoding': '8bit',
    }) +
    CRLF +
    CRLF +
    [
      '你好！这封邮件的主题按 RFC 2047 编码，正文是 UTF-8。',
      'Hello! The subject is RFC 2047 encoded and this body is UTF-8.',
      '',
      '下面几行以点开头。在 SMTP 的 DATA 和 POP3 的 RETR 中，',
      '它们会被多加一个点传输（dot-stuffing），收到后再去掉：',
      'The lines below begin with a dot. SMTP and POP3 send them with one',
      'extra dot (dot-stuffing) and the receiver takes it off again:',
      '.hidden',
      '..two dots',
      '.',
      '. a dot and a space',
      '',
      '—— 卡罗尔 / Carol',
      '',
    ].join(CRLF)
  );
}

/** The seed messages for one user, oldest first. */
export function seedMessages(user: WorldUser, hostName: string): SeedMessage[] {
  const dates = [new Date('2026-09-01T08:00:00Z'), new Date('2026-09-02T09:30:00Z'), new Date('2026-09-03T10:15:00Z')];
  const builders = [welcome, withAttachment, utf8WithDots];
  return builders.map((build, i) => ({
    internalDate: dates[i]!,
    raw: Buffer.from(build(user, dates[i]!, hostName), 'utf8'),
  }));
}

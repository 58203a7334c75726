/**
 * Each cached MIME answer's stamp (imap/mime/cacheFields.ts) against what the parser answers:
 * the ENVELOPE and the BODYSTRUCTURE/BODY of a corpus that holds what every stamp so far was
 * raised for, digested, beside the stamp that stands for that answer. A parser change that alters
 * an answer without raising its stamp would serve the old answer from every folder's cache; a
 * stamp raised without its answer changing throws every cached record of that field away (one
 * stamp for all three did so to every ENVELOPE for two BODYSTRUCTURE fixes, review 14 on 6727a3c).
 * When this fails: raise the stamp of the field whose answer changed, by one, and write both new
 * figures below (the failure prints them). It sees only what its corpus holds: a parser fix adds
 * the message it fixes to CORPUS, under its stamp's line, so the next one is measured too.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ENVELOPE_STAMP, FIELD_STAMPS, STRUCTURE_STAMP } from '../../lab-server/src/imap/mime/cacheFields.js';
import { describeMessage, envelopeOfHeader, storedHeaderEnd } from '../../lab-server/src/imap/mime/jobs.js';
import { INLINE_LIMITS, MIME_LIMITS } from '../../lab-server/src/imap/mime/limits.js';

const RECORDED = {
  envelope: { stamp: 18, digest: '87d48c813968e9fb' },
  structure: { stamp: 20, digest: '8a945e4fbf263b95' },
};

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const CORPUS: string[] = [
  // 14: display names and subjects as Dovecot writes them; dotted local parts.
  'From: A. B. Smith <a@b.example>\nTo: John Q. Public <jqp@example.com>, a . b@example.com, "x\\"y" <q@example.com>\nCc: undisclosed-recipients:;\nSubject:  two  blanks\tand a tab\nDate: Tue, 1 Dec 2026 10:00:00 +0800\nMessage-ID: <1@example.com>\nIn-Reply-To: <0@example.com>\nReply-To: Team: a@example.com, b@example.com;\n\nbody\n',
  'From: =?UTF-8?B?' + b64('张三') + '?= <zhang@example.cn>\nSender: first.last@example.com\nTo: "Dr. Who" <who@example.com>\nSubject: =?UTF-8?Q?caf=C3=A9?= =?ISO-8859-1?Q?_na=EFve?=\nBcc: <@route.example:x@example.com>\n\nbody\n',
  'Subject: no from at all\nFrom: \nTo: ,,\n\n',
  // 15: RFC 2231 parameters, a text part's default charset.
  'MIME-Version: 1.0\nFrom: a@example.com\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nhello\n--XX\nContent-Type: application/octet-stream; name*1*=%20two.txt; name*0*=utf-8\'\'part%20one\nContent-Disposition: attachment; filename*=utf-8\'en\'%E4%BD%A0.txt; size=5\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n--XX\nContent-Type: message/rfc822\n\nFrom: b@example.com\nSubject: inner\n\ninner body\n--XX--\n',
  'MIME-Version: 1.0\nContent-Type: text/html; charset="us-ascii"; format=flowed\nContent-Language: en, zh-CN\nContent-Location: http://example.com/x\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n\n<p>hi</p>\n',
  // 16: a message with neither MIME-Version nor Content-Type, alone and forwarded.
  'From: a@example.com\nSubject: x\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=x\nContent-ID: <c@example.com>\n\naGVsbG8=\n',
  'MIME-Version: 1.0\nContent-Type: message/rfc822\n\nFrom: b@example.com\nContent-Transfer-Encoding: quoted-printable\n\ninner =3D body\n',
  // 17: type, subtype, parameter names and disposition in the case they are written in.
  'MIME-Version: 1.0\nContent-Type: Multipart/MIXED; BOUNDARY=b\n\n--b\nContent-Type: Text/Html; Charset=UTF-8; NAME*0=a; name*1=b\nContent-Disposition: INLINE; FILENAME=a.html\n\n<p>hi</p>\n--b\nContent-Type: Message/RFC822; X=y\n\nSubject: in\n\nx\n--b--\n',
  // 18: Content-Types Dovecot cannot read, shown as it shows them.
  'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: TEXT\n\nx\n--b\nContent-Type: text/plain x; charset=utf-8\n\ny\n--b\nContent-Type: foo\n\nz\n--b--\n',
  // 19: nor read as a multipart.
  'MIME-Version: 1.0\nContent-Type: multipart/mixed x; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>a</p>\n--b--\n',
  // 20: a whole plain 7-bit message in Dovecot's lower case; a single Content-Language a list.
  'MIME-Version: 1.0\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\n\nhi\n',
  'MIME-Version: 1.0\nContent-Type: Text/Html\nContent-Language: EN\n\n<p>hi</p>\n',
  // Envelope 17: blanks at the end of a subject, date, Message-ID and In-Reply-To kept, as Dovecot keeps them.
  'Subject: trail \nDate: Tue, 1 Dec 2026 10:00:00 +0800  \nMessage-ID: <2@example.com> \nIn-Reply-To: <1@example.com>\t\nFrom: a@example.com \n\nbody\n',
  // Envelope 18: past four quotes and backslashes a literal, a string past 1,024 bytes quoted, as Dovecot writes them.
  `Message-ID: <a"b"c"d"e"f@example.com>\nIn-Reply-To: <${'y'.repeat(1100)}@example.com>\nFrom: x <${'l'.repeat(1100)}@example.com>\n\nbody\n`,
  // Odd structures.
  'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="a b"\n\npreamble\n--a b\n\nno header part\n--a b\nContent-Type: multipart/related; boundary=in\n\n--in\nContent-Type: image/png\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n`\nend\n--in--\n--a b--\nepilogue\n',
  'Content-Type: TEXT/Plain; CHARSET=ISO-8859-1\nMIME-Version: 1.0\nContent-Description: =?UTF-8?Q?d=C3=A9j=C3=A0?=\n\n\xe9t\xe9\n',
];

const digest = (answers: string[]): string => createHash('sha256').update(answers.join('\0')).digest('hex').slice(0, 16);
const latin1 = (b: Buffer | string | Uint8Array): string => (typeof b === 'string' ? b : Buffer.from(b).toString('latin1'));

describe('the cache stamps of the MIME answers', () => {
  it('change exactly when the answers they stand for change', () => {
    const described = CORPUS.map((m) => describeMessage(Buffer.from(m, 'latin1'), MIME_LIMITS).summary);
    // The quick path (header only) makes cached ENVELOPEs too: it answers in the same stamp.
    const quick = CORPUS.map((m) => {
      const end = storedHeaderEnd(m);
      return envelopeOfHeader(end === -1 ? m : m.slice(0, end), INLINE_LIMITS) ?? '';
    });
    const now = {
      envelope: { stamp: ENVELOPE_STAMP, digest: digest([...described.map((s) => latin1(s.envelope)), ...quick]) },
      structure: { stamp: STRUCTURE_STAMP, digest: digest(described.flatMap((s) => [latin1(s.bodyStructure), latin1(s.body)])) },
    };
    expect(now).toEqual(RECORDED);
  });

  it('name each field by its own stamp, BODY and BODYSTRUCTURE by one', () => {
    expect(FIELD_STAMPS).toEqual({ envelope: ENVELOPE_STAMP, bodystructure: STRUCTURE_STAMP, body: STRUCTURE_STAMP });
  });
});

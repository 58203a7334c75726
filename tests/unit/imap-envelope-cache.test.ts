/**
 * The quick ENVELOPE (issue 15): worked out from the header alone, kept in the folder's field
 * cache, read back after a restart. Each must equal what a full parse of the message gives,
 * for messages real and broken: encoded words, groups, comments, quoted names with commas,
 * folded and 8-bit headers, CRLF files, no body, a blank first line, headers over the limit.
 */
import fc from 'fast-check';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAddressList, parseAnyAddressList } from '../../lab-server/src/imap/mime/addresses.js';
import { cachedEnvelope, messageEnvelope, messageSummary, rememberEnvelope } from '../../lab-server/src/imap/mime/cache.js';
import { describeMessage, envelopeOfHeader, storedHeaderEnd } from '../../lab-server/src/imap/mime/jobs.js';
import { quickEnvelope } from '../../lab-server/src/imap/mime/envelopeFiles.js';
import { INLINE_LIMITS, MIME_LIMITS } from '../../lab-server/src/imap/mime/limits.js';
import { CACHE_FILE } from '../../lab-server/src/maildir/fieldCache.js';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import { toStored } from '../../lab-server/src/maildir/wire.js';
import { ENVELOPE_FIELD } from '../../lab-server/src/imap/mime/cacheFields.js';

const manyFields = Array.from({ length: 400 }, (_, i) => `X-Filler-${i}: ${i}\n`).join('');

/** Stored messages (as the Maildir keeps them), each with something a parser can get wrong. */
const MESSAGES: Record<string, string> = {
  plain: 'From: "Sender 5" <sender5@example.com>\nTo: Alice <alice@example.com>\nCc: bob@example.com\nSubject: Hello\nDate: Tue, 1 Sep 2026 10:00:00 +0000\nMessage-ID: <a@example.com>\n\nbody\n',
  crlfFile: 'From: a@example.com\r\nSubject: CRLF kept in the file\r\n\r\nbody\r\n',
  encodedWords: 'From: =?UTF-8?B?5Y2h572X5bCU?= <carol@example.com>\nSubject: =?ISO-8859-1?Q?caf=E9_=3D_?= =?UTF-8?Q?na=C3=AFve?=\nTo: =?utf-8?q?J=2E_R=2E?= <jr@example.com>\n\nx\n',
  groupsAndComments: 'From: Alice (work) <alice@example.com>\nTo: undisclosed-recipients:;\nCc: Team: a@example.com, "B, the second" <b@example.com>;, c@example.com (C)\nBcc: <@route.example:d@example.com>\nReply-To: "Doe, John" <john@example.com>\nSender: J. R. Smith <jrs@example.com>\n\nx\n',
  quotedAndEscaped: 'From: "A \\"quoted\\" name" <a@example.com>\nTo: "first.last"@example.com, "x y"@example.com, tab\tseparated <t@example.com>\n\nx\n',
  broken: 'From: broken\nTo: <no-at-sign>, @only.domain, "unclosed <u@example.com>\nSubject\nnot a field at all\nCc: ,,, \nIn-Reply-To: <parent@example.com>\n\nbody\n',
  folded: 'From: Alice\n  Long Name <alice@example.com>\nSubject: one\n\ttwo\n   three\nTo: a@example.com,\n b@example.com\n\nx\n',
  eightBit: 'From: J\xf6rg <joerg@example.com>\nSubject: gr\xfc\xdfe\n\nx\n',
  noBody: 'From: a@example.com\nSubject: only a header\n',
  blankFirst: '\nFrom: not-a-header@example.com\n\nbody\n',
  noHeaders: 'just some text\nwithout a header\n',
  tooManyFields: `From: a@example.com\n${manyFields}Subject: after the filler\n\nx\n`,
  multipart: 'From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b--\n',
  // A stray ')' once sent the address and Content-Type readers round forever.
  strayParenthesis: 'From: ) a@example.com )\nTo: )\nContent-Type: text/plain; )\n\nx\n',
  longSubject: `From: a@example.com\nSubject: ${'x'.repeat(1100)}\n\nx\n`,
};

const stored = (text: string): Buffer => toStored(Buffer.from(text, 'latin1'));
/** An ENVELOPE kept as bytes or as a byte string, as text. */
const text = (envelope: Buffer | string | undefined): string | undefined => (typeof envelope === 'string' ? envelope : envelope?.toString('latin1'));
const fullEnvelope = (message: Buffer): string => Buffer.from(describeMessage(message, MIME_LIMITS).summary.envelope).toString('latin1');

describe('the ENVELOPE from the header alone', () => {
  for (const [name, text] of Object.entries(MESSAGES)) {
    it(`equals a full parse's: ${name}`, () => {
      const message = stored(text);
      const start = message.toString('latin1');
      const end = storedHeaderEnd(start);
      const quick = envelopeOfHeader(end === -1 ? start : start.slice(0, end), INLINE_LIMITS);
      if (name === 'tooManyFields') {
        // Past the quick limits it declines, and the whole message goes to a worker instead.
        expect(quick).toBeUndefined();
        return;
      }
      expect(quick).toBe(fullEnvelope(message));
    });
  }

  it("equals a full parse's for any header made of fields, broken lines and foldings", () => {
    const name = fc.constantFrom('From', 'from', 'FROM', 'To', 'cc', 'Bcc', 'Sender', 'Reply-To', 'reply-to', 'Subject', 'Date', 'Message-ID', 'In-Reply-To', 'X-Other', 'Received', 'From-X', 'XFrom', 'To\x01', '');
    const colon = fc.constantFrom(':', ' :', '\t:', ' x:', '', ': ');
    const text = fc.array(fc.constantFrom('a@example.com', '"Q, R" <q@r.example>', 'Name <n@x>', 'G: a@b, c@d;', '(c)', ' ', '\t', ',', '\r', '\xe9', '"', '\\', 'word', ':', '\rTo: r@x'), { maxLength: 6 }).map((p) => p.join(''));
    const fold = fc.constantFrom('', '\n ', '\n\t', '\r\n ', '\n  more');
    const line = fc.tuple(fc.constantFrom('', ' ', '\t'), name, colon, text, fold, text, fc.constantFrom('\n', '\r\n')).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('\nbody\n', '\r\nbody\n', ''), (lines, body) => {
        const message = stored(lines.join('') + body);
        const quick = quickEnvelope(message.toString('latin1'), true, INLINE_LIMITS);
        expect(quick).toBe(fullEnvelope(message));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds where the header ends whatever the line ends', () => {
    expect(storedHeaderEnd('A: 1\nB: 2\n\nbody')).toBe(10);
    expect(storedHeaderEnd('A: 1\r\nB: 2\r\n\r\nbody')).toBe(12);
    expect(storedHeaderEnd('\nbody')).toBe(0);
    expect(storedHeaderEnd('A: 1\nB: 2\n')).toBe(-1);
    // The first blank line counts, whichever its line end, and a CRLF one inside a line does not end it.
    expect(storedHeaderEnd('A: 1\nB: 2\r\n\r\nC\n\nbody')).toBe(11);
    expect(storedHeaderEnd('A: 1\nB: 2\n\nC\r\n\r\nbody')).toBe(10);
    expect(storedHeaderEnd('\r\nbody')).toBe(0);
    expect(storedHeaderEnd('A: 1\rB\r\n')).toBe(-1);
  });
});

describe('address lists', () => {
  it('read the common forms by the shortcut exactly as token by token', () => {
    const atom = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]{1,6}$/);
    const piece = fc.oneof(atom, fc.constantFrom(' ', '\t', '.', '@', '<', '>', ',', '"', '(', ')', ':', ';', '\\', '[', ']', 'é'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        const text = pieces.join('');
        expect(parseAddressList(text)).toEqual(parseAnyAddressList(text));
      }),
      { numRuns: 3000 },
    );
    for (const text of Object.values(MESSAGES).flatMap((m) => [...m.matchAll(/^(?:From|To|Cc|Bcc|Reply-To|Sender): (.*)$/gm)].map((x) => x[1]!))) {
      expect(parseAddressList(text)).toEqual(parseAnyAddressList(text));
    }
  });
});

describe('the ENVELOPE in the folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maillab-envelope-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('is kept at delivery, from the message in memory, equal to a parse of the file', async () => {
    const box = new Mailbox('alice@example.com', join(dir, 'alice'));
    await box.create();
    for (const text of Object.values(MESSAGES)) {
      // As SMTP hands it over: CRLF line ends.
      const wire = Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
      rememberEnvelope(box.inbox, await box.inbox.deliver(wire), wire);
    }
    await box.inbox.fields.ready();
    const infos = await box.inbox.sync();
    const kept = infos.filter((info) => box.inbox.fields.peek(info.base, ENVELOPE_FIELD));
    // Every message but the one whose header is past the quick limits.
    expect(kept.length).toBe(infos.length - 1);
    for (const info of kept) expect(box.inbox.fields.peek(info.base, ENVELOPE_FIELD)).toBe(fullEnvelope((await box.inbox.read(info.uid))!));
  });

  it('is read from the field cache after a restart, and worked out again when the cache is damaged', async () => {
    const path = join(dir, 'alice');
    const box = new Mailbox('alice@example.com', path);
    await box.create();
    for (const text of Object.values(MESSAGES)) await box.inbox.deliver(Buffer.from(text, 'latin1'));
    const expected = new Map<string, string>();
    for (const info of await box.inbox.sync()) {
      const envelope = await messageEnvelope(box.inbox, info);
      expect(text(envelope)).toBe(fullEnvelope((await box.inbox.read(info.uid))!));
      expected.set(info.base, text(envelope)!);
    }
    await box.flush();
    // Copies stand for a restarted process: nothing of them is in this process's memory yet.
    const restarted = join(dir, 'restarted');
    const damaged = join(dir, 'damaged');
    await cp(path, restarted, { recursive: true });
    await cp(path, damaged, { recursive: true });

    // Every ENVELOPE comes from the cache file, with no message read.
    const again = new Mailbox('alice@example.com', restarted);
    const infos = await again.inbox.sync();
    await again.inbox.fields.ready();
    expect(infos.length).toBe(Object.keys(MESSAGES).length);
    for (const info of infos) {
      expect(again.inbox.fields.peek(info.base, ENVELOPE_FIELD)).toBe(expected.get(info.base));
      expect(text(cachedEnvelope(again.inbox, info))).toBe(expected.get(info.base));
    }

    // Damaged (garbage where the records were): each ENVELOPE is worked out again, the same.
    await writeFile(join(damaged, CACHE_FILE), 'garbage without a length\n(((');
    const third = new Mailbox('alice@example.com', damaged);
    for (const info of await third.inbox.sync()) {
      await third.inbox.fields.ready();
      expect(cachedEnvelope(third.inbox, info)).toBeUndefined();
      expect(text(await messageEnvelope(third.inbox, info))).toBe(expected.get(info.base));
      // The full summary agrees with the quick ENVELOPE.
      expect((await messageSummary(third.inbox, info))?.envelope.toString('latin1')).toBe(expected.get(info.base));
    }
  });
});

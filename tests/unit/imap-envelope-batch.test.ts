/**
 * A first FETCH ENVELOPE over many messages (issue 15): the headers read a chunk at a time, by
 * the file reader thread from the end and here from the front. Every ENVELOPE must equal what a
 * full parse of the message gives, for tricky headers and for messages renamed or expunged
 * after the batch was planned (the reader then finds the old name gone).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvelopeBatch } from '../../lab-server/src/imap/mime/envelopeBatch.js';
import { HEADER_READ } from '../../lab-server/src/imap/mime/envelopeFiles.js';
import { describeMessage, storedHeaderEnd } from '../../lab-server/src/imap/mime/jobs.js';
import { MIME_LIMITS } from '../../lab-server/src/imap/mime/limits.js';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import type { MessageInfo } from '../../lab-server/src/maildir/folder.js';
import { readFileStarts, type ChunkReading } from '../../lab-server/src/workers/fileStarts.js';

const filler = (n: number): string => Array.from({ length: n }, (_, i) => `X-Filler-${i}: ${i}\n`).join('');

/** Headers a quick reader can get wrong, each stored as the Maildir keeps it. */
const TRICKY: string[] = [
  'From: "Sender 5" <sender5@example.com>\nTo: Alice <alice@example.com>\nCc: bob@example.com\nSubject: Hello\nDate: Tue, 1 Sep 2026 10:00:00 +0000\nMessage-ID: <a@example.com>\n\nbody\n',
  'From: a@example.com\r\nSubject: CRLF kept in the file\r\n\r\nbody\r\n',
  'From: =?UTF-8?B?5Y2h572X5bCU?= <carol@example.com>\nSubject: =?ISO-8859-1?Q?caf=E9?=\n\nx\n',
  'From: Alice (work) <alice@example.com>\nTo: undisclosed-recipients:;\nCc: Team: a@example.com, "B, the second" <b@example.com>;\nReply-To: "Doe, John" <john@example.com>\n\nx\n',
  'From: "A \\"quoted\\" name" <a@example.com>\nSubject: a \\ backslash and "quotes"\n\nx\n',
  'From: broken\nTo: <no-at-sign>, @only.domain\nSubject\nnot a field at all\nCc: ,,, \n\nbody\n',
  'From: Alice\n  Long Name <alice@example.com>\nSubject: one\n\ttwo\nTo: a@example.com,\n b@example.com\n\nx\n',
  'From : spaced@example.com\nSUBJECT:\tupper case name\nto: lower@example.com\n\nx\n',
  'From: J\xf6rg <joerg@example.com>\nSubject: gr\xfc\xdfe\n\nx\n',
  'From: a@example.com\nSubject: only a header, no blank line\n',
  '\nFrom: not-a-header@example.com\n\nbody\n',
  'From: a@example.com\nSubject: a blank line\n\n\nwith another after it\n',
  `From: a@example.com\nSubject: ${'x'.repeat(1100)}\n\nx\n`,
  // Past the quick limits (300 fields), past the reader's 8 KB, past the first read: the careful way.
  `From: many@example.com\n${filler(400)}Subject: after the filler\n\nx\n`,
  `From: long@example.com\nX-Long: ${'y'.repeat(9000)}\nSubject: a 9 KB header\n\nx\n`,
  `From: huge@example.com\nX-Huge: ${'z'.repeat(HEADER_READ + 100)}\nSubject: past the first read\n\nx\n`,
];

const fullEnvelope = (stored: Buffer): string => Buffer.from(describeMessage(stored, MIME_LIMITS).summary.envelope).toString('latin1');
const asText = (envelope: Buffer | string | undefined): string | undefined => (typeof envelope === 'string' ? envelope : envelope?.toString('latin1'));

describe('ENVELOPEs of a big batch', () => {
  let dir: string;
  let box: Mailbox;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maillab-batch-'));
    box = new Mailbox('alice@example.com', join(dir, 'alice'));
    await box.create();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  /** Delivers `count` messages, the tricky ones over and over, each with its own Message-ID. */
  async function deliver(count: number): Promise<readonly MessageInfo[]> {
    for (let i = 0; i < count; i++) await box.inbox.deliver(Buffer.from(`Message-ID: <m${i}@example.com>\n${TRICKY[i % TRICKY.length]}`, 'latin1'));
    await box.inbox.fields.ready();
    return box.inbox.sync();
  }

  async function envelopesOf(batch: EnvelopeBatch, infos: readonly MessageInfo[]): Promise<Array<string | undefined>> {
    const out: Array<string | undefined> = [];
    for (const info of infos) out.push(asText(await batch.envelope(info)));
    return out;
  }

  for (const count of [600, 100]) {
    it(`equal a full parse of each message (${count}: ${count > 256 ? 'from the reader and from here' : 'all read here'})`, async () => {
      const infos = await deliver(count);
      const expected = await Promise.all(infos.map(async (info) => fullEnvelope((await box.inbox.read(info.uid))!)));
      const batch = new EnvelopeBatch(box.inbox, infos);
      expect(await envelopesOf(batch, infos)).toEqual(expected);
      // And they are kept: the field cache has every one, equal.
      for (const [i, info] of infos.entries()) expect(box.inbox.fields.peek(info.base, 'envelope')).toBe(expected[i]);
    });
  }

  it('asked for out of order (the last first, then from the start, one twice, one not in the batch): each its own', async () => {
    const infos = await deliver(300);
    const expected = await Promise.all(infos.map(async (info) => fullEnvelope((await box.inbox.read(info.uid))!)));
    const batch = new EnvelopeBatch(box.inbox, infos.slice(0, 299));
    const order = [infos[298]!, ...infos.slice(0, 150), infos[10]!, infos[299]!, ...infos.slice(150, 299)];
    const got = await envelopesOf(batch, order);
    for (const [i, info] of order.entries()) expect(got[i]).toBe(expected[infos.indexOf(info)]);
  });

  it('of messages renamed or expunged after the batch was planned: the renamed as before, the expunged undefined', async () => {
    const infos = await deliver(600);
    const expected = await Promise.all(infos.map(async (info) => fullEnvelope((await box.inbox.read(info.uid))!)));
    const batch = new EnvelopeBatch(box.inbox, infos);
    // Every other message changes its name (new flags), every tenth goes, while the reader may be reading.
    await box.inbox.storeFlags(infos.filter((_, i) => i % 2 === 0).map((info) => ({ uid: info.uid, flags: 'FS' })));
    const gone = new Set(await box.inbox.expunge(infos.filter((_, i) => i % 10 === 5).map((info) => info.uid)));
    expect(gone.size).toBe(60);
    const got = await envelopesOf(batch, infos);
    for (const [i, info] of infos.entries()) {
      if (gone.has(info.uid)) expect([undefined, expected[i]]).toContain(got[i]);
      else expect(got[i]).toBe(expected[i]);
    }
  });
});

describe('the file reader thread', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maillab-starts-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  /** Waits until the reader is done with a request. */
  async function finished(reading: ChunkReading): Promise<void> {
    for (let i = 0; i < 500 && !reading.done; i++) await new Promise((r) => setTimeout(r, 10));
    expect(reading.done).toBe(true);
  }

  it('reads each file up to its blank line, from the last chunk down, and leaves out what it cannot read', async () => {
    const box = new Mailbox('alice@example.com', join(dir, 'alice'));
    await box.create();
    for (const text of TRICKY) await box.inbox.deliver(Buffer.from(text, 'latin1'));
    const infos = await box.inbox.sync();
    const paths = infos.map((info) => box.inbox.stored(info.uid)!.path);
    const chunks = [paths.slice(0, 8), [...paths.slice(8), join(dir, 'no-such-file')]];
    const reading = readFileStarts(chunks, HEADER_READ);
    await finished(reading);
    for (const [c, chunk] of chunks.entries()) {
      const starts = reading.take(c)!;
      expect(starts).toBeDefined();
      let at = 0;
      for (const [i, path] of chunk.entries()) {
        const size = starts.sizes[2 * i]!;
        const file = await readFile(path).catch(() => undefined);
        const end = file ? storedHeaderEnd(file.toString('latin1', 0, HEADER_READ)) : -1;
        if (!file || (end === -1 && file.length > 8 * 1024) || end > 8 * 1024) {
          // Missing, or longer than the reader keeps: left to the caller.
          expect(size).toBe(-1);
          continue;
        }
        const got = Buffer.from(starts.data.buffer, starts.data.byteOffset + at, size);
        // Up to the blank line (and through it), or all of a file without one.
        expect(storedHeaderEnd(got.toString('latin1'))).toBe(end);
        expect(file.subarray(0, size).equals(got)).toBe(true);
        expect(starts.sizes[2 * i + 1]).toBe(file.length < HEADER_READ ? 1 : 0);
        at += size;
      }
    }
  });
});

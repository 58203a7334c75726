/**
 * A first FETCH ENVELOPE over many messages (issue 15): the headers read and parsed a chunk at a
 * time, by the envelope reader thread ahead of the responses or here. Every ENVELOPE must equal what a
 * full parse of the message gives, for tricky headers and for messages renamed or expunged
 * after the batch was planned (the reader then finds the old name gone).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EnvelopeBatch, prepareEnvelopeReader } from '../../lab-server/src/imap/mime/envelopeBatch.js';
import { HEADER_READ } from '../../lab-server/src/imap/mime/envelopeFiles.js';
import { describeMessage } from '../../lab-server/src/imap/mime/jobs.js';
import { MIME_LIMITS } from '../../lab-server/src/imap/mime/limits.js';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import type { MessageInfo } from '../../lab-server/src/maildir/folder.js';
import { ENVELOPE_FIELD } from '../../lab-server/src/imap/mime/cacheFields.js';

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

/** How many chunks the reader thread answered for a batch. */
const fromThread = (batch: EnvelopeBatch): number => (batch as unknown as { reader?: { answers: number } }).reader?.answers ?? 0;

describe('ENVELOPEs of a big batch', () => {
  let dir: string;
  beforeAll(async () => {
    // The thread's code is bundled once per process: ready before the first batch, as in the lab.
    expect(await prepareEnvelopeReader()).toBe(true);
  });
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
      if (count > 256) expect(fromThread(batch)).toBeGreaterThan(0);
      // And they are kept: the field cache has every one, equal.
      for (const [i, info] of infos.entries()) expect(box.inbox.fields.peek(info.base, ENVELOPE_FIELD)).toBe(expected[i]);
    }, 120_000);
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

/**
 * A big message on its way from SMTP DATA into the Maildir, without a long turn of the event
 * loop: its chunks are copied into one growing block of shared memory as they come (a worker
 * checking DKIM shares that block, nothing is copied to it), and its stored form (LF line ends)
 * is made from its parts a slice per turn. A 9 MB message once held the loop 105-130 ms
 * (tests/integration/quota.test.ts).
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { toStored, toStoredInTurns, wireSize } from '../../lab-server/src/maildir/wire.js';
import { ArrivingMessage } from '../../lab-server/src/smtp/arrivingMessage.js';

/** Whether a callback queued with setImmediate before `work` ran before `work` finished. */
async function servedMeanwhile(work: () => Promise<unknown>): Promise<boolean> {
  let served = false;
  setImmediate(() => (served = true));
  await work();
  return served;
}

/** A message as smtplib sends the quota test's: 9 MB of 78-byte CRLF lines. */
const nineMegabytes = (): Buffer => Buffer.from(`Subject: big\r\n\r\n${`${'y'.repeat(76)}\r\n`.repeat((9 * 1024 * 1024) / 78)}`, 'latin1');

describe('the stored form of a message in parts', () => {
  it('is toStored and wireSize of the joined parts, wherever the parts are cut (a CRLF split between two, lone CRs, bare LFs)', async () => {
    const alphabet = [0x0a, 0x0d, 0x61, 0xff, 0x00, 0x2e];
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 2000; round++) {
      const whole = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]!));
      const parts: Buffer[] = [];
      for (let at = 0; at < whole.length; ) {
        const cut = Math.min(whole.length, at + Math.floor(random() * 6));
        parts.push(whole.subarray(at, cut));
        at = cut;
      }
      const { stored, wireSize: size } = await toStoredInTurns(parts);
      const expected = toStored(whole);
      expect(stored.equals(expected), JSON.stringify(parts.map((p) => p.toString('latin1')))).toBe(true);
      expect(size, JSON.stringify(whole.toString('latin1'))).toBe(wireSize(expected));
    }
  });

  it('of 9 MB is made in turns of the event loop, and is right', async () => {
    const message = nineMegabytes();
    const header = Buffer.from('Received: from outside\r\n');
    let result: { stored: Buffer; wireSize: number } | undefined;
    expect(await servedMeanwhile(async () => (result = await toStoredInTurns([header, message])))).toBe(true);
    const expected = toStored(Buffer.concat([header, message]));
    expect(result!.stored.equals(expected)).toBe(true);
    expect(result!.wireSize).toBe(header.length + message.length);
  });
});

describe('a message arriving in chunks', () => {
  it('is the chunks joined, and refuses a chunk past its limit', () => {
    const arriving = new ArrivingMessage(10);
    expect(arriving.append(Buffer.from('abcd'))).toBe(true);
    expect(arriving.append(Buffer.from('efgh'))).toBe(true);
    expect(arriving.append(Buffer.from('ijk'))).toBe(false);
    expect(arriving.append(Buffer.from('ij'))).toBe(true);
    expect(arriving.bytes().toString()).toBe('abcdefghij');
    expect(new ArrivingMessage(10).bytes()).toHaveLength(0);
  });

  it('is whole when it grows past the size kept as chunks into the shared block, and past the block\'s first growth', () => {
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 7) & 0xff));
    const arriving = new ArrivingMessage(4 * 1024 * 1024);
    for (let at = 0; at < bytes.length; at += 100_003) expect(arriving.append(bytes.subarray(at, at + 100_003))).toBe(true);
    const joined = arriving.bytes();
    expect(joined.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(joined.equals(bytes)).toBe(true);
    expect(arriving.append(Buffer.alloc(1024 * 1024))).toBe(false);
  });

  it('of 9 MB in 64 KB chunks is whole, and a worker thread is given the same memory, not a copy', async () => {
    const message = nineMegabytes();
    const arriving = new ArrivingMessage(10 * 1024 * 1024);
    for (let at = 0; at < message.length; at += 65536) expect(arriving.append(message.subarray(at, at + 65536))).toBe(true);
    const bytes = arriving.bytes();
    expect(bytes.equals(message)).toBe(true);
    // The worker writes into what it was given; a copy would leave the message as it was.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.once('message', (bytes) => { bytes[0] = 0x73; parentPort.postMessage('written'); });`,
      { eval: true },
    );
    try {
      worker.postMessage(bytes);
      await new Promise((resolve) => worker.once('message', resolve));
      expect(bytes.subarray(0, 12).toString()).toBe('subject: big');
    } finally {
      await worker.terminate();
    }
  });
});

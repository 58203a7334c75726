/**
 * A stored message read the way graders need it (subject, From: addresses, Message-ID, text),
 * with mailparser. mailparser has no limit on MIME parts and works synchronously through what
 * it is given, so anything but a small message is read on a worker thread (workers/pool.ts),
 * where a hostile one costs its sandbox's turn and nobody else's.
 */
import { simpleParser } from 'mailparser';
import { asBuffer } from '../../workers/bytes.js';
import { mailWorkers } from '../../workers/pool.js';

export interface ReadMail {
  subject: string;
  /** From: addresses, lower-case. */
  from: string[];
  messageId?: string;
  text: string;
}

/** Read here when this small: a few lines of a few kilobytes parse in well under a millisecond. */
const INLINE_BYTES = 16 * 1024;
const INLINE_LINES = 400;
/** A message mailparser cannot read in this time is graded as if unreadable. */
const TIMEOUT_MS = 10_000;
const JOBS = new URL('./readMail.ts', import.meta.url).href;

/** Job: parses one message. */
export async function readMailJob(raw: Uint8Array): Promise<ReadMail> {
  const bytes = asBuffer(raw);
  const parsed = await simpleParser(bytes, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const from = (Array.isArray(parsed.from) ? parsed.from : parsed.from ? [parsed.from] : []).flatMap((a) => a.value.map((v: { address?: string }) => (v.address ?? '').toLowerCase()));
  return { subject: parsed.subject ?? '', from, ...(parsed.messageId ? { messageId: parsed.messageId } : {}), text: parsed.text ?? '' };
}

function lineCount(raw: Buffer, atMost: number): number {
  let lines = 0;
  for (let i = raw.indexOf(0x0a); i !== -1 && lines <= atMost; i = raw.indexOf(0x0a, i + 1)) lines++;
  return lines;
}

/** Reads a message for a grader; one that cannot be read comes back empty. */
export async function readMail(raw: Buffer, lane: string): Promise<ReadMail> {
  if (raw.length <= INLINE_BYTES && lineCount(raw, INLINE_LINES) <= INLINE_LINES) return readMailJob(raw);
  try {
    return await mailWorkers.run<ReadMail>({ module: JOBS, fn: 'readMailJob', args: [raw], lane, weight: raw.length, timeoutMs: TIMEOUT_MS });
  } catch {
    return { subject: '', from: [], text: '' };
  }
}

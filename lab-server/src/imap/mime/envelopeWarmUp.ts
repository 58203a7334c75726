/**
 * A warm-up for the envelope reader threads (envelopeThread.ts): sample headers read and parsed
 * the way a first FETCH's files are, so V8 has compiled that code before the first big FETCH
 * ENVELOPE needs it. Done during that FETCH, the compiling took about a third of its CPU
 * (measured with perf), on the cores the reading needed. The samples cover the shapes real
 * headers take: display names quoted or not, groups, encoded words, folded lines, CRLF and LF.
 *
 * They are written as files into a directory of the thread's own and read through the very
 * function a request's chunks go through (open, read, close, parse): parsed from memory alone,
 * the file reading was compiled during the first FETCH (openSync, readSync and the chunk loop
 * with the parser inlined into it, in each thread), and so was the parser once more.
 */
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADER_READ, headerText, quickEnvelope } from './envelopeFiles.js';
import { INLINE_LIMITS } from './limits.js';

const SAMPLES = [
  'From: "Sender {n}" <sender{n}@example.com>\nTo: Alice <alice@example.com>\nCc: bob@example.com\nSubject: Lesson {n}\n' +
    'Date: Tue, 1 Sep 2026 10:{m}:00 +0000\nMessage-ID: <w.{n}@example.com>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nbody\n',
  'Return-Path: <a{n}@example.org>\r\nReceived: from mx.example.org by mail.example.com;\r\n Tue, 1 Sep 2026 10:{m}:00 +0800\r\n' +
    'From: =?UTF-8?B?5byg5LiJ?= <zhang{n}@example.org>\r\nTo: team: a@example.com, "B. C." <b.c@example.com>;\r\n' +
    'Reply-To: a{n}@example.org (Support)\r\nSubject: =?utf-8?q?Re=3A_caf=C3=A9_{n}?=\r\nIn-Reply-To: <p.{n}@example.org>\r\n\r\nbody\r\n',
  'Date: 1 Sep 2026 10:{m} -0000\nFrom: bob@example.com\nSender: list-{n}@lists.example.net\nTo: undisclosed-recipients:;\n' +
    'Bcc: Carol <carol@example.com>, dave@example.com\nSubject: [list] folded\n subject {n}\nX-Mailer: lab\n\n',
];
/** Sample files written: a few of each shape, so the strings parsed are not all alike. */
const FILES = 12;
/**
 * Paths per chunk: fewer than a request's (64, envelopeBatch.ts), so that the functions run once
 * a chunk are called as often as those run once a file, and V8 compiles them too now.
 */
const CHUNK = 8;

/** The prefix of the sample directories in the temporary directory. */
const PREFIX = 'maillab-envelope-warm-';
/**
 * A sample directory older than this was left by a lab killed during its warm-up (which takes
 * well under a second when quiet, a few at load 30-40): the next warm-up removes it.
 */
const STALE_MS = 10 * 60_000;

const sample = (i: number): string => SAMPLES[i % SAMPLES.length]!.replaceAll('{n}', String(i)).replaceAll('{m}', String(i % 60).padStart(2, '0'));

/**
 * Reads and parses `rounds` sample files with `read` (what the thread does with a request's
 * chunks of paths: one call, as a request is); how many the quick way settled (all of them: a
 * sample it left to the careful way would not warm what FETCH runs). Where no file can be
 * written, the samples are parsed from memory: the parser is warmed still, the reading is not.
 */
export function warmUpEnvelopes(rounds: number, read: (chunks: string[][]) => ReadonlyArray<ReadonlyArray<string | null>>): number {
  let dir: string;
  try {
    removeStale(tmpdir());
    dir = mkdtempSync(join(tmpdir(), PREFIX));
  } catch {
    return warmUpInMemory(rounds);
  }
  try {
    const files = Array.from({ length: FILES }, (_, i) => {
      const path = join(dir, `sample${i}`);
      writeFileSync(path, sample(i), 'latin1');
      return path;
    });
    const chunks = Array.from({ length: Math.ceil(rounds / CHUNK) }, (_, c) =>
      Array.from({ length: Math.min(CHUNK, rounds - c * CHUNK) }, (_, i) => files[(c * CHUNK + i) % FILES]!),
    );
    let settled = 0;
    for (const envelopes of read(chunks)) for (const envelope of envelopes) if (envelope !== null) settled++;
    return settled;
  } catch {
    return warmUpInMemory(rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Removes the sample directories of this user that a killed lab left (its `finally` never ran),
 * so that they do not pile up. Only directories, never what a link points at.
 */
function removeStale(parent: string): void {
  const now = Date.now();
  const uid = process.getuid?.();
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(PREFIX)) continue;
    const path = join(parent, name);
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory() && (uid === undefined || stat.uid === uid) && now - stat.mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // another lab removed it meanwhile
    }
  }
}

/** The samples parsed through a Buffer as a file's start is read, without files. */
function warmUpInMemory(rounds: number): number {
  const scratch = Buffer.alloc(HEADER_READ);
  let settled = 0;
  for (let i = 0; i < rounds; i++) {
    const length = scratch.write(sample(i), 'latin1');
    if (quickEnvelope(headerText(scratch.subarray(0, length)), true, INLINE_LIMITS) !== undefined) settled++;
  }
  return settled;
}

/**
 * A warm-up for the envelope reader threads (envelopeThread.ts): sample headers parsed the way
 * files are, so V8 has compiled the parser before the first big FETCH ENVELOPE needs it. Done
 * during that FETCH, the compiling took about a third of its CPU (measured with perf), on the
 * cores the reading needed. The samples cover the shapes real headers take: display names
 * quoted or not, groups, encoded words, folded lines, CRLF and LF.
 */
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

/**
 * Parses `rounds` samples, through a Buffer as a file's start is read; how many the quick way
 * settled (all of them: a sample it left to the careful way would not warm what FETCH runs).
 */
export function warmUpEnvelopes(rounds: number): number {
  const scratch = Buffer.alloc(HEADER_READ);
  let settled = 0;
  for (let i = 0; i < rounds; i++) {
    const sample = SAMPLES[i % SAMPLES.length]!.replaceAll('{n}', String(i)).replaceAll('{m}', String(i % 60).padStart(2, '0'));
    const length = scratch.write(sample, 'latin1');
    if (quickEnvelope(headerText(scratch.subarray(0, length)), true, INLINE_LIMITS) !== undefined) settled++;
  }
  return settled;
}

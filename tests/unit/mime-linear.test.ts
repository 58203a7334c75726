/**
 * Header and MIME shapes anyone can mail a learner, parsed in time in proportion to their size
 * (on a mail worker for a big message, on the event loop for one under 32 KB):
 * - a Content-Type (or Content-Disposition) of thousands of RFC 2231 pieces x*0, x*1... and as
 *   many empty "x=": every "x=" got the pieces joined again, so both the work and the
 *   BODYSTRUCTURE grew with the square (16,000 of each: 256 MB, seconds of CPU);
 * - a multipart of thousands of parts without a blank line: each part's header end was searched
 *   for from the part to the end of the whole message;
 * - a message 99 message/rfc822 levels deep: each level's lines were counted over the whole of
 *   what it encloses; 99 nested multiparts: each level read all it encloses line by line.
 * Each input is sized so the old code took many times the bound (CPU time of this thread, so a
 * machine busy with other work does not count); the new code takes a small part of it.
 */
import { expect, it } from 'vitest';
import { describeMessage } from '../../lab-server/src/imap/mime/jobs.js';
import { parseStructured } from '../../lab-server/src/imap/mime/header.js';
import { MIME_LIMITS } from '../../lab-server/src/imap/mime/limits.js';
import { parseWithin } from '../../lab-server/src/imap/mime/parse.js';
import { eventLoopCpuMs } from '../helpers/neighbour.js';

const cpuMsOf = <T>(work: () => T): { ms: number; result: T } => {
  const started = eventLoopCpuMs();
  const result = work();
  return { ms: eventLoopCpuMs() - started, result };
};

const pieces = (name: string, n: number): string => Array.from({ length: n }, (_, k) => `${name}*${k}=a`).join('; ');
const empties = (name: string, n: number): string => Array.from({ length: n }, () => `${name}=`).join('; ');

it('joins RFC 2231 pieces once, whatever stands beside them', () => {
  // Plain parameters first, as written, then the joined pieces by name, as Dovecot lists them.
  expect(parseStructured('text/plain; x*0=a; y=1; x*1="b c"; x=; x=d; z*0*=utf-8\'\'%C3; z*1*=%A9').params).toEqual([
    ['y', '1'],
    ['x', ''],
    ['x', 'd'],
    ['x', 'ab c'],
    ['z*', "utf-8''%C3%A9"],
  ]);
});

it('reads a Content-Type of 20,000 pieces and 20,000 empty twins in time in proportion', () => {
  const n = 20_000;
  const { ms, result } = cpuMsOf(() => parseStructured(`text/plain; ${pieces('x', n)}; ${empties('x', n)}`));
  expect(result.params).toHaveLength(n + 1);
  expect(result.params[n]).toEqual(['x', 'a'.repeat(n)]);
  expect(result.params[0]).toEqual(['x', '']);
  // Tens of milliseconds; the old code took about 10 s (sorting and joining 20,000 pieces 20,000 times).
  expect(ms).toBeLessThan(2000);
});

it('writes the BODYSTRUCTURE of such a Content-Disposition at the size of its header', () => {
  const n = 16_000;
  const header = `Content-Disposition: attachment; ${pieces('f', n)}; ${empties('f', n)}`;
  const message = Buffer.from(`From: a@example.com\nContent-Type: application/octet-stream\n${header}\n\nbody\n`, 'latin1');
  const { ms, result } = cpuMsOf(() => describeMessage(message, MIME_LIMITS));
  // The joined value once (16,000 bytes), not once per "f=" (256 MB).
  expect(result.summary.bodyStructure.byteLength).toBeLessThan(2 * message.length);
  expect(ms).toBeLessThan(2000);
});

it('finds the header ends of 3,000 parts without blank lines in time in proportion', () => {
  const n = 3_000;
  const part = `--b\r\n${'a\r\n'.repeat(300)}`;
  const wire = Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${part.repeat(n)}--b--\r\n\r\nafter\r\n`, 'latin1');
  const { ms, result } = cpuMsOf(() => parseWithin(wire, MIME_LIMITS));
  expect(result.root.children).toHaveLength(n);
  // Each part is all header (no blank line in it), up to its delimiter.
  expect(result.root.children[1]).toMatchObject({ bodyStart: result.root.children[1]!.end });
  // A few tens of milliseconds; the old code read 1.8 MB per part, about 7 s in all.
  expect(ms).toBeLessThan(1500);
});

it('counts the lines of a message 99 message/rfc822 levels deep once, not once per level', () => {
  const levels = 99;
  const stored = Buffer.from(`${'Content-Type: message/rfc822\n\n'.repeat(levels)}Subject: deep\n\n${'line\n'.repeat(2_000_000)}`, 'latin1');
  const { ms, result } = cpuMsOf(() => describeMessage(stored, MIME_LIMITS));
  const structure = Buffer.from(result.summary.bodyStructure).toString('latin1');
  // The innermost text part has the 2,000,000 lines; each level around it the lines of the
  // headers inside it too (two per level: its field and the blank line).
  expect(structure).toContain(' 2000000 NIL NIL NIL NIL)');
  expect(structure).toContain(` ${2_000_000 + 2 + 2 * (levels - 1)} NIL NIL NIL NIL)`);
  // Tens of milliseconds; the old code counted the 10 MB once per level, twice: about 5 s.
  expect(ms).toBeLessThan(1500);
});

it('finds the delimiters of 99 nested multiparts without reading each level line by line', () => {
  const levels = 99;
  const opening = Array.from({ length: levels }, (_, k) => `Content-Type: multipart/mixed; boundary=b${k}\n\n--b${k}\n`).join('');
  const stored = Buffer.from(`${opening}\n${'line\n'.repeat(2_000_000)}`, 'latin1');
  const { ms, result } = cpuMsOf(() => describeMessage(stored, MIME_LIMITS));
  const structure = Buffer.from(result.summary.bodyStructure).toString('latin1');
  // 99 multiparts, each one part (no closing delimiter: the last part runs to the end), then the text.
  expect(structure.startsWith('('.repeat(levels + 1) + '"text" "plain"')).toBe(true);
  expect(structure).toContain(' 2000000 NIL NIL NIL NIL)');
  // Tens of milliseconds; read line by line at every level, the 10 MB took about 6 s.
  expect(ms).toBeLessThan(1500);
});

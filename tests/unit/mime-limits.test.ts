/**
 * The MIME limits (imap/mime/limits.ts): past the part limit the rest of the message is one
 * opaque part; too deep a nesting stays whole; header fields are read up to their limits; and
 * what is parsed still gives exact BODY[section] octets through the part table.
 */
import { describe, expect, it } from 'vitest';
import { describeMessage, searchMessage } from '../../lab-server/src/imap/mime/jobs.js';
import { MIME_LIMITS, type MimeLimits } from '../../lab-server/src/imap/mime/limits.js';
import { parseWithin } from '../../lab-server/src/imap/mime/parse.js';
import { parseSection, sectionBytes } from '../../lab-server/src/imap/mime/sections.js';
import { parseCommand } from '../../lab-server/src/imap/parser.js';

const small: MimeLimits = { maxParts: 5, maxDepth: 3, maxFieldsPerHeader: 4, maxFields: 10 };
const crlf = (text: string): Buffer => Buffer.from(text.replace(/\n/g, '\r\n'));

function section(wire: Buffer, limits: MimeLimits, spec: string): string | undefined {
  const [token] = parseCommand([{ kind: 'line', bytes: Buffer.from(`a FETCH 1 BODY[${spec}]`) }]).args.slice(1);
  const parsed = parseSection(token!.type === 'atom' ? token!.section! : []);
  const described = describeMessage(wire, limits);
  return sectionBytes(Buffer.from(described.wire), described.table, parsed)?.toString('latin1');
}

describe('the part limit', () => {
  const bomb = crlf(`Subject: many\nContent-Type: multipart/mixed; boundary=zz\n\n${'--zz\n\nx\n'.repeat(20)}--zz--\n`);

  it('parses the first parts and makes the rest one opaque part', () => {
    const { root, limited } = parseWithin(bomb, small);
    expect(limited).toBe(true);
    // The message is one part, four children fit, the rest is application/octet-stream.
    expect(root.children.map((c) => `${c.type}/${c.subtype}`)).toEqual(['text/plain', 'text/plain', 'text/plain', 'text/plain', 'application/octet-stream']);
    const rest = root.children[4]!;
    // From where the fifth part starts (its empty header) to the end of the multipart.
    expect(bomb.subarray(rest.bodyStart, rest.end).toString('latin1')).toBe(`\r\nx\r\n${'--zz\r\n\r\nx\r\n'.repeat(15)}--zz--\r\n`);
  });

  it('describes the cut message in a BODYSTRUCTURE a client can read, and names the rest as part 5', () => {
    const described = describeMessage(bomb, small);
    const text = Buffer.from(described.summary.bodyStructure).toString('latin1');
    expect(text.match(/\("text" "plain"/g)).toHaveLength(4);
    expect(text).toContain('("application" "octet-stream" NIL NIL NIL "7bit"');
    expect(section(bomb, small, '5')).toMatch(/^\r\nx\r\n--zz\r\n/);
    expect(section(bomb, small, '6')).toBeUndefined();
  });

  it('leaves a message within the limits whole', () => {
    const { root, limited } = parseWithin(bomb, MIME_LIMITS);
    expect(limited).toBe(false);
    expect(root.children).toHaveLength(20);
  });
});

describe('the depth limit', () => {
  const nest = (depth: number): string =>
    depth === 0 ? 'Content-Type: text/plain\n\ndeep\n' : `Content-Type: multipart/mixed; boundary=b${depth}\n\n--b${depth}\n${nest(depth - 1)}--b${depth}--\n`;

  it('keeps a multipart nested too deeply whole, as one opaque part', () => {
    const wire = crlf(`Subject: deep\n${nest(6)}`);
    const { root, limited } = parseWithin(wire, small);
    expect(limited).toBe(true);
    let part = root;
    for (let level = 0; level < small.maxDepth; level++) {
      expect(part.type).toBe('multipart');
      part = part.children[0]!;
    }
    expect(`${part.type}/${part.subtype}`).toBe('application/octet-stream');
    expect(part.children).toEqual([]);
    expect(wire.subarray(part.bodyStart, part.end).toString('latin1')).toContain('deep');
  });
});

describe('the header field limits', () => {
  it('reads at most maxFieldsPerHeader fields of one header', () => {
    const wire = crlf(`${Array.from({ length: 10 }, (_, i) => `X-N${i}: ${i}`).join('\n')}\nSubject: late\n\nbody\n`);
    const { root, limited } = parseWithin(wire, small);
    expect(limited).toBe(true);
    expect(root.fields.map((f) => f.name)).toEqual(['x-n0', 'x-n1', 'x-n2', 'x-n3']);
    // HEADER still returns the whole header; HEADER.FIELDS sees only what was read.
    expect(section(wire, small, 'HEADER')).toContain('Subject: late');
    expect(section(wire, small, 'HEADER.FIELDS (SUBJECT)')).toBe('\r\n');
    expect(section(wire, MIME_LIMITS, 'HEADER.FIELDS (SUBJECT)')).toBe('Subject: late\r\n\r\n');
  });

  it('stops reading fields when the message has used its budget', () => {
    const part = (n: number): string => `--zz\nX-A: ${n}\nX-B: ${n}\nX-C: ${n}\n\nbody ${n}\n`;
    const wire = crlf(`Content-Type: multipart/mixed; boundary=zz\n\n${[1, 2, 3, 4].map(part).join('')}--zz--\n`);
    const { root } = parseWithin(wire, { ...small, maxParts: 100 });
    const counts = root.children.map((c) => c.fields.length);
    expect(counts.reduce((a, b) => a + b, 0) + root.fields.length).toBe(small.maxFields);
    expect(counts.at(-1)).toBe(0);
  });
});

describe('SEARCH on a cut message', () => {
  it('answers from the parts that were read', () => {
    const wire = crlf(`Subject: =?UTF-8?B?6YKu5Lu2?=\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n\nfirst\n--zz\n\nsecond\n--zz--\n`);
    const { answers } = searchMessage(wire, [{ op: 'header', field: 'subject', text: '邮件' }, { op: 'body', text: 'SECOND' }, { op: 'text', text: 'nowhere' }, { op: 'sent' }], MIME_LIMITS);
    expect(answers).toEqual([true, true, false, null]);
    expect(searchMessage(wire, [{ op: 'body', text: 'second' }], { ...small, maxParts: 2 }).answers).toEqual([false]);
  });
});

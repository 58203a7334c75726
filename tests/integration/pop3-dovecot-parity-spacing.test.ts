/**
 * How a POP3 command's words are spaced, beside a real Dovecot 2.3 (tests/helpers/dovecotParity.ts).
 * RFC 1939 §3: "Keywords and arguments are each separated by a single SPACE character". Dovecot
 * refuses a tab between a command and its message number ("-ERR Unknown command: RETR\t1") and a
 * blank after the last number ("-ERR Noise after message number"); the lab took both as if they
 * were right, so a learner met the rule first on a real server. The lab now refuses them too, and
 * says which blank is wrong and the line to type. Runs of spaces, which Dovecot accepts, stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, type ParityPair } from '../helpers/dovecotParity.js';
import { RawClient } from '../helpers/rawSocket.js';

let pair: ParityPair;
/** alice's POP3 session on each server: lab's, Dovecot's. */
let sessions: RawClient[];

async function pop3Login(port: number): Promise<RawClient> {
  const c = await RawClient.open(port);
  await c.until(/^\+OK[^\r\n]*\r\n/);
  await c.command('USER alice@example.com', /^\+OK[^\r\n]*\r\n/);
  await c.command('PASS secret', /^\+OK[^\r\n]*\r\n/);
  return c;
}

beforeAll(async () => {
  pair = await startParityPair();
  // The lab's alice has the three welcome messages; Dovecot's gets three of its own.
  for (const n of [1, 2, 3]) await pair.both(['NOOP', appendOf('INBOX', `Subject: m${n}\r\n\r\nbody ${n}\r\n`)]);
  sessions = [await pop3Login(pair.pop3Ports.lab), await pop3Login(pair.pop3Ports.dovecot)];
}, 60_000);
afterAll(async () => {
  for (const c of sessions ?? []) c.close();
  await pair?.stop();
});

/** One line to both servers; each one's first reply line (a multi-line answer read to its end). */
async function both(line: string): Promise<[lab: string, dovecot: string]> {
  const replies = await Promise.all(
    sessions.map(async (c) => {
      const reply = await c.command(line, /^[+-][^\r\n]*\r\n/m);
      const first = reply.slice(0, reply.indexOf('\r\n'));
      const multiline = first.startsWith('+OK') && /^(RETR|TOP)|^(LIST|UIDL)\s*$/i.test(line);
      if (multiline && !/\r\n\.\r\n$/.test(reply)) await c.until(/\r\n\.\r\n$/);
      return first;
    }),
  );
  return [replies[0]!, replies[1]!];
}

describe('POP3 words separated by one space, as Dovecot reads them', () => {
  it.each([
    ['RETR\t1', '-ERR RETR and its message number are separated by a tab: POP3 separates words with one space (RFC 1939). Try: RETR 1'],
    ['list\t1', '-ERR LIST and its message number are separated by a tab: POP3 separates words with one space (RFC 1939). Try: LIST 1'],
    ['TOP 1\t0', '-ERR TOP and its numbers are separated by a tab: POP3 separates words with one space (RFC 1939). Try: TOP 1 0'],
    ['RETR 1 ', '-ERR Noise after "1": the line ends with a blank, and nothing may follow the last word (RFC 1939). Try: RETR 1'],
    ['LIST 1\t', '-ERR Noise after "1": the line ends with a blank, and nothing may follow the last word (RFC 1939). Try: LIST 1'],
    ['UIDL 2 ', '-ERR Noise after "2": the line ends with a blank, and nothing may follow the last word (RFC 1939). Try: UIDL 2'],
    ['TOP 1 0 ', '-ERR Noise after "0": the line ends with a blank, and nothing may follow the last word (RFC 1939). Try: TOP 1 0'],
    ['DELE 1 ', '-ERR Noise after "1": the line ends with a blank, and nothing may follow the last word (RFC 1939). Try: DELE 1'],
  ])('%j is refused by both; the lab says which blank and what to type', async (line, hint) => {
    const [lab, dovecot] = await both(line);
    expect(dovecot).toMatch(/^-ERR (Unknown command|Noise after)/);
    expect(lab).toBe(hint);
  });

  it.each(['RETR 1', 'LIST  1', 'top  1 0', 'STAT   ', 'LIST', 'UIDL 1'])('%j is taken by both', async (line) => {
    const [lab, dovecot] = await both(line);
    expect(lab).toMatch(/^\+OK/);
    expect(dovecot).toMatch(/^\+OK/);
  });

  it('nothing was deleted by the refused DELE', async () => {
    const [lab, dovecot] = await both('RETR 1');
    expect([lab, dovecot].map((l) => l.slice(0, 3))).toEqual(['+OK', '+OK']);
  });
});

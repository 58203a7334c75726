/**
 * The lab's IMAP server beside a real Dovecot 2.3 (a private one, tests/bench/dovecotProcess):
 * the same commands to both over raw sockets, where RFC 3501 leaves the server a choice, and
 * the answers compared. Dovecot's Maildir++ layout is the lab's: no prefix, "." between levels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;
const both = (command: string): Promise<{ lab: string; dovecot: string }> => pair.both(command);

const MESSAGE = [
  'From: alice@example.com',
  'To: bob@example.com',
  'Subject: parity',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain',
  'Content-Transfer-Encoding: base64',
  '',
  'aGVsbG8=',
  '--b--',
  '',
].join('\r\n');

/** Message 2: one part, no MIME structure at all. */
const SINGLE_PART = 'From: alice@example.com\r\nSubject: single\r\n\r\nhello\r\n';

/** Message 3: a message/rfc822 part in base64 (RFC 2046 §5.2.1 forbids it; Dovecot reads its raw text, all header). */
const ENCODED_MESSAGE = [
  'From: alice@example.com',
  'Subject: forwarded',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: message/rfc822',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('Subject: inner\r\n\r\nhello\r\n').toString('base64'),
  '--b',
  'Content-Type: text/plain',
  '',
  'last',
  '--b--',
  '',
].join('\r\n');

beforeAll(async () => {
  pair = await startParityPair();
  await both('CREATE a.b.c');
  await both(appendOf('a.b.c', MESSAGE));
  await both(appendOf('a.b.c', SINGLE_PART));
  await both(appendOf('a.b.c', ENCODED_MESSAGE));
  await both('SUBSCRIBE a.b.c');
  await both('SELECT a.b.c');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

/** The LIST lines for the names under "a" (the lab has Drafts, Sent and Trash besides), sorted. */
function listedUnderA(answer: string): string[] {
  return answer
    .split('\r\n')
    .filter((line) => /^\* LIST \([^)]*\) "\." a(\.|$)/.test(line))
    .sort();
}

/** The LIST lines for the standard folders and the names under "a", sorted (INBOX is subscribed in the lab only). */
function listedBesideInbox(answer: string): string[] {
  return answer
    .split('\r\n')
    .filter((line) => /^\* LIST \([^)]*\) "\." (Drafts|Sent|Trash|a(\.|$))/.test(line))
    .sort();
}

/** The data item names of the one FETCH response in an answer, in the order sent, values skipped. */
function fetchedNames(answer: string): string[] {
  const start = answer.indexOf(' FETCH (');
  expect(start).toBeGreaterThan(-1);
  const names: string[] = [];
  let at = start + ' FETCH ('.length;
  while (answer[at] !== ')') {
    if (answer[at] === ' ') at++;
    const name = /^[^ ]+?(\[[^\]]*\](<\d+>)?)? /.exec(answer.slice(at))![0];
    names.push(name.trim());
    at = skipValue(answer, at + name.length);
  }
  return names;
}

/** Past one value: an atom or number, a quoted string, a {n} literal, or a parenthesised list. */
function skipValue(text: string, at: number): number {
  const literal = /^\{(\d+)\}\r\n/.exec(text.slice(at));
  if (literal) return at + literal[0].length + Number(literal[1]);
  if (text[at] === '"') {
    for (at++; text[at] !== '"'; at++) if (text[at] === '\\') at++;
    return at + 1;
  }
  if (text[at] === '(') {
    at++;
    while (text[at] !== ')') at = text[at] === ' ' ? at + 1 : skipValue(text, at);
    return at + 1;
  }
  while (!/[ )]/.test(text[at]!)) at++;
  return at;
}

describe('LIST where a middle level is missing (a.b.c exists; a and a.b are not folders)', () => {
  it.each(['LIST "" "*"', 'LIST "" "%"', 'LIST "" "a*"', 'LIST "" "a.%"', 'LIST "" "*b*"', 'LIST "" "a.b"', 'LIST "" "*" RETURN (CHILDREN)'])('%s names the same levels with the same attributes', async (command) => {
    const answers = await both(command);
    expect(listedUnderA(answers.lab)).toEqual(listedUnderA(answers.dovecot));
  });

  it('lists the missing levels under "*" as \\Noselect \\HasChildren, and \\NonExistent in an extended LIST', async () => {
    expect(listedUnderA((await both('LIST "" "*"')).lab)).toEqual(['* LIST (\\HasNoChildren) "." a.b.c', '* LIST (\\Noselect \\HasChildren) "." a', '* LIST (\\Noselect \\HasChildren) "." a.b']);
    expect(listedUnderA((await both('LIST "" "*" RETURN (CHILDREN)')).lab)).toContain('* LIST (\\NonExistent \\HasChildren) "." a.b');
  });
});

describe('which attributes an extended LIST returns (RFC 5258 §4, RFC 6154 §2 leave it to the server)', () => {
  it.each([
    'LIST "" "*"',
    'LIST "" ("*")',
    'LIST "" ("%" "a.%")',
    'LIST (SUBSCRIBED) "" "*"',
    'LIST "" "*" RETURN (SUBSCRIBED)',
    'LIST "" "*" RETURN (CHILDREN)',
    'LIST "" "*" RETURN (SPECIAL-USE)',
    'LIST (SPECIAL-USE) "" "*"',
    'LIST (SUBSCRIBED) "" "*" RETURN (CHILDREN SPECIAL-USE)',
  ])('%s gives the standard folders and a, a.b, a.b.c the attributes Dovecot gives them', async (command) => {
    const answers = await both(command);
    expect(listedBesideInbox(answers.lab)).toEqual(listedBesideInbox(answers.dovecot));
  });

  it('leaves out \\HasChildren, \\HasNoChildren and \\Sent unless a plain LIST or the return options ask', async () => {
    expect(listedBesideInbox((await both('LIST (SUBSCRIBED) "" "*"')).lab)).toEqual(['* LIST (\\Subscribed) "." Drafts', '* LIST (\\Subscribed) "." Sent', '* LIST (\\Subscribed) "." Trash', '* LIST (\\Subscribed) "." a.b.c']);
    expect(listedBesideInbox((await both('LIST "" ("*")')).lab)).toContain('* LIST () "." Sent');
    expect(listedBesideInbox((await both('LIST "" "*"')).lab)).toContain('* LIST (\\HasNoChildren \\Sent) "." Sent');
  });
});

describe('FETCH of a part the message has or lacks (Dovecot 2.3 imap-msgpart.c)', () => {
  it.each([
    '1 BODY.PEEK[1.1]',
    '1 BODY.PEEK[1.1.1]',
    '1 BODY.PEEK[2]',
    '1 BODY.PEEK[1.2]',
    '1 BODY.PEEK[2.MIME]',
    '1 BODY.PEEK[1.HEADER]',
    '1 BODY.PEEK[3.HEADER.FIELDS (SUBJECT)]',
    '1 BINARY.PEEK[2]',
    '1 BINARY.SIZE[3]',
    '2 BODY.PEEK[1]',
    '2 BODY.PEEK[1.MIME]',
    '2 BODY.PEEK[1.1]',
    '2 BODY.PEEK[2]',
    '2 BODY.PEEK[2.MIME]',
    '2 BODY.PEEK[2]<0.5>',
    '2 BODY.PEEK[1.TEXT]',
    '2 BINARY.PEEK[1.1]',
    '2 BINARY.SIZE[2]',
    '3 BODY.PEEK[1.1]',
    '3 BODY.PEEK[1.1.1]',
    '3 BODY.PEEK[1.TEXT]',
    '3 BINARY.PEEK[1.1]',
    '3 BINARY.SIZE[1.1]',
    '3 BODY.PEEK[2]',
  ])('FETCH %s answers what Dovecot answers', async (items) => {
    const answers = await both(`FETCH ${items}`);
    expect(untagged(answers.lab)).toEqual(untagged(answers.dovecot));
  });

  it('answers a part the message lacks as empty, {0}, and the first child of a multipart as its 1.1', async () => {
    expect(untagged((await both('FETCH 2 (BODY.PEEK[2] BINARY.PEEK[2] BINARY.SIZE[2] BODY.PEEK[1.1])')).lab)).toBe('* 2 FETCH (BODY[2] {0}\r\n BINARY[2] {0}\r\n BINARY.SIZE[2] 0 BODY[1.1] {0}\r\n)\r\n');
    expect(untagged((await both('FETCH 1 BODY.PEEK[1.1]')).lab)).toBe('* 1 FETCH (BODY[1.1] {8}\r\naGVsbG8=)\r\n');
    // A base64 message/rfc822 is read raw, as Dovecot reads it: all header, so its 1.1 (the body inside) is empty.
    expect(untagged((await both('FETCH 3 (BODY.PEEK[1.1] BINARY.PEEK[1.1])')).lab)).toBe('* 3 FETCH (BODY[1.1] {0}\r\n BINARY[1.1] {0}\r\n)\r\n');
  });
});

describe('FETCH naming an item twice', () => {
  it.each([
    '1 (FLAGS FLAGS)',
    '1 (UID FLAGS UID RFC822.SIZE FLAGS)',
    '1 (ENVELOPE ENVELOPE INTERNALDATE INTERNALDATE)',
    '1 (BODYSTRUCTURE BODYSTRUCTURE BODY BODY)',
    '1 (RFC822.HEADER RFC822.HEADER RFC822.SIZE)',
    '1 (BODY.PEEK[TEXT] BODY.PEEK[TEXT] BODY.PEEK[1]<0.2> BODY.PEEK[1]<0.3>)',
    '1 (BINARY.SIZE[1] BINARY.SIZE[1] BINARY.PEEK[1] BINARY.PEEK[1])',
    '1 (MODSEQ MODSEQ)',
  ])('FETCH %s answers the same items as many times as Dovecot does', async (items) => {
    const answers = await both(`FETCH ${items}`);
    expect(fetchedNames(answers.lab).sort()).toEqual(fetchedNames(answers.dovecot).sort());
  });

  it('answers a simple item once and a section each time it is named', async () => {
    expect(fetchedNames((await both('FETCH 1 (FLAGS UID FLAGS BODY.PEEK[TEXT] BODY.PEEK[TEXT])')).lab)).toEqual(['FLAGS', 'UID', 'BODY[TEXT]', 'BODY[TEXT]']);
    expect(fetchedNames((await both('UID FETCH 1 (UID UID RFC822.SIZE)')).lab)).toEqual(['UID', 'RFC822.SIZE']);
  });
});

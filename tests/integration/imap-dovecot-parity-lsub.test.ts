/**
 * LSUB beside a real Dovecot 2.3 (tests/helpers/dovecotParity.ts): which subscribed names and
 * unsubscribed parent levels it lists, and with which attributes. RFC 3501 §6.3.9 asks for the
 * \Noselect parent only where "%" stops short of a subscribed name; Dovecot also sends the
 * special use of Drafts, Sent and Trash (Outlook looks for it there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startParityPair, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;

beforeAll(async () => {
  pair = await startParityPair();
  // k.l subscribed under an unsubscribed k; a.b.c under missing a and a.b; ghost and g1.g2
  // subscribed but deleted (Dovecot refuses to subscribe a name that does not exist).
  for (const name of ['k', 'k.l', 'a.b.c', 'ghost', 'g1.g2']) await pair.both(`CREATE ${name}`);
  for (const name of ['k.l', 'a.b.c', 'ghost', 'g1.g2']) await pair.both(`SUBSCRIBE ${name}`);
  for (const name of ['ghost', 'g1.g2']) await pair.both(`DELETE ${name}`);
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

/** The LSUB lines, sorted; INBOX left out (the lab subscribes it at login, this Dovecot does not). */
const lsubLines = (answer: string): string[] =>
  answer
    .split('\r\n')
    .filter((line) => line.startsWith('* LSUB ') && !line.endsWith(' INBOX'))
    .sort();

describe('LSUB', () => {
  it.each(['LSUB "" "*"', 'LSUB "" "%"', 'LSUB "" "Sent"', 'LSUB "" "S%"', 'LSUB "" "k"', 'LSUB "" "k%"', 'LSUB "" "g1"', 'LSUB "" "g1%"', 'LSUB "" "a.b"', 'LSUB "" "%.b"', 'LSUB "" "a.%"', 'LSUB "" "%.%"', 'LSUB "" "a%"', 'LSUB "a." "%"', 'LSUB "" "*%"'])(
    '%s lists the names and attributes Dovecot lists',
    async (command) => {
      const answers = await pair.both(command);
      expect(lsubLines(answers.lab)).toEqual(lsubLines(answers.dovecot));
    },
  );

  it('gives Drafts, Sent and Trash their special use, and a parent level \\Noselect only under "%"', async () => {
    expect(lsubLines((await pair.both('LSUB "" "%"')).lab)).toEqual(['* LSUB () "." ghost', '* LSUB (\\Drafts) "." Drafts', '* LSUB (\\Noselect) "." a', '* LSUB (\\Noselect) "." g1', '* LSUB (\\Noselect) "." k', '* LSUB (\\Sent) "." Sent', '* LSUB (\\Trash) "." Trash']);
    expect(lsubLines((await pair.both('LSUB "" "k"')).lab)).toEqual([]);
  });
});

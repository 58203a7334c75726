/**
 * SEARCH SENTON, SENTBEFORE, SENTSINCE and SORT (DATE) beside a real Dovecot 2.3.19
 * (tests/helpers/dovecotParity.ts). A message with no Date: field, or one that names no date,
 * has the sent date 0 in Dovecot: SENTON 1-Jan-1970 finds it, SENTBEFORE any later day too (the
 * lab compared its arrival day). SORT (DATE) uses its arrival instead (RFC 5256 §2.2), in both.
 * A day the month lacks (32 Jun) names no date (the lab read the 2nd of July).
 * Left as they are, on purpose: a date before 1970, which Dovecot keeps in 32 unsigned bits (1968
 * sorts after 2100 there); a Date: with no time or an impossible one (25:00), which Dovecot
 * reads as no date while RFC 5256 §2.2 has SORT take midnight, and SEARCH looks at the day only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;

/** Date: fields, one message each (undefined: none), all arriving on 1-Mar-2020. */
const DATES = [
  undefined,
  'garbage',
  '',
  'Tue, 10 Jun 2021 08:00:00 +0000',
  // The day in the sender's zone counts (RFC 3501 "disregarding time and timezone").
  'Thu, 10 Jun 2021 23:30:00 -0500',
  'Fri, 11 Jun 2021 00:30:00 +0200',
  '10 Jun 2021 08:00 +0000',
  '10 Jun 21 08:00:00 +0000',
  'Thu, 10 Jun 2021 08:00:00 EST',
  'Thu, 10 Jun 2021 08:00:00',
  'Thu, 10 June 2021 08:00:00 +0000',
  'Thu,10 Jun 2021 08:00:00 +0000',
  'Thu, 10 Jun 2021 08:00:00 +0000 (UTC)',
  'Thu, 10 Jun 99 08:00:00 +0000',
  'Thu, 32 Jun 2021 08:00:00 +0000',
  'Tue, 29 Feb 2021 08:00:00 +0000',
  'Sat, 29 Feb 2020 08:00:00 +0000',
  'Thu, 10 Xyz 2021 08:00:00 +0000',
  '2021-06-10T08:00:00Z',
  'Thu, 10 Jun 2021 08:00:00 +9999',
];
const DAYS = ['10-Jun-2021', '11-Jun-2021', '1-Jan-1970', '1-Mar-2020', '10-Jun-1999', '2-Jul-2021', '1-Mar-2021', '29-Feb-2020'];
const KEYS = DAYS.flatMap((day) => [`SENTON ${day}`, `SENTBEFORE ${day}`, `SENTSINCE ${day}`]);

beforeAll(async () => {
  pair = await startParityPair();
  await pair.both('CREATE dates');
  for (const date of DATES) await pair.both(appendOf('dates "01-Mar-2020 10:00:00 +0000"', `${date === undefined ? '' : `Date: ${date}\r\n`}Subject: s\r\n\r\nx\r\n`));
  await pair.both('SELECT dates');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

describe('the sent date of SEARCH and SORT', () => {
  it.each([...KEYS, 'NOT SENTON 1-Jan-1970', 'OR SENTON 1-Jan-1970 SENTON 11-Jun-2021'])('SEARCH %s finds what Dovecot finds', async (key) => {
    const answers = await pair.both(`SEARCH ${key}`);
    expect(untagged(answers.lab)).toBe(untagged(answers.dovecot));
  });

  it.each(['SORT (DATE) UTF-8 ALL', 'SORT (REVERSE DATE) UTF-8 ALL', 'SORT (DATE) UTF-8 SENTBEFORE 2-Jan-1970'])('%s orders as Dovecot does', async (command) => {
    const answers = await pair.both(command);
    expect(untagged(answers.lab)).toBe(untagged(answers.dovecot));
  });

  it('finds a message with no date on 1-Jan-1970, not on the day it arrived', async () => {
    const none = [1, 2, 3, 15, 16, 18, 19].join(' ');
    expect(untagged((await pair.both('SEARCH SENTON 1-Jan-1970')).lab)).toBe(`* SEARCH ${none}\r\n`);
    expect(untagged((await pair.both('SEARCH SENTON 1-Mar-2020')).lab)).toBe('* SEARCH\r\n');
  });
});

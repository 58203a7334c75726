/**
 * Arrays a learner can make as long as they like, never spread into a call's arguments: past
 * about 120,000 arguments V8 throws RangeError (Maximum call stack size exceeded). A PARTIAL
 * range over a big result, and a group address with 200,000 members in one header.
 */
import { expect, it } from 'vitest';
import { returned, type ReturnOptions } from '../../lab-server/src/imap/esearch.js';
import { parseAddressList } from '../../lab-server/src/imap/mime/addresses.js';

const MANY = 200_000;

it('answers SEARCH RETURN (PARTIAL 1:200000) over 200,000 matches', () => {
  const options: ReturnOptions = { min: true, max: false, all: false, count: false, save: false, update: false, partial: [1, MANY] };
  const result = Array.from({ length: MANY }, (_, i) => i + 1);
  const out = returned(options, result);
  expect(out).toHaveLength(MANY + 1);
  expect(out.slice(0, 3)).toEqual([1, 1, 2]);
});

it('reads a group of 200,000 addresses', () => {
  const members = Array.from({ length: MANY }, (_, i) => `m${i}@example.com`).join(', ');
  const list = parseAddressList(`team: ${members};`);
  // The group's start, its members, and its end (RFC 3501's envelope form).
  expect(list).toHaveLength(MANY + 2);
  expect(list[1]).toMatchObject({ mailbox: 'm0', host: 'example.com' });
});

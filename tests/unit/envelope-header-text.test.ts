/**
 * A message's start is cut after the blank line that ends its header before it becomes a
 * string (headerText): the body after it (up to 32 KB read) is neither converted nor searched.
 * The ENVELOPE must be the one the whole start gives, for every way a header can end: LF or
 * CRLF blank line, one of each (the first wins), a blank first line, no blank line at all.
 */
import { describe, expect, it } from 'vitest';
import { headerText, quickEnvelope } from '../../lab-server/src/imap/mime/envelopeFiles.js';
import { storedHeaderEnd } from '../../lab-server/src/imap/mime/jobs.js';
import { INLINE_LIMITS } from '../../lab-server/src/imap/mime/limits.js';

const BODY = 'a line of the body\n'.repeat(1000);
const STARTS = [
  `From: a@example.com\nSubject: LF\n\n${BODY}`,
  `From: a@example.com\r\nSubject: CRLF\r\n\r\n${BODY.replaceAll('\n', '\r\n')}`,
  `From: a@example.com\nSubject: LF blank line, a CRLF one later\n\nbody\n\r\nmore\n${BODY}`,
  `From: a@example.com\r\nSubject: CRLF blank line, an LF one later\r\n\r\nbody\n\n${BODY}`,
  `From: a@example.com\nSubject: a CR alone is no blank line\n\r\rTo: b@example.com\n\n${BODY}`,
  `\nFrom: not-a-header@example.com\n\n${BODY}`,
  `\r\nFrom: not-a-header@example.com\r\n\r\n${BODY}`,
  'From: a@example.com\nSubject: no blank line, no body\n',
  'From: a@example.com\nSubject: ends at the blank line\n\n',
  'From: a@example.com\r\nSubject: ends mid-blank-line\r\n\r',
  '',
];

describe('headerText', () => {
  it.each(STARTS.map((start, i) => [i, start]))('start %i: the ENVELOPE of the whole start, from the header alone', (_, start) => {
    const bytes = Buffer.from(start, 'latin1');
    const text = headerText(bytes);
    for (const whole of [true, false]) expect(quickEnvelope(text, whole, INLINE_LIMITS)).toBe(quickEnvelope(start, whole, INLINE_LIMITS));
    const end = storedHeaderEnd(start);
    // Past the header, the blank line's two bytes at most; all of it when there is no blank line.
    expect(text.length).toBe(end === -1 ? start.length : Math.min(start.length, end + 2));
    expect(start.startsWith(text)).toBe(true);
  });
});

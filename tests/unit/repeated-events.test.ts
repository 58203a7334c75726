/**
 * Repeated events (wrong passwords from one address) are logged once, then summed up a
 * minute later, instead of a line each.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger, RepeatedEvents } from '../../lab-server/src/log.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RepeatedEvents', () => {
  it('logs the first event at once and the rest as one summary line per key', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const events = new RepeatedEvents((c, m) => lines.push(`${c}: ${m}`), 'smtp/submission');
    for (let i = 0; i < 500; i++) events.note('198.51.100.7', `authentication failed for "alice" from 198.51.100.7 (${i})`);
    events.note('203.0.113.9', 'authentication failed for "bob" from 203.0.113.9');
    expect(lines).toEqual(['smtp/submission: authentication failed for "alice" from 198.51.100.7 (0)', 'smtp/submission: authentication failed for "bob" from 203.0.113.9']);
    vi.advanceTimersByTime(60_000);
    expect(lines.slice(2)).toEqual(['smtp/submission: 499 more in the last 60 s like: authentication failed for "alice" from 198.51.100.7 (499)']);
    events.note('198.51.100.7', 'authentication failed again');
    expect(lines.at(-1)).toBe('smtp/submission: authentication failed again');
  });
});

describe('the lab\'s own log', () => {
  it('writes a client\'s control characters as "?" and its line breaks as spaces: one event, one line', () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      consoleLogger('smtp', 'authentication failed for "x\x1b[2J" from 127.0.0.1\r\n2026-01-01T00:00:00Z forged: line\x9b6n 邮件');
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/ smtp: authentication failed for "x\?\[2J" from 127\.0\.0\.1 2026-01-01T00:00:00Z forged: line\?6n 邮件\n$/);
  });
});

/** The page's copy of a terminal's transcript keeps the latest lines within its bounds, and says how many went. */
import { describe, expect, it } from 'vitest';
import { PAGE_TRANSCRIPT, PageTranscript, type TranscriptEntry } from '../../site/lib/pageTranscript.js';

const line = (i: number, text = `250 line ${i}`): TranscriptEntry => ({ t: `t${i}`, dir: 'S', text });

describe('PageTranscript', () => {
  it('keeps every line of a session within the bounds', () => {
    const kept = new PageTranscript((n) => `${n} dropped`);
    const entries: TranscriptEntry[] = [];
    for (let i = 0; i < PAGE_TRANSCRIPT.entries; i++) kept.add(entries, line(i));
    expect(entries).toHaveLength(PAGE_TRANSCRIPT.entries);
    expect(entries[0]).toEqual(line(0));
  });

  it('drops the oldest lines past the line bound, a note in their place counting them all', () => {
    const kept = new PageTranscript((n) => `${n} dropped`, { entries: 100, chars: 1e9 });
    const entries: TranscriptEntry[] = [];
    for (let i = 0; i < 100_000; i++) kept.add(entries, line(i));
    expect(entries.length).toBeLessThanOrEqual(100);
    expect(entries.at(-1)).toEqual(line(99_999));
    const kept0 = Number(/^(\d+) dropped$/.exec(entries[0]!.text)![1]);
    expect(entries[0]!.dir).toBe('I');
    // Every line is either kept or counted as dropped, in order.
    expect(kept0 + entries.length - 1).toBe(100_000);
    expect(entries[1]).toEqual(line(kept0));
  });

  it('drops the oldest lines past the character bound, never the newest however long', () => {
    const kept = new PageTranscript((n) => `${n} dropped`, { entries: 1e9, chars: 10_000 });
    const entries: TranscriptEntry[] = [];
    for (let i = 0; i < 1000; i++) kept.add(entries, line(i, 'x'.repeat(500)));
    expect(entries.slice(1).reduce((n, e) => n + e.text.length, 0)).toBeLessThanOrEqual(10_000);
    kept.add(entries, line(1000, 'y'.repeat(50_000)));
    expect(entries).toHaveLength(2);
    expect(entries[0]!.text).toBe('1000 dropped');
    expect(entries[1]!.text).toHaveLength(50_000);
  });
});

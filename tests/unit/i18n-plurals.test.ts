/**
 * Counts read as the language says them: English "1 learner", "2 learners" (never
 * "learner(s)"), Chinese with no plural, through the site's one placeholder filler.
 */
import { describe, expect, it } from 'vitest';
import { tcf } from '../../site/i18n/classroom.js';
import { txf } from '../../site/i18n/exercises.js';
import { fill } from '../../site/i18n/fill.js';
import { it as inspectorText } from '../../site/i18n/inspector.js';
import { tf } from '../../site/i18n/ui.js';
import { ENGLISH, sequenceDiagram } from '../../site/lib/sequenceDiagram.js';
import { plural } from '../../lab-server/src/grading/feedback.js';
import { describeFault } from '../../lab-server/src/mta/faults/spec.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

describe('counts in the site\'s words', () => {
  it('picks the English form by the number, and leaves the Chinese alone', () => {
    expect(tcf('en', 'learnersCount', { n: 1 })).toBe('1 learner');
    expect(tcf('en', 'learnersCount', { n: 0 })).toBe('0 learners');
    expect(tcf('en', 'learnersCount', { n: 30 })).toBe('30 learners');
    expect(tcf('zh-CN', 'learnersCount', { n: 1 })).toBe('1 名学生');
    expect(txf('en', 'attemptsN', { n: 1 })).toBe('1 attempt');
    expect(txf('en', 'attemptsN', { n: 2 })).toBe('2 attempts');
    expect(txf('zh-CN', 'attemptsN', { n: 2 })).toBe('已提交 2 次');
    expect(txf('en', 'progressSummary', { passed: 1, total: 1 })).toBe('You have passed 1 of 1 exercise.');
    expect(txf('en', 'stepWait', { n: 1 })).toBe('Wait 1 minute while the queue retries by itself');
    expect(tf('en', 'maildirAppeared', { n: 1 })).toBe('1 file changed');
    expect(tf('en', 'maildirAppeared', { n: 3 })).toBe('3 files changed');
    expect(tf('en', 'searchResultCount', { n: 1 })).toBe('1 match');
    expect(inspectorText('en', 'remoteBlocked', { n: 1 })).toMatch(/^1 network reference blocked/);
    expect(inspectorText('en', 'remoteBlocked', { n: 2 })).toMatch(/^2 network references blocked/);
  });

  it('fills plain placeholders as before, and leaves unknown ones as written', () => {
    expect(fill('{a} of {b}', { a: 1, b: 'x' })).toBe('1 of x');
    expect(fill('{n} {n|item|items} and {m}', { n: 1 })).toBe('1 item and {m}');
    expect(fill('{n|only}', { n: 5 })).toBe('only');
  });

  it('draws a one-line remainder in a session diagram as "1 line"', () => {
    const text = sequenceDiagram([{ dir: 'S', text: '250-a' }, { dir: 'S', text: '250 b' }], 'server', ENGLISH);
    expect(text).toContain('250 b (+1 line)');
  });

  it('says counts in the lab server\'s English messages the same way', () => {
    expect(plural(1, 'second')).toBe('1 second');
    expect(plural(0, 'second')).toBe('0 seconds');
    expect(plural(2, 'sandbox', 'sandboxes')).toBe('2 sandboxes');
    expect(describeFault({ kind: 'greylist', host: 'mail.otherdomain.com', minutes: 1 }).en).toMatch(/retried after 1 minute$/);
  });

  it('has no "(s)" left in any English string of the site', () => {
    const dir = join(import.meta.dirname, '../../site/i18n');
    const left = readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => /\w\(s\)/.test(l)).map((l) => `${f}: ${l.trim()}`));
    expect(left).toEqual([]);
  });
});

/**
 * A bound on the work a Dovecot answer costs the event loop (grading runs there, up to 60 answers
 * a minute per address): doveconf's checks look at each filter with the values of every filter
 * matching it, so 840 pairs of protocol sections in a 64 KB answer held the loop ~0.3 s (review
 * 14, on 8acdd46 to 09c6159; ~0.02 s at the round's start). Past MAX_FILTERS the grader says it
 * cannot judge the file, and at the limit it still judges as doveconf does.
 */
import { describe, expect, it } from 'vitest';
import { MAX_FILTERS, parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { doveconf } from '../realtools/dovecot.js';

const pairs = (n: number): string[] => Array.from({ length: n }, (_, i) => `protocol !p${i} {\nfirst_valid_uid=${i}\n}\nprotocol p${i} {\nlast_valid_uid=${i}\n}`);

/** The least CPU time of a few parses: what the event loop spends on the answer, whatever else runs meanwhile. */
function cpuMs(text: string): number {
  let least = Infinity;
  for (let run = 0; run < 3; run++) {
    const start = process.cpuUsage();
    parseDovecotConf(text);
    const used = process.cpuUsage(start);
    least = Math.min(least, (used.user + used.system) / 1000);
  }
  return least;
}

describe('a Dovecot answer with many filters', () => {
  it('costs the event loop little, and is told why it is not judged', () => {
    const text = `${pairs(840).join('\n')}\n`;
    expect(text.length).toBeGreaterThan(60_000);
    // About 0.3 s before the bound; some 30 ms with it. Generous for a loaded machine.
    expect(cpuMs(text)).toBeLessThan(150);
    const [problem] = parseDovecotConf(text).problems;
    expect(problem!.message.en).toMatch(/1680 protocol, local, remote and local_name sections; the lab judges at most 100.*doveconf -n/);
    expect(problem!.message['zh-CN']).toMatch(/1680 个 protocol.*最多判断 100 个/);
  });

  it('is judged as doveconf judges it up to the limit', { timeout: 60_000 }, async () => {
    const locals = Array.from({ length: MAX_FILTERS - 1 }, (_, i) => `local 10.0.${i}.1 {\n  mail_debug = yes\n}`);
    const atLimit = `${[...locals, 'protocol imap {\n  imap_client_workarounds = foo\n}'].join('\n')}\n`;
    const said = /Fatal: [^\n]*?: (.*)$/m.exec((await doveconf(atLimit)).stderr)?.[1];
    expect(said).toBe('imap_client_workarounds: Unknown workaround: foo');
    expect(parseDovecotConf(atLimit).problems.map((p) => p.message.en)).toEqual([expect.stringContaining(`("${said}")`)]);
  });
});

/**
 * What sandboxes used once keep in memory: the lab lets go of idle sandboxes' state beyond a
 * budget and loads it again from disk at their next use, so a class of learners who each came
 * once (or a stranger joining in a loop) cannot grow the lab for good.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClass, type TestClass } from '../helpers/classroom.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { keptMemory } from '../helpers/neighbour.js';

const LEARNERS = 40;
// 240 strings of 250 bytes: each made-up name's answer holds 60 KB of its own.
const HUGE_TXT = Array.from({ length: 240 }, () => `"${'x'.repeat(250)}"`).join(' ');

let lab: TestLab;
let klass: TestClass;
beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
  klass = await makeClass(
    lab,
    Array.from({ length: LEARNERS }, (_, i) => `learner ${i}`),
  );
}, 300_000);
afterAll(async () => {
  await lab?.dispose();
});

describe('sandboxes used once', () => {
  it('do not each keep their DNS answers: 40 learners who each filled theirs once grow the lab by a bounded amount', async () => {
    const base = `http://127.0.0.1:${lab.httpPort}`;
    const before = await keptMemory();
    for (const learner of klass.learners) {
      const headers = { cookie: learner.cookie, 'content-type': 'application/json' };
      const zone = (await (await fetch(`${base}/api/zones/example.com`, { headers })).json()) as { text: string };
      const saved = await fetch(`${base}/api/zones/example.com`, { method: 'PUT', headers, body: JSON.stringify({ text: `${zone.text}\n*.w IN TXT ${HUGE_TXT}\n` }) });
      expect(saved.status, await saved.clone().text()).toBe(200);
      // 40 made-up names of 60 KB each: the 2 MiB a sandbox's answers may take, filled.
      for (let i = 0; i < 40; i++) {
        const dug = (await (await fetch(`${base}/api/dig?name=n${i}.w.example.com&type=TXT`, { headers })).json()) as { sections?: { answer?: unknown[] } };
        expect(dug.sections?.answer, JSON.stringify(dug).slice(0, 300)).toHaveLength(1);
      }
    }
    const after = await keptMemory();
    const grewMb = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 1048576;
    // Every sandbox's zones and answers kept for good: 99 MB (a 64 KB zone parses to 1.9 MB).
    // Let go beyond the 32 MiB budget: 33 MB.
    expect(grewMb).toBeLessThan(60);
    // A sandbox whose zones were let go answers again, from its files.
    const first = klass.learners[0]!;
    const again = (await (await fetch(`${base}/api/dig?name=again.w.example.com&type=TXT`, { headers: { cookie: first.cookie } })).json()) as { sections?: { answer?: unknown[] } };
    expect(again.sections?.answer).toHaveLength(1);
  }, 300_000);
});

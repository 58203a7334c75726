/**
 * A learner (or a script) checking answers in a loop: after a minute's worth of attempts the lab
 * answers 429 with Retry-After and a reason in both languages, a classmate is not held up, and
 * what is stored stays bounded (the latest attempts and the first pass; the count stays whole).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { DEFAULT_LIMITS } from '../../lab-server/src/limits.js';
import { ATTEMPTS_KEPT } from '../../lab-server/src/store/learners.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

interface Flood {
  statuses: number[];
  refused: { body: { error: { en: string; 'zh-CN': string } }; retryAfter: string | null };
  classmate: number;
  cookie: string;
}

describe('graded attempts in a loop', () => {
  it('answers 429 once a minute holds more than the limit, keeps only the latest and the first pass, and lets a classmate on', async () => {
    const limit = DEFAULT_LIMITS.attemptsPerMinute;
    // http.client, a client nobody here wrote: one learner (its cookie from the first answer)
    // checks dns-mx as fast as it can, its third answer right; then a classmate checks once.
    const r = await python(
      `
import http.client
def post(answer, cookie=None):
    c = http.client.HTTPConnection('127.0.0.1', P['port'], timeout=20)
    headers = {'content-type': 'application/json'}
    if cookie: headers['cookie'] = cookie
    c.request('POST', '/api/exercises/dns-mx/attempts', json.dumps({'answer': answer}), headers)
    resp = c.getresponse()
    body = resp.read()
    return resp, body
wrong = '@ MX 10 192.0.2.1'
right = '$ORIGIN example.com.\\n@ MX 10 mail\\n@ MX 20 mail2'
resp, _ = post(wrong)
cookie = resp.getheader('set-cookie').split(';')[0]
statuses = [resp.status]
refused = None
for i in range(P['limit'] + 40):
    resp, body = post(right if i == 1 else wrong, cookie)
    statuses.append(resp.status)
    if resp.status == 429:
        refused = {'body': json.loads(body), 'retryAfter': resp.getheader('retry-after')}
        break
classmate, _ = post(wrong)
print(json.dumps({'statuses': statuses, 'refused': refused, 'classmate': classmate.status, 'cookie': cookie}))
`,
      { port: lab.httpPort, limit },
      60_000,
    );
    expect(r.stderr).toBe('');
    const flood = JSON.parse(r.stdout) as Flood;
    const graded = flood.statuses.filter((s) => s === 200).length;
    // Never refused within the limit; refused soon after (the estimate may straddle a minute's edge).
    expect(flood.statuses.slice(0, limit)).toEqual(Array(limit).fill(200));
    expect(flood.statuses.at(-1)).toBe(429);
    expect(graded).toBeLessThan(limit + 40);
    expect(Number(flood.refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(flood.refused.retryAfter)).toBeLessThanOrEqual(60);
    expect(flood.refused.body.error.en).toMatch(/faster than anyone works them out\. Wait \d+ seconds?, read the feedback/);
    expect(flood.refused.body.error['zh-CN']).toMatch(/检查答案太频繁了。请等待 \d+ 秒/);
    expect(flood.classmate).toBe(200);

    // The learner's record: every graded attempt counted, the latest kept, and the first pass.
    const me = await fetch(`http://127.0.0.1:${lab.httpPort}/api/progress`, { headers: { cookie: flood.cookie } }).then((res) => res.json());
    expect(me.exercises.find((e: { id: string }) => e.id === 'dns-mx')).toMatchObject({ status: 'passed', attempts: graded });
    const stored = await lab.learners.attempts(me.learner.id, 'dns-mx');
    expect(stored).toHaveLength(ATTEMPTS_KEPT + 1);
    expect(stored[0]).toMatchObject({ passed: true, answer: '$ORIGIN example.com.\n@ MX 10 mail\n@ MX 20 mail2' });
    expect(stored.slice(1).every((a) => !a.passed)).toBe(true);
  }, 60_000);
});

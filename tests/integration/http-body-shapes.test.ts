/**
 * A body the lab cannot read (not JSON, too large) is refused with what that route takes, in
 * zh-CN and en: the join form its code, name and password, the instructor's routes a JSON
 * object, a zone its {"text": ...}, an exercise its {"answer": ...}. Every route used to ask
 * for an answer, as if each were an exercise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClass, type TestClass } from '../helpers/classroom.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
let klass: TestClass;
beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
  klass = await makeClass(lab, ['Body Learner']);
}, 120_000);
afterAll(async () => {
  await lab?.dispose();
});

async function send(method: string, path: string, body: string, cookie?: string): Promise<{ status: number; en: string; zh: string }> {
  const r = await fetch(`http://127.0.0.1:${lab.httpPort}${path}`, { method, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body });
  const json = (await r.json()) as { error: { en: string; 'zh-CN': string } };
  return { status: r.status, en: json.error.en, zh: json.error['zh-CN'] };
}

describe('a body the lab cannot read', () => {
  it('is refused naming what each route takes, never an answer where none is asked', async () => {
    const learner = klass.learners[0]!.cookie;
    const routes: Array<{ method: string; path: string; cookie?: string; names: string; limit: number }> = [
      { method: 'POST', path: '/api/join', names: '{"code", "displayName", "password"}', limit: 4096 },
      { method: 'POST', path: '/api/classes', cookie: klass.instructorCookie, names: 'JSON', limit: 8192 },
      { method: 'PUT', path: '/api/zones/otherdomain.com', cookie: learner, names: '{"text": "..."}', limit: 64 * 1024 },
      { method: 'POST', path: '/api/exercises/dns-mx/attempts', cookie: learner, names: '{"answer": ...}', limit: 64 * 1024 },
    ];
    for (const route of routes) {
      const what = `${route.method} ${route.path}`;
      const broken = await send(route.method, route.path, '{"x": ', route.cookie);
      expect(broken.status, what).toBe(400);
      expect(broken.en, what).toContain('not valid JSON');
      expect(broken.en, what).toContain(route.names);
      expect(broken.zh, what).toContain(route.names);
      const deep = await send(route.method, route.path, '['.repeat(100) + ']'.repeat(100), route.cookie);
      expect(deep.status, what).toBe(400);
      expect(deep.en, what).toContain(route.names);
      const huge = await send(route.method, route.path, JSON.stringify({ x: 'y'.repeat(route.limit) }), route.cookie);
      expect(huge.status, what).toBe(413);
      expect(huge.en, what).toContain(route.names);
      expect(huge.zh, what).toContain(route.names);
      if (!route.names.includes('answer')) {
        expect(`${broken.en} ${deep.en} ${huge.en}`, what).not.toMatch(/answer/i);
        expect(`${broken.zh} ${deep.zh} ${huge.zh}`, what).not.toContain('答案');
      }
    }
  }, 120_000);
});

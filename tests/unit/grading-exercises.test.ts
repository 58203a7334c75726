/**
 * The exercises test themselves: every reference solution must pass, and every known-wrong
 * answer must fail with exactly the warnings and errors its file states. (Protocol exercises
 * need a running lab: tests/integration/exercises-selftest.test.ts plays them for real.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExerciseCatalog, publicExercise, readExercise } from '../../lab-server/src/grading/exercises.js';
import { grade } from '../../lab-server/src/grading/graders.js';
import { LAB_HOSTS, LAB_MTAS } from '../../lab-server/src/world/network.js';

const catalog = await ExerciseCatalog.load();
const offline = catalog.list.filter((e) => e.kind !== 'protocol');

function problems(feedback: Array<{ level: string; code: string }>): string[] {
  return feedback.filter((f) => f.level !== 'ok').map((f) => `${f.level}:${f.code}`).sort();
}

describe('the exercise catalog', () => {
  it('has at least 24 exercises covering all seven chapters, and the fixed core set', () => {
    expect(catalog.list.length).toBeGreaterThanOrEqual(24);
    expect(new Set(catalog.list.map((e) => e.chapter))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
    const core = ['dns-mx', 'dns-spf', 'dns-dkim', 'dns-dmarc', 'dns-ptr', 'dns-zone', 'postfix-virtual', 'postfix-relay', 'dovecot-maildir', 'ports', 'smtp-send', 'pop3-delete', 'imap-flag', 'submission-auth'];
    for (const id of core) expect(catalog.get(id), id).toBeDefined();
    expect(new Set(catalog.list.map((e) => e.kind))).toEqual(new Set(['dns', 'config', 'protocol', 'quiz']));
  });

  it('has every learner-visible text in both languages', () => {
    for (const e of catalog.list) {
      for (const t of [e.title, e.prompt, ...e.hints]) {
        expect(t.en.length, e.id).toBeGreaterThan(0);
        expect(t['zh-CN'].length, e.id).toBeGreaterThan(0);
      }
      // The Chinese prompt is really Chinese, not a copy of the English.
      expect(e.prompt['zh-CN'], e.id).toMatch(/[\u4e00-\u9fff]/);
      expect(e.prompt['zh-CN']).not.toBe(e.prompt.en);
    }
  });

  it("quotes the lab's hosts at the addresses the world gives them, never at private (RFC 1918) ones", () => {
    const addressOf = new Map<string, string>([...LAB_MTAS, ...LAB_HOSTS].map((h) => [h.host, h.address]));
    let quoted = 0;
    for (const e of catalog.list.filter((x) => x.id.startsWith('world-'))) {
      const text = JSON.stringify(e);
      expect(text, e.id).not.toMatch(/\b(?:10\.\d{1,3}|192\.168|172\.(?:1[6-9]|2\d|3[01]))\.\d{1,3}\.\d{1,3}\b/);
      // "mail.otherdomain.com[192.0.2.200]" in log lines, "mail.example.com (192.0.2.100)" in prose.
      for (const [, host, address] of text.matchAll(/([a-z0-9-]+(?:\.[a-z0-9-]+)+)\s*[[(（]\s*(\d{1,3}(?:\.\d{1,3}){3})/g)) {
        expect(address, `${e.id}: ${host}`).toBe(addressOf.get(host!));
        quoted++;
      }
    }
    expect(quoted).toBeGreaterThanOrEqual(8);
  });

  it('never shows the solution, the known-wrong answers or the grader parameters to learners', () => {
    for (const e of catalog.list) {
      const view = JSON.stringify(publicExercise(e));
      expect(view).not.toContain('"solution"');
      expect(view).not.toContain('"wrong"');
      expect(view).not.toContain('"grader"');
      expect(view).not.toContain('PRIVATE KEY');
      if (e.kind === 'quiz') {
        expect(view).not.toContain('"correct"');
        expect(view).not.toContain('"accept"');
      }
    }
  });

  it('refuses exercise files that could not test themselves', async () => {
    const good = { id: 'x-1', chapter: 1, kind: 'quiz', title: { en: 'a', 'zh-CN': '甲' }, prompt: { en: 'a', 'zh-CN': '甲' }, hints: [], grader: { name: 'quiz', params: { questions: [] } }, solution: {}, wrong: [{ answer: {}, feedback: [{ level: 'error', code: 'quiz.q' }] }] };
    expect(readExercise(good, 'x-1.json').id).toBe('x-1');
    expect(() => readExercise({ ...good, wrong: [] }, 'x-1.json')).toThrow(/known-wrong/);
    expect(() => readExercise({ ...good, right: [{ answer: {}, feedback: [{ level: 'error', code: 'e' }] }] }, 'x-1.json')).toThrow(/only list warnings/);
    expect(() => readExercise({ ...good, right: [{}] }, 'x-1.json')).toThrow(/needs an answer/);
    expect(() => readExercise({ ...good, wrong: [{ answer: {}, feedback: [{ level: 'warn', code: 'w' }] }] }, 'x-1.json')).toThrow(/must fail/);
    expect(() => readExercise({ ...good, grader: { name: 'nope', params: {} } }, 'x-1.json')).toThrow(/unknown grader/);
    expect(() => readExercise({ ...good, grader: { name: 'dns-mx', params: {} } }, 'x-1.json')).toThrow(/for dns exercises/);
    expect(() => readExercise(good, 'x-2.json')).toThrow(/named x-1.json/);
    expect(() => readExercise({ ...good, chapter: 8 }, 'x-1.json')).toThrow(/chapter/);
    expect(() => readExercise({ ...good, title: { en: 'only English' } }, 'x-1.json')).toThrow(/zh-CN/);
    const dir = await mkdtemp(join(tmpdir(), 'maillab-ex-'));
    try {
      await writeFile(join(dir, 'broken.json'), '{ not json');
      await expect(ExerciseCatalog.load(dir)).rejects.toThrow(/broken.json: invalid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.each(offline.map((e) => [e.id, e] as const))('exercise %s', (_id, exercise) => {
  it('passes its reference solution', async () => {
    const r = await grade(exercise.grader.name, exercise.grader.params, exercise.solution, {});
    expect(problems(r.feedback).filter((p) => p.startsWith('error')), JSON.stringify(r.feedback.filter((f) => f.level === 'error'))).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.score).toBe(100);
  });

  it.each(exercise.right.map((r, i) => [i, r] as const))('passes right answer %i, written differently, with exactly its stated warnings', async (_i, right) => {
    const r = await grade(exercise.grader.name, exercise.grader.params, right.answer, {});
    expect(problems(r.feedback), JSON.stringify(r.feedback.filter((f) => f.level !== 'ok'))).toEqual(problems(right.feedback ?? []));
    expect(r.passed).toBe(true);
  });

  it.each(exercise.wrong.map((w, i) => [i, w] as const))('fails known-wrong answer %i with exactly its stated feedback', async (_i, wrong) => {
    const r = await grade(exercise.grader.name, exercise.grader.params, wrong.answer, {});
    expect(r.passed).toBe(false);
    expect(problems(r.feedback)).toEqual(problems(wrong.feedback));
    for (const f of r.feedback.filter((x) => x.level !== 'ok')) {
      expect(f.message.en.length).toBeGreaterThan(0);
      expect(f.message['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(f.hint, `${f.code} needs a hint`).toBeDefined();
      expect(f.hint!['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

/**
 * The instructor's views stay small for a phone: one learner's view whatever the learner
 * submitted (every exercise tried again and again with answers as large as the lab takes,
 * 64 KB), and the class's progress matrix gzipped for a client that accepts it.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { defaultWorld } from '../../lab-server/src/world/definition.js';
import { makeClass } from '../helpers/classroom.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
}, 30_000);
afterAll(async () => {
  await lab?.dispose();
});

it('sends the attempts of a learner without their answers: what went wrong, not 35 MB of answers', async () => {
  const instructor = await lab.classroom.addInstructor('wang', await hashPassword('instructor password'));
  const klass = await lab.classroom.createClass('Big answers', instructor.id);
  const token = await lab.classroom.startInstructorSession(instructor.id);
  const sandboxId = `learner-${randomBytes(6).toString('hex')}`;
  await lab.sandboxes.create(sandboxId, defaultWorld());
  const { learner } = await lab.classroom.join(klass.id, { sandboxId, displayName: '李四', passwordHash: await hashPassword('learner password') });
  // Twelve answers of 60 KB to every exercise: the store keeps the latest ten and the first pass.
  const answer = `${'x'.repeat(60_000)}`;
  const exercises = lab.exercises.list.map((e) => e.id);
  for (const exerciseId of exercises) {
    for (let i = 0; i < 12; i++) {
      const feedback = [{ level: 'error' as const, code: 'mx-missing', message: { en: `Attempt ${i}: the MX record is missing.`, 'zh-CN': `第 ${i} 次：缺少 MX 记录。` } }];
      await lab.learners.recordAttempt({ learnerId: learner.id, exerciseId, answer, passed: i === 0, score: i === 0 ? 100 : 0, feedback });
    }
  }
  const response = await fetch(`http://127.0.0.1:${lab.httpPort}/api/classes/${klass.id}/learners/${learner.id}`, { headers: { cookie: `maillab_instructor=${token}` } });
  expect(response.status).toBe(200);
  const raw = await response.text();
  // Ten and the first pass of each exercise, each with its feedback; the answers (the page shows none) stay out.
  const view = JSON.parse(raw) as { attempts: Array<Record<string, unknown>>; attemptCounts: Record<string, number> };
  expect(view.attempts).toHaveLength(exercises.length * 11);
  expect(view.attempts.every((a) => !('answer' in a))).toBe(true);
  expect(view.attempts.find((a) => a.passed)).toMatchObject({ score: 100, feedback: [{ message: { en: 'Attempt 0: the MX record is missing.' } }] });
  expect(Object.values(view.attemptCounts).every((n) => n === 12)).toBe(true);
  expect(raw.length).toBeLessThan(1024 * 1024);
}, 120_000);

it('gzips the progress matrix and its CSV for a client that accepts gzip, and only for such a client', async () => {
  const instructor = await lab.classroom.addInstructor('zhou', await hashPassword('instructor password'));
  const klass = await lab.classroom.createClass('Matrix', instructor.id);
  const token = await lab.classroom.startInstructorSession(instructor.id);
  const passwordHash = await hashPassword('learner password');
  for (let i = 0; i < 40; i++) {
    const { learner } = await lab.classroom.join(klass.id, { sandboxId: `absent-${i}`, displayName: `学生 ${i}`, passwordHash });
    for (const e of lab.exercises.list) await lab.learners.recordAttempt({ learnerId: learner.id, exerciseId: e.id, answer: 'x', passed: i % 2 === 0, score: 0, feedback: [] });
  }
  // The CSV was sent whole (200 learners × 49 exercises: some 600 KB) though the matrix was gzipped since 032c146.
  const got = await python(
    `
import gzip, json, urllib.request
def get(path, encoding):
    url = 'http://127.0.0.1:%d/api/classes/%s/%s' % (P['port'], P['klass'], path)
    req = urllib.request.Request(url, headers={'Cookie': 'maillab_instructor=' + P['token'], 'Accept-Encoding': encoding})
    with urllib.request.urlopen(req) as r:
        return r.headers.get('Content-Encoding'), r.headers.get('Vary'), r.headers.get('Content-Disposition'), r.read()
seen = {}
for path in ['progress', 'progress.csv']:
    zipped = get(path, 'gzip, deflate')
    plain = get(path, 'identity')
    refused = get(path, 'gzip;q=0, identity')
    seen[path] = {'zipped': [zipped[0], zipped[1], len(zipped[3])], 'plain': [plain[0], len(plain[3])], 'refused': refused[0],
                  'disposition': zipped[2], 'same': (gzip.decompress(zipped[3]) if zipped[0] == 'gzip' else zipped[3]) == plain[3], 'text': plain[3].decode('utf-8')}
print(json.dumps(seen))`,
    { port: lab.httpPort, klass: klass.id, token },
  );
  expect(got.stderr).toBe('');
  type Seen = { zipped: [string, string, number]; plain: [string | null, number]; refused: string | null; disposition: string | null; same: boolean; text: string };
  const seen = JSON.parse(got.stdout) as Record<'progress' | 'progress.csv', Seen>;
  expect((JSON.parse(seen.progress.text) as { learners: unknown[] }).learners).toHaveLength(40);
  expect(seen['progress.csv'].text.split('\r\n').filter((l) => l.includes('学生'))).toHaveLength(40);
  expect(seen['progress.csv'].disposition).toMatch(/^attachment; filename="Matrix-progress\.csv"/);
  for (const path of ['progress', 'progress.csv'] as const) {
    expect(seen[path].same).toBe(true);
    expect(seen[path].zipped.slice(0, 2)).toEqual(['gzip', 'accept-encoding']);
    expect(seen[path].plain[0]).toBeNull();
    // "gzip;q=0" says gzip is not acceptable (RFC 9110 §12.5.3).
    expect(seen[path].refused).toBeNull();
    expect(seen[path].zipped[2]).toBeLessThan(seen[path].plain[1] / 5);
  }
}, 60_000);

it('shows a learner whose sandbox is gone with their answers and why, tells the learner too, and "Reset sandbox" makes them a fresh one', async () => {
  const klass = await makeClass(lab, ['王五']);
  const learner = klass.learners[0]!;
  const exerciseId = lab.exercises.list[0]!.id;
  await lab.learners.recordAttempt({ learnerId: learner.id, exerciseId, answer: 'x', passed: false, score: 0, feedback: [] });
  // Removed on the command line (`maillab sandbox delete`): the member and their answers stay.
  await lab.sandboxes.delete(learner.sandboxId);
  const base = `http://127.0.0.1:${lab.httpPort}`;
  const url = `${base}/api/classes/${klass.classId}/learners/${learner.id}`;
  const headers = { cookie: klass.instructorCookie };
  const view = await fetch(url, { headers });
  // Was a 500 (the sandbox was opened unchecked).
  expect(view.status).toBe(200);
  const body = (await view.json()) as { attempts: unknown[]; usage: unknown; transcripts: { sessions: unknown[] }; sandboxMissing: Record<string, string> };
  expect(body.attempts).toHaveLength(1);
  expect(body.usage).toBeNull();
  expect(body.transcripts.sessions).toEqual([]);
  expect(body.sandboxMissing.en).toContain('Reset sandbox');
  expect(body.sandboxMissing['zh-CN']).toContain('重置沙箱');
  const sessions = await fetch(`${url}/transcripts`, { headers });
  expect(sessions.status).toBe(404);
  expect(((await sessions.json()) as { error: Record<string, string> }).error.en).toContain('no sandbox');
  // The learner's own pages say what happened and what to do (were a 500 "Internal error: No sandbox named …").
  for (const path of ['/api/me', '/api/maildir']) {
    const mine = await fetch(`${base}${path}`, { headers: { cookie: learner.cookie } });
    expect(mine.status, path).toBe(410);
    const error = ((await mine.json()) as { error: Record<string, string> }).error;
    expect(error.en).toContain('ask your instructor to press "Reset sandbox"');
    expect(error['zh-CN']).toContain('重置沙箱');
  }
  // Pressed twice at once: one fresh sandbox, its seed mail delivered once.
  const resets = await Promise.all([0, 1].map(() => fetch(`${url}/reset`, { method: 'POST', headers })));
  expect(resets.map((r) => r.status)).toEqual([200, 200]);
  const fresh = await lab.sandboxes.get(learner.sandboxId);
  const inbox = join(fresh.vhostsDir, 'example.com', 'bob');
  const files = [...(await readdir(join(inbox, 'new'))), ...(await readdir(join(inbox, 'cur')))];
  expect(files).toHaveLength(3);
  // A world of its own, as at a join: not the demo passwords.
  expect(fresh.demoPasswords).toBe(false);
  const again = (await (await fetch(url, { headers })).json()) as { usage: { messages: number }; sandboxMissing?: unknown };
  expect(again.usage.messages).toBeGreaterThan(0);
  expect(again.sandboxMissing).toBeUndefined();
  expect((await fetch(`${base}/api/me`, { headers: { cookie: learner.cookie } })).status).toBe(200);
}, 60_000);

/**
 * The classroom pages on a phone, in real Chromium, as they really look: the join page, the
 * instructor's dashboard with a class, assignments and learners, and a logged-in learner's lab,
 * at 360×740 and 390×844 in both languages. Nothing is wider than the screen, every terminal
 * shows at least 40 columns, and the dashboard's table keeps the learners' names in view.
 */
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { siteUnderTest } from '../helpers/browser.js';
import { run } from '../helpers/clients.js';
import { inLanes } from '../helpers/lanes.js';
import { PHONES, measure, problems } from '../helpers/phoneFit.js';

const classroom = siteUnderTest({ mode: 'classroom' }, async (lab) => {
  const added = await run('node', ['bin/maillab.mjs', 'instructor', 'add', 'Teacher Zhou', '--data', lab.dataDir], 'a long password\n');
  expect(added.code).toBe(0);
});

describe('the classroom on a phone', () => {
  it('fits the classroom pages: join, the instructor dashboard with learners, a learner\'s lab', async () => {
    // A class with two assignments and two learners who have done some of the work.
    const teacher = await classroom.browser.newContext();
    const api = teacher.request;
    expect((await api.post(classroom.url('/api/instructor/login'), { data: { name: 'Teacher Zhou', password: 'a long password' } })).status()).toBe(200);
    // A class named with one long word: its button in the list once widened the page to 935 px.
    expect((await api.post(classroom.url('/api/classes'), { data: { name: `MailLabSpring2026${'X'.repeat(60)}` } })).status()).toBe(201);
    const klass = (await (await api.post(classroom.url('/api/classes'), { data: { name: '邮件系统 101' } })).json()) as { class: { id: string; joinCode: string } };
    for (const [id, days] of [['smtp-send', 7], ['ports', -1]] as const) {
      const dueAt = new Date(Date.now() + days * 86_400_000).toISOString();
      expect((await api.put(classroom.url(`/api/classes/${klass.class.id}/assignments/${id}`), { data: { dueAt } })).status()).toBe(200);
    }
    const learnerContexts: BrowserContext[] = [];
    for (const name of ['王小明', 'Ana Lucía Fernández-Oyarzábal']) {
      const context = await classroom.browser.newContext();
      const joined = await context.request.post(classroom.url('/api/join'), { data: { code: klass.class.joinCode, displayName: name, password: 'my own password' } });
      expect(joined.status()).toBe(201);
      await context.request.post(classroom.url('/api/exercises/ports/attempts'), { data: { answer: {} } });
      learnerContexts.push(context);
    }

    const visits = PHONES.flatMap((size) =>
      (['', '/en'] as const).flatMap((lang) =>
        [
          [undefined, `${lang}/join/?code=${klass.class.joinCode}`],
          [undefined, `${lang}/lab/`],
          [teacher, `${lang}/instructor/`],
          [learnerContexts[1], `${lang}/lab/?service=smtp`],
        ].map(([owner, path]) => ({ size, owner: owner as BrowserContext | undefined, path: path as string })),
      ),
    );
    // Three at a time (each in its own tab; the teacher's and the learner's share their login).
    const fits = await inLanes(visits, 3, async ({ size, owner, path }) => {
      const context = owner ?? (await classroom.browser.newContext());
      const page = await context.newPage();
      await page.setViewportSize(size);
      await page.goto(classroom.url(path));
      await page.waitForLoadState('networkidle');
      if (path.includes('/instructor/')) {
        await page.locator('[data-learner]').first().waitFor();
        // With every exercise shown and scrolled sideways, the table keeps the learners' names in view.
        await page.locator('.matrix-controls select').selectOption('all');
        const name = page.locator('tr[data-learner] th.learner').first();
        const before = (await name.boundingBox())!.x;
        await page.locator('.scroll:has(table.matrix)').evaluate((box) => box.scrollBy(300, 0));
        await expect.poll(async () => Math.round((await name.boundingBox())!.x)).toBe(Math.round(before));
        expect(await page.locator('.scroll:has(table.matrix)').evaluate((box) => box.scrollLeft)).toBeGreaterThan(0);
      }
      if (path.includes('service=')) await page.locator('section.terminal[data-state="open"][data-cols]').waitFor({ timeout: 15_000 });
      const fit = await measure(page, path, size.width);
      await page.close();
      if (!owner) await context.close();
      return fit;
    });
    expect(fits).toHaveLength(16);
    expect(problems(fits)).toEqual([]);
    await teacher.close();
    for (const c of learnerContexts) await c.close();
  }, 180_000);
});

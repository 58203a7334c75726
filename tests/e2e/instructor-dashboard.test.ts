/**
 * The instructor's dashboard in real Chromium when answers come late (a big class, a slow
 * network): a class's matrix that arrives after another class was opened is not shown under
 * the other class's name, nor a learner's view that arrives after another learner was opened.
 * And the progress CSV downloads under the class's own name.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { defaultWorld } from '../../lab-server/src/world/definition.js';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';

const site = siteUnderTest({ mode: 'classroom' });

/**
 * The dashboard at phone width, the instructor logged in with `token`. With `clock`, the page's
 * timers run on Playwright's clock: time flows as usual, and the test can jump to its next refresh.
 */
async function dashboardOnPhone(token: string, clock = false): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await site.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await context.addCookies([{ name: 'maillab_instructor', value: token, url: site.url('/') }]);
  const page = await context.newPage();
  const errors = watchErrors(page);
  if (clock) await page.clock.install();
  await page.goto(site.url('/en/instructor/'));
  return { context, page, errors };
}

/** Holds the answers to requests matching `url` until the returned function is called. */
async function holdAnswers(page: Page, url: string): Promise<() => void> {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(url, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

it('shows the class that is open, not the matrix of one opened before it that came late', async () => {
  const lab = site.lab;
  const instructor = await lab.classroom.addInstructor('Teacher Qian', await hashPassword('a long password'));
  const a = await lab.classroom.createClass('Class A', instructor.id);
  const b = await lab.classroom.createClass('Class B', instructor.id);
  const hash = await hashPassword('learner password');
  await lab.classroom.join(a.id, { sandboxId: 'absent-a', displayName: 'Learner of A', passwordHash: hash });
  await lab.classroom.join(b.id, { sandboxId: 'absent-b', displayName: 'Learner of B', passwordHash: hash });
  const token = await lab.classroom.startInstructorSession(instructor.id);
  const { context, page, errors } = await dashboardOnPhone(token);
  await page.getByRole('button', { name: 'Class A' }).click();
  await page.locator('tr[data-learner="Learner of A"]').waitFor();
  // Class A's next matrix is held on its way; meanwhile the instructor opens class B.
  const release = await holdAnswers(page, `**/api/classes/${a.id}/progress`);
  await page.getByRole('button', { name: 'Class A' }).click();
  await page.getByRole('button', { name: 'Class B' }).click();
  await page.locator('tr[data-learner="Learner of B"]').waitFor();
  const late = page.waitForResponse(`**/api/classes/${a.id}/progress`);
  release();
  await late;
  // Give the page the turns it needs to use the late answer (it must drop it).
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
  await expect(page.locator('tr[data-learner]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-learner')))).resolves.toEqual(['Learner of B']);
  expect(errors).toEqual([]);
  await context.close();
}, 60_000);

it('shows the learner last opened, not one opened before whose view came late', async () => {
  const lab = site.lab;
  const instructor = await lab.classroom.addInstructor('Teacher Bai', await hashPassword('a long password'));
  const klass = await lab.classroom.createClass('Class C', instructor.id);
  const hash = await hashPassword('learner password');
  const ids: string[] = [];
  for (const name of ['First learner', 'Second learner']) {
    await lab.sandboxes.create(`sandbox-${ids.length}`, defaultWorld());
    ids.push((await lab.classroom.join(klass.id, { sandboxId: `sandbox-${ids.length}`, displayName: name, passwordHash: hash })).learner.id);
  }
  const token = await lab.classroom.startInstructorSession(instructor.id);
  const { context, page, errors } = await dashboardOnPhone(token);
  await page.getByRole('button', { name: 'Class C' }).click();
  const release = await holdAnswers(page, `**/api/classes/${klass.id}/learners/${ids[0]}`);
  await page.getByRole('button', { name: 'First learner' }).click();
  await page.getByRole('button', { name: 'Second learner' }).click();
  await page.locator('section.detail h3').filter({ hasText: 'Second learner' }).waitFor();
  const late = page.waitForResponse(`**/api/classes/${klass.id}/learners/${ids[0]}`);
  release();
  await late;
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
  await expect(page.locator('section.detail h3').allInnerTexts()).resolves.toEqual(['Second learner']);
  // Resetting the sandbox says it was done (the page once stayed as it was).
  page.once('dialog', (dialog) => void dialog.accept());
  await page.locator('section.detail').getByRole('button', { name: 'Reset sandbox' }).click();
  await page.locator('[data-reset-done]').waitFor({ timeout: 15_000 });
  await expect(page.locator('[data-reset-done]').innerText()).resolves.toBe("Second learner's sandbox is reset: their mail, DNS zones and queue are back to the starting state.");
  expect(errors).toEqual([]);
  await context.close();
}, 60_000);

it('downloads the progress CSV under the class\'s own name, whatever characters it holds', async () => {
  // encodeURIComponent leaves ' ( ) * in the filename* parameter, which RFC 8187 does not allow:
  // Chromium then fell back to the ASCII filename and "王老师's 邮件课 (A)" came down as "-s-A--progress.csv".
  const lab = site.lab;
  const instructor = await lab.classroom.addInstructor('Teacher Zhao', await hashPassword('a long password'));
  const token = await lab.classroom.startInstructorSession(instructor.id);
  const context = await site.browser.newContext({ acceptDownloads: true });
  await context.addCookies([{ name: 'maillab_instructor', value: token, url: site.url('/') }]);
  const page = await context.newPage();
  await page.goto(site.url('/en/'));
  const names: string[] = [];
  for (const name of ["王老师's 邮件课 (A)", 'Mail *101*']) {
    const klass = await lab.classroom.createClass(name, instructor.id);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.evaluate((href) => {
        const a = Object.assign(document.createElement('a'), { href, download: '' });
        document.body.append(a);
        a.click();
        a.remove();
      }, `/api/classes/${klass.id}/progress.csv`),
    ]);
    names.push(download.suggestedFilename());
  }
  expect(names).toEqual(["王老师's 邮件课 (A)-progress.csv", 'Mail _101_-progress.csv']);
  await context.close();
}, 60_000);

/** Controls on the page a finger would tap that are under 44×44 CSS px (links inside sentences are exempt, as in WCAG 2.5.8). */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('header a, header button, header input, main button, main select, main summary, main input:not([type=checkbox]):not([type=radio]), main .control-link')]
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0 && (r.width < 43.5 || r.height < 43.5))
      .map(({ e, r }) => `${e.tagName.toLowerCase()} "${(e.textContent ?? '').trim().slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}`),
  );
}

it('on a touch phone, a class of 40: every control takes a finger, and learners come as a class list is read', async () => {
  const lab = site.lab;
  const instructor = await lab.classroom.addInstructor('Teacher Wu', await hashPassword('a long password'));
  const klass = await lab.classroom.createClass('Class of 40', instructor.id);
  const hash = await hashPassword('learner password');
  // Joined in an order of their own; the names hold numbers, as class lists do.
  for (const n of Array.from({ length: 40 }, (_, i) => ((i * 17) % 40) + 1)) {
    await lab.classroom.join(klass.id, { sandboxId: `absent-${n}`, displayName: `Student ${n}`, passwordHash: hash });
  }
  // And three with Chinese names, on the English page: listed by pinyin as in the CSV (the page once re-sorted them in English, by code point).
  for (const [i, displayName] of ['王芳', '张伟', '安娜'].entries()) await lab.classroom.join(klass.id, { sandboxId: `absent-zh-${i}`, displayName, passwordHash: hash });
  const classList = ['安娜', '王芳', '张伟', ...Array.from({ length: 40 }, (_, i) => `Student ${i + 1}`)];
  const token = await lab.classroom.startInstructorSession(instructor.id);
  const { context, page, errors } = await dashboardOnPhone(token);
  await page.getByRole('button', { name: 'Class of 40' }).click();
  await page.locator('tr[data-learner="Student 40"]').waitFor();
  // Student 2 comes before Student 10 (the database's order put 10…19 between 1 and 2).
  await expect(page.locator('tr[data-learner]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-learner')))).resolves.toEqual(classList);
  // The CSV in the same order (review 12: it kept the database's).
  const csv = await (await context.request.get(site.url(`/api/classes/${klass.id}/progress.csv`))).text();
  expect(csv.split('\r\n').slice(1, 1 + classList.length).map((row) => row.split(',')[0])).toEqual(classList.map((n) => `"${n}"`));
  await expect(smallTargets(page)).resolves.toEqual([]);
  // A learner tapped at the top of the table: their view, which comes below the whole table, is brought on screen with the focus.
  await page.getByRole('button', { name: '安娜', exact: true }).tap();
  const heading = page.locator('section.detail h3');
  await heading.waitFor();
  await expect.poll(async () => { const box = (await heading.boundingBox())!; return box.y >= 0 && box.y + box.height <= 844; }).toBe(true);
  expect(await heading.evaluate((h) => h === document.activeElement)).toBe(true);
  for (const path of ['/join/', '/en/lab/', '/exercises/smtp-send/', '/en/lessons/architecture/', '/world/']) {
    await page.goto(site.url(path));
    await page.waitForLoadState('networkidle');
    await expect(smallTargets(page), path).resolves.toEqual([]);
  }
  expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
  await context.close();
}, 90_000);

it('says when its figures are old (the lab not answering), and asks for a login when the instructor\'s has ended', async () => {
  const lab = site.lab;
  const instructor = await lab.classroom.addInstructor('Teacher Zheng', await hashPassword('a long password'));
  const klass = await lab.classroom.createClass('Class Z', instructor.id);
  await lab.classroom.join(klass.id, { sandboxId: 'absent-z', displayName: 'Learner Z', passwordHash: await hashPassword('learner password') });
  const token = await lab.classroom.startInstructorSession(instructor.id);
  const { context, page, errors } = await dashboardOnPhone(token, true);
  await page.getByRole('button', { name: 'Class Z' }).click();
  await page.locator('tr[data-learner="Learner Z"]').waitFor();
  // Each step waits for the page's next refresh, every 10 s: the clock jumps there rather than
  // the test waiting 3 × 10 s (the interval is the page's own; the note below names it).
  const nextRefresh = (): Promise<void> => page.clock.fastForward(10_000);
  // The lab goes quiet (stopped, restarting, the network gone): the next refresh fails.
  await page.route('**/api/classes**', (route) => route.abort('connectionrefused'));
  const stale = page.locator('[data-stale]');
  await nextRefresh();
  await stale.waitFor({ timeout: 30_000 });
  expect(await stale.innerText()).toMatch(/^Could not refresh: the lab server has not answered since .+ The page tries again every 10 seconds/);
  await expect(page.locator('tr[data-learner="Learner Z"]').count()).resolves.toBe(1);
  // It answers again: the note goes.
  await page.unroute('**/api/classes**');
  await nextRefresh();
  await stale.waitFor({ state: 'detached', timeout: 30_000 });
  // The login ends elsewhere (another tab logged out): the next refresh brings the login form, and says why.
  expect((await context.request.post(site.url('/api/instructor/logout'))).status()).toBeLessThan(300);
  await nextRefresh();
  await page.getByRole('alert').filter({ hasText: 'Your instructor login has ended' }).waitFor({ timeout: 30_000 });
  await expect(page.locator('input[name="password"]').count()).resolves.toBe(1);
  expect(errors.filter((e) => !/401|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
  await context.close();
}, 90_000);

it('takes a class name of 80 emoji, as the lab does: the field counted UTF-16 units and stopped at 40', async () => {
  const lab = site.lab;
  const instructor = await lab.classroom.addInstructor('Teacher Lu', await hashPassword('a long password'));
  const token = await lab.classroom.startInstructorSession(instructor.id);
  const { context, page, errors } = await dashboardOnPhone(token);
  const name = '🙂'.repeat(80);
  const field = page.locator('input[name="className"]');
  await field.fill(name);
  expect(await field.inputValue()).toBe(name);
  await field.press('Enter');
  await page.getByRole('button', { name }).waitFor();
  expect((await lab.classroom.classesOf(instructor.id)).map((c) => c.name)).toEqual([name]);
  expect(errors).toEqual([]);
  await context.close();
});

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

/** The dashboard at phone width, the instructor logged in with `token`. */
async function dashboardOnPhone(token: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await site.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await context.addCookies([{ name: 'maillab_instructor', value: token, url: site.url('/') }]);
  const page = await context.newPage();
  const errors = watchErrors(page);
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
  const instructor = await lab.classroom.addInstructor('Teacher Sun', await hashPassword('a long password'));
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

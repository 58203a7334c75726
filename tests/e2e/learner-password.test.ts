/**
 * A learner forgot their password, in real Chromium: the instructor sets a new one from the
 * learner's view on the dashboard (a tablet), the learner's open terminal closes saying why,
 * their old password is refused with where to get a new one, and the new one brings them back
 * to their own lab, the same mailbox logins and progress as before.
 */
import { expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';

const site = siteUnderTest({ mode: 'classroom' });

it('an instructor sets a new password; the learner is told, logs in with it, and finds their lab as it was', async () => {
  const lab = site.lab;
  const instructor = await lab.classroom.addInstructor('Teacher Sun', await hashPassword('a long password'));
  const klass = await lab.classroom.createClass('Mail 201', instructor.id);
  const joined = await fetch(site.url('/api/join'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: klass.joinCode, displayName: 'Lin', password: 'the old password' }) });
  expect(joined.status).toBe(201);
  const mailboxes = ((await joined.json()) as { mailboxes: Array<{ address: string; password: string }> }).mailboxes;
  const learnerToken = /maillab_learner=([^;]+)/.exec(joined.headers.get('set-cookie') ?? '')![1]!;
  const learnerId = (await lab.classroom.members(klass.id))[0]!.learnerId;
  await lab.learners.recordAttempt({ learnerId, exerciseId: 'ports', answer: null, passed: true, score: 100, feedback: [] });

  // The learner has a terminal open on the lab page.
  const learner = await site.browser.newContext();
  await learner.addCookies([{ name: 'maillab_learner', value: learnerToken, url: site.url('/') }]);
  const lPage = await learner.newPage();
  const learnerErrors = watchErrors(lPage, /\b401\b/);
  await lPage.goto(site.url('/en/lab/?service=smtp'));
  await expect.poll(() => lPage.locator('section.terminal .xterm-rows').innerText(), { timeout: 20_000 }).toMatch(/220 /);

  // The instructor, on a tablet, opens the learner and has the lab make up a password.
  const teacher = await site.browser.newContext({ viewport: { width: 820, height: 1180 }, hasTouch: true });
  await teacher.addCookies([{ name: 'maillab_instructor', value: await lab.classroom.startInstructorSession(instructor.id), url: site.url('/') }]);
  const tPage = await teacher.newPage();
  const teacherErrors = watchErrors(tPage);
  await tPage.goto(site.url('/en/instructor/'));
  await tPage.getByRole('button', { name: 'Mail 201' }).click();
  await tPage.getByRole('button', { name: 'Lin', exact: true }).click();
  const detail = tPage.locator('section.detail');
  await detail.getByText(/For a learner who forgot theirs: their open sessions and terminals end at once; their sandbox and progress stay/).waitFor();
  await detail.getByRole('button', { name: 'Set password' }).click();
  const shown = detail.locator('[data-new-password]');
  await shown.waitFor({ timeout: 15_000 });
  expect(await shown.innerText()).toMatch(/^Lin's new password is below \(shown only this once\)\. Give it to them: they log in on \/join\/ with the join code, their name and this password\. [a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
  const password = (await shown.locator('code').innerText()).trim();
  // The audit log on the page says it, in words.
  await tPage.getByRole('button', { name: 'Audit log' }).click();
  await tPage.getByRole('region', { name: 'Audit log' }).getByText(/ · Set a new password for Lin$/).waitFor();

  // The learner's terminal closed, saying why and what to do, in the page's language.
  await expect.poll(() => lPage.locator('section.terminal .xterm-rows').innerText(), { timeout: 15_000 }).toMatch(/your instructor set you a new password\. Log in again on \/join\/ with it/);
  // The old password: refused, saying where a new one comes from.
  await lPage.goto(site.url(`/en/join/?code=${klass.joinCode}`));
  await lPage.getByRole('tab', { name: 'Log in again' }).click();
  await expect(lPage.getByText('Forgot your password? Ask your instructor for a new one: your progress is kept.').count()).resolves.toBe(1);
  await expect.poll(() => lPage.getByLabel('Join code').inputValue()).toBe(klass.joinCode);
  await lPage.getByLabel('Display name').fill('Lin');
  await lPage.getByLabel(/^Password/).fill('the old password');
  await lPage.getByRole('button', { name: 'Log in', exact: true }).click();
  await expect.poll(() => lPage.getByRole('alert').innerText()).toMatch(/If you forgot your password, ask your instructor for a new one: they set it on their page, and your lab and progress stay as they are\./);
  // The new one: back in the same lab, the same mailbox logins, the exercise still passed.
  await lPage.getByLabel(/^Password/).fill(password);
  await lPage.getByRole('button', { name: 'Log in', exact: true }).click();
  await lPage.waitForURL(site.url('/en/lab/'));
  const me = (await (await learner.request.get(site.url('/api/me'))).json()) as { learner: { displayName: string }; mailboxes: Array<{ address: string; password: string }> };
  expect(me.learner.displayName).toBe('Lin');
  expect(me.mailboxes).toEqual(mailboxes);
  expect((await lab.learners.progress(learnerId)).map((p) => [p.exerciseId, p.passed])).toEqual([['ports', true]]);
  expect(learnerErrors).toEqual([]);
  expect(teacherErrors).toEqual([]);
  await learner.close();
  await teacher.close();
}, 120_000);

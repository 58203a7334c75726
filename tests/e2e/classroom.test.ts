/**
 * Classroom mode in real Chromium: an instructor logs in and creates a class on the
 * dashboard; a learner joins with the code in another browser, sees their own mailbox
 * logins, sends mail in a terminal and passes an exercise; the dashboard shows the pass.
 */
import { describe, expect, it } from 'vitest';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';
import { run } from '../helpers/clients.js';

const site = siteUnderTest({ mode: 'classroom' }, async (lab) => {
  const added = await run('node', ['bin/maillab.mjs', 'instructor', 'add', 'Teacher Zhou', '--data', lab.dataDir], 'a long password\n');
  expect(added.code).toBe(0);
});

describe('classroom in the browser', () => {
  it('a learner joins with the code, works in their own lab, and the dashboard shows the pass', async () => {
    const base = site.url('');
    const teacher = await site.browser.newContext();
    const tPage = await teacher.newPage();
    const teacherErrors = watchErrors(tPage);
    await tPage.goto(`${base}/en/instructor/`);
    await tPage.getByLabel('Name').fill('Teacher Zhou');
    await tPage.getByLabel('Password').fill('a long password');
    await tPage.getByRole('button', { name: 'Log in' }).click();
    await tPage.getByLabel('Class name').fill('Mail 101');
    await tPage.getByRole('button', { name: 'New class' }).click();
    const code = (await tPage.locator('[data-join-code]').first().innerText()).trim();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await expect.poll(() => tPage.getByText('No learners yet').count()).toBe(1);

    const learner = await site.browser.newContext();
    const lPage = await learner.newPage();
    const learnerErrors = watchErrors(lPage);
    // Without a login the lab page says how to get in.
    await lPage.goto(`${base}/lab/`);
    await expect.poll(() => lPage.getByRole('alert').first().innerText()).toContain('请先加入班级或登录');
    await lPage.goto(`${base}/join/?code=${code}`);
    // The code in the join link is filled in once the form has hydrated.
    await expect.poll(() => lPage.getByLabel('加入码').inputValue()).toBe(code);
    await lPage.getByLabel('显示名称').fill('王小明');
    await lPage.getByLabel(/密码/).fill('my own password');
    await lPage.getByRole('button', { name: '加入', exact: true }).click();
    await lPage.waitForURL(`${base}/lab/`);
    await lPage.getByText('你的邮箱账号').click();
    const password = (await lPage.locator('tbody tr', { hasText: 'bob@example.com' }).locator('code').innerText()).trim();
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);

    // The smtp-send exercise, done for real in the lab page's terminal.
    await lPage.getByRole('button', { name: '打开终端: smtp', exact: true }).click();
    const terminal = lPage.locator('.terminal[data-service="smtp"]');
    await terminal.and(lPage.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    await terminal.locator('.screen').click();
    for (const line of ['HELO browser.test', 'MAIL FROM:<alice@example.com>', 'RCPT TO:<bob@example.com>', 'DATA', 'Subject: Hello from the lab', '', 'hi bob', '.', 'QUIT']) {
      await lPage.keyboard.type(line);
      await lPage.keyboard.press('Enter');
    }
    await expect.poll(() => terminal.locator('.xterm-rows').innerText(), { timeout: 10_000 }).toMatch(/221 /);
    await terminal.and(lPage.locator('[data-state="closed"]')).waitFor();
    const graded = await lPage.evaluate(async () => {
      const r = await fetch('/api/exercises/smtp-send/attempts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return (await r.json()) as { passed: boolean };
    });
    expect(graded.passed).toBe(true);

    await tPage.getByRole('button', { name: 'Refresh' }).click();
    const cell = tPage.locator('tr[data-learner="王小明"] td[data-exercise="smtp-send"]');
    await expect.poll(() => cell.getAttribute('data-status')).toBe('passed');
    await tPage.getByRole('button', { name: '王小明' }).click();
    await expect.poll(() => tPage.locator('.detail').innerText()).toContain('smtp-send');
    expect(teacherErrors).toEqual([]);
    expect(learnerErrors).toEqual([]);
  }, 120_000);
});

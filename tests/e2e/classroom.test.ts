/**
 * Classroom mode in real Chromium: an instructor logs in, creates a class and assigns two
 * exercises (one already past its due date); a learner joins with the code in another
 * browser, sees their mailbox logins and the assignments (the late one marked), opens the
 * assigned exercise and passes it in its terminal; the dashboard, which leads with the
 * assignments by title, shows the join and the pass without a reload.
 */
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';

// Added as `maillab instructor add` adds one (tests/integration/classroom.test.ts runs that command).
const site = siteUnderTest({ mode: 'classroom' }, async (lab) => {
  await lab.classroom.addInstructor('Teacher Zhou', await hashPassword('a long password'));
});

describe('classroom in the browser', () => {
  it('a learner joins, does the assigned exercise, and the dashboard shows it live', async () => {
    const base = site.url('');
    const teacher = await site.browser.newContext();
    const tPage = await teacher.newPage();
    const teacherErrors = watchErrors(tPage);
    // The dashboard refreshes every 10 s; on Playwright's clock the test jumps to the next refresh instead of waiting for it.
    await tPage.clock.install();
    const nextRefresh = (): Promise<void> => tPage.clock.fastForward(10_000);
    await tPage.goto(`${base}/en/instructor/`);
    await tPage.getByLabel('Name').fill('Teacher Zhou');
    await tPage.getByLabel('Password').fill('a long password');
    await tPage.getByRole('button', { name: 'Log in' }).click();
    await tPage.getByLabel('Class name').fill('Mail 101');
    await tPage.getByRole('button', { name: 'New class' }).click();
    const code = (await tPage.locator('[data-join-code]').first().innerText()).trim();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await expect.poll(() => tPage.getByText('No learners yet').count()).toBe(1);
    // Two assignments: smtp-send due in two days, ports due yesterday.
    const local = (days: number): string => {
      const d = new Date(Date.now() + days * 86_400_000);
      return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    };
    for (const [id, days] of [['smtp-send', 2], ['ports', -1]] as const) {
      await tPage.getByLabel('Exercise').selectOption(id);
      await tPage.getByLabel('Due').fill(local(days));
      await tPage.getByRole('button', { name: 'Assign' }).click();
      await tPage.locator(`ul.assigned li[data-exercise="${id}"]`).waitFor();
    }
    await expect(tPage.locator('ul.assigned li[data-exercise="ports"]').innerText()).resolves.toMatch(/^The seven mail ports · due [\s\S]* · overdue/);
    await expect(tPage.locator('ul.assigned li[data-exercise="smtp-send"][data-overdue]').count()).resolves.toBe(0);

    const learner = await site.browser.newContext();
    const lPage = await learner.newPage();
    // Until the learner joins, the API's 401s are expected; any other console error is not.
    const learnerErrors: string[] = [];
    lPage.on('pageerror', (e) => learnerErrors.push(String(e)));
    lPage.on('console', (m) => {
      if (m.type() === 'error' && !/\b401\b/.test(m.text())) learnerErrors.push(m.text());
    });
    // Without a login the lab page says how to get in, and offers no terminal.
    await lPage.goto(`${base}/lab/`);
    await expect.poll(() => lPage.getByRole('alert').first().innerText()).toContain('请先加入班级或登录');
    await expect(lPage.locator('button[data-open-service="smtp"]').isDisabled()).resolves.toBe(true);
    await lPage.goto(`${base}/lab/?service=smtp`);
    await expect.poll(() => lPage.getByRole('alert').first().innerText()).toContain('请先加入班级或登录');
    await expect(lPage.locator('section.terminal').count()).resolves.toBe(0);
    // Nor does a lesson's "Try it": the dock says how to join instead of showing a dead terminal.
    await lPage.goto(`${base}/lessons/architecture/`);
    await lPage.locator('.try-it').first().getByRole('button').click();
    await expect.poll(() => lPage.locator('.dock [role="alert"]').innerText()).toContain('请先加入班级或登录');
    await expect(lPage.locator('section.terminal').count()).resolves.toBe(0);
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
    // The assignments, soonest due first, in Chinese; the one past its date is marked.
    const items = lPage.locator('.assignments li');
    await expect(items.allInnerTexts()).resolves.toEqual([expect.stringMatching(/^七个邮件端口 · 截止 .* · 未通过 · 已过截止时间$/), expect.stringMatching(/^亲手用 SMTP 发一封信 · 截止 .* · 未通过$/)]);

    // The instructor sees the join without reloading.
    await nextRefresh();
    await expect.poll(() => tPage.locator('[data-learner-count]').first().innerText(), { timeout: 15_000 }).toBe('1 learner');
    const row = tPage.locator('tr[data-learner="王小明"]');
    await row.waitFor({ timeout: 15_000 });
    // Assigned exercises lead, by due date, titled; "—" where nothing was tried yet.
    await expect(tPage.locator('.matrix thead th[data-exercise]').evaluateAll((ths) => ths.slice(0, 2).map((th) => th.getAttribute('data-exercise')))).resolves.toEqual(['ports', 'smtp-send']);
    await expect(tPage.locator('.matrix thead th[data-exercise="smtp-send"] .title').innerText()).resolves.toBe('Send a message by hand over SMTP');
    await expect(row.locator('td[data-exercise="ports"]').innerText()).resolves.toMatch(/^—\s*overdue$/);
    await expect(tPage.locator('tr.rate td[data-exercise="ports"]').innerText()).resolves.toBe('—');

    // The learner opens the assignment and does it in the exercise's own terminal.
    await items.nth(1).getByRole('link').click();
    await lPage.waitForURL(`${base}/exercises/smtp-send/`);
    await lPage.getByRole('button', { name: /打开终端：smtp/ }).click();
    const terminal = lPage.locator('section.terminal[data-service="smtp"]');
    await terminal.and(lPage.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    // The AUTH helper starts from this learner's own generated login, never the demo password.
    await terminal.getByRole('button', { name: 'AUTH 助手' }).click();
    const helperPassword = terminal.locator('.helper input').nth(1);
    await expect.poll(() => helperPassword.inputValue()).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    await expect(terminal.locator('.helper').innerText()).resolves.not.toContain('secret');
    await terminal.getByRole('button', { name: 'AUTH 助手' }).click();
    await terminal.locator('.screen').click();
    for (const line of ['HELO browser.test', 'MAIL FROM:<alice@example.com>', 'RCPT TO:<bob@example.com>', 'DATA', 'Subject: Hello from the lab', '', 'hi bob', '.', 'QUIT']) {
      await lPage.keyboard.type(line);
      await lPage.keyboard.press('Enter');
    }
    await terminal.and(lPage.locator('[data-state="closed"]')).waitFor({ timeout: 10_000 });
    await lPage.getByRole('button', { name: '检查', exact: true }).click();
    await expect.poll(() => lPage.locator('.result').getAttribute('data-passed')).toBe('true');

    // The dashboard follows on its own; the learner's detail names the exercise by title.
    await nextRefresh();
    const cell = row.locator('td[data-exercise="smtp-send"]');
    await expect.poll(() => cell.getAttribute('data-status'), { timeout: 15_000 }).toBe('passed');
    await expect(tPage.locator('tr.rate td[data-exercise="smtp-send"]').innerText()).resolves.toBe('100%');
    await tPage.getByRole('button', { name: '王小明' }).click();
    await expect.poll(() => tPage.locator('.detail').innerText()).toContain('Send a message by hand over SMTP · passed');
    // And the learner's disk usage against the quota, the message just sent counted.
    await expect(tPage.locator('.detail').innerText()).resolves.toMatch(/[\d.]+ [KM]B of 64(\.0)? MB; [1-9]\d* of at most 10000 messages/);

    // The Chinese dashboard: titles in Chinese, no exercise ids.
    await tPage.goto(`${base}/instructor/`);
    await tPage.locator('tr[data-learner="王小明"]').waitFor();
    const heads = await tPage.locator('.matrix thead').innerText();
    expect(heads).toContain('亲手用 SMTP 发一封信');
    expect(heads).not.toMatch(/smtp-send|ports\b|Send a message/);

    // The instructor removes the learner while a terminal of theirs is open: it says so, and how to come back (it said "you were logged out").
    await lPage.goto(`${base}/lab/?service=pop3`);
    await lPage.locator('section.terminal[data-state="open"]').waitFor({ timeout: 15_000 });
    await tPage.getByRole('button', { name: '王小明' }).click();
    tPage.once('dialog', (dialog) => void dialog.accept());
    await tPage.locator('.detail').getByRole('button', { name: '移出班级' }).click();
    await tPage.locator('tr[data-learner="王小明"]').waitFor({ state: 'detached' });
    await expect.poll(() => lPage.locator('section.terminal .screen').innerText(), { timeout: 15_000 }).toContain('老师已把你移出班级');
    expect(teacherErrors).toEqual([]);
    expect(learnerErrors).toEqual([]);
  }, 120_000);

  it('tells a visitor who opens the Maildir beside a lesson to log in or join, in both languages', async () => {
    // It said "Could not read the mailbox directories. Is the lab server running?" (the lab had
    // answered 401), and the lab's own words were "open the lab page first", which gives no sandbox here.
    const page = await site.browser.newPage();
    for (const [path, words] of [
      ['/en/lessons/architecture/', 'Log in or join your class first (on the /join/ page).'],
      ['/lessons/architecture/', '请先登录或加入班级（在 /join/ 页面）。'],
    ] as const) {
      await page.goto(site.url(path));
      await page.locator('.try-it').first().getByRole('button').click();
      await page.locator('.dock-maildir-toggle input').check();
      await expect.poll(() => page.locator('.dock .maildir [role="alert"]').innerText(), { timeout: 10_000 }).toBe(words);
    }
    await page.close();
  }, 60_000);
});

/**
 * An instructor opens the fault page from the dashboard (with that class chosen) and arms
 * faults there in real Chromium, first for one learner, then for the whole class, and each
 * learner meets them in their own browser terminal: only the learner chosen gets "550 User
 * unknown" at RCPT TO; everyone gets "451" at MAIL FROM once the class is chosen; a learner's
 * fault page lists the instructor's fault without a way to disarm it; and when the instructor
 * disarms it the servers behave again.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';
import { makeClass } from '../helpers/classroom.js';

const site = siteUnderTest({ mode: 'classroom' });

/** A browser context holding a session cookie ("name=value" as Set-Cookie gave it). */
async function contextWith(cookie: string): Promise<BrowserContext> {
  const context = await site.browser.newContext();
  const eq = cookie.indexOf('=');
  await context.addCookies([{ name: cookie.slice(0, eq), value: cookie.slice(eq + 1), url: site.url('/') }]);
  return context;
}

/** Types an SMTP conversation into the lab page's terminal on port 25; returns what the screen shows. */
async function smtpInTerminal(page: Page, lines: string[], until: RegExp): Promise<string> {
  await page.goto(site.url('/lab/'));
  await page.getByRole('button', { name: '打开终端: smtp', exact: true }).click();
  const terminal = page.locator('.terminal[data-service="smtp"]');
  await terminal.and(page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
  await expect.poll(() => terminal.innerText(), { timeout: 10_000 }).toMatch(/220 mail\.example\.com/);
  await terminal.locator('.screen').click();
  for (const line of lines) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  await expect.poll(() => terminal.locator('.xterm-rows').innerText(), { timeout: 10_000 }).toMatch(until);
  return terminal.locator('.xterm-rows').innerText();
}

const conversation = ['HELO browser.test', 'MAIL FROM:<alice@example.com>', 'RCPT TO:<bob@example.com>', 'QUIT'];

describe('faults an instructor arms from the web page', () => {
  it('reach the learner chosen, then the whole class, in their terminals, until disarmed', async () => {
    const klass = await makeClass(site.lab, ['Lin', 'Wang']);
    const [lin, wang] = klass.learners as [(typeof klass.learners)[0], (typeof klass.learners)[0]];
    const teacher = await contextWith(klass.instructorCookie);
    const tPage = await teacher.newPage();
    const teacherErrors = watchErrors(tPage);
    const linPage = await (await contextWith(lin.cookie)).newPage();
    const wangPage = await (await contextWith(wang.cookie)).newPage();
    const learnerErrors = [watchErrors(linPage), watchErrors(wangPage)];

    // From the dashboard, a class's "Arm faults" link opens the fault page with that class chosen.
    const instructorId = (await site.lab.classroom.classById(klass.classId))!.instructorId;
    const second = await site.lab.classroom.createClass('Second class', instructorId);
    await tPage.goto(site.url('/en/instructor/'));
    await tPage.getByRole('button', { name: 'Second class' }).click();
    await tPage.getByRole('link', { name: 'Arm faults for this class' }).click();
    await tPage.waitForURL(/\/en\/world\/faults\/\?target=class%3A/);
    const target = tPage.getByLabel('For whom');
    await expect.poll(() => target.locator('option').allInnerTexts()).toEqual(['Hostile neighbours — the whole class', 'Hostile neighbours — Lin', 'Hostile neighbours — Wang', 'Second class — the whole class']);
    expect(await target.inputValue()).toBe(`class:${second.id}`);

    // The instructor chooses Lin and arms "550 User unknown" at RCPT TO on mail.example.com.
    await target.selectOption({ label: 'Hostile neighbours — Lin' });
    const field = (name: string) => tPage.locator(`[data-form] [name="${name}"]`);
    await field('kind').selectOption('reply');
    await field('host').selectOption('mail.example.com');
    await field('step').selectOption('rcpt');
    await field('code').selectOption('550');
    await tPage.getByRole('button', { name: 'Arm', exact: true }).click();
    const rcptRow = tPage.getByRole('row', { name: /mail\.example\.com .*RCPT TO.* 550/ });
    await rcptRow.waitFor();

    // Lin's terminal meets it; Wang's does not.
    const linScreen = await smtpInTerminal(linPage, conversation, /221 /);
    expect(linScreen).toMatch(/550 5\.1\.1 <bob@example\.com>: Recipient address rejected/);
    const wangScreen = await smtpInTerminal(wangPage, conversation, /221 /);
    expect(wangScreen).toMatch(/250 2\.1\.5 Accepted/);
    expect(wangScreen).not.toMatch(/550 /);
    // The instructor sees it fire once, for Lin.
    await expect.poll(() => rcptRow.innerText(), { timeout: 10_000 }).toMatch(/1 \/ 1/);

    // Now the whole class: 451 at MAIL FROM, for both.
    await target.selectOption({ label: 'Hostile neighbours — the whole class' });
    await field('step').selectOption('mail');
    await field('code').selectOption('451');
    await tPage.getByRole('button', { name: 'Arm', exact: true }).click();
    const mailRow = tPage.getByRole('row', { name: /mail\.example\.com .*MAIL FROM.* 451/ });
    await mailRow.waitFor();
    for (const page of [wangPage, linPage]) {
      const screen = await smtpInTerminal(page, conversation.slice(0, 2).concat('QUIT'), /221 /);
      expect(screen).toMatch(/451 4\.3\.0 <alice@example\.com>: Temporary lookup failure/);
    }

    // Wang's own fault page lists it as the instructor's, with nothing to disarm it with.
    await wangPage.goto(site.url('/world/faults/'));
    const wangRow = wangPage.getByRole('row', { name: /MAIL FROM.* 451/ });
    await wangRow.waitFor();
    expect(await wangRow.innerText()).toContain('老师');
    expect(await wangRow.getByRole('button').count()).toBe(0);

    // The instructor disarms it; Wang's page (which polls) empties, and Wang's terminal is served again.
    await mailRow.getByRole('button', { name: 'Disarm' }).click();
    await mailRow.waitFor({ state: 'detached' });
    await wangPage.getByText('没有设置任何故障').waitFor({ timeout: 10_000 });
    const after = await smtpInTerminal(wangPage, conversation, /221 /);
    expect(after).toMatch(/250 2\.1\.0 Accepted[\s\S]*250 2\.1\.5 Accepted/);

    expect(teacherErrors).toEqual([]);
    expect(learnerErrors.flat()).toEqual([]);
    await teacher.close();
  }, 180_000);
});

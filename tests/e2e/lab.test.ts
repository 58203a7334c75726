/**
 * The lab page in real Chromium: type a whole SMTP transaction into a browser terminal,
 * RETR the message in a POP3 terminal, and draw the session as a sequence diagram.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';

const site = siteUnderTest();

function terminal(page: Page, service: string) {
  return page.locator(`.terminal[data-service="${service}"]`);
}

async function terminalText(page: Page, service: string): Promise<string> {
  return terminal(page, service).locator('.xterm-rows').innerText();
}

async function typeLines(page: Page, service: string, lines: string[], expectAfter: RegExp): Promise<void> {
  await terminal(page, service).locator('.screen').click();
  for (const line of lines) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  await expect.poll(() => terminalText(page, service), { timeout: 10_000 }).toMatch(expectAfter);
}

describe('lab page', () => {
  it('sends mail over SMTP and reads it over POP3, in browser terminals', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/lab/?service=smtp'));
    await terminal(page, 'smtp').and(page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    await expect.poll(() => terminalText(page, 'smtp')).toMatch(/220 mail\.example\.com ESMTP MailLab/);
    await typeLines(
      page,
      'smtp',
      ['EHLO browser.test', 'MAIL FROM:<alice@example.com>', 'RCPT TO:<bob@example.com>', 'DATA', 'Subject: typed in Chromium', '', 'Hello from a real browser.', '.'],
      /250 2\.0\.0 Ok: queued as/,
    );
    // The zh-CN page explains replies in Chinese, and names the terminal's input field in Chinese.
    expect(await terminalText(page, 'smtp')).toContain('最后单独输入一行 "." 结束');
    await expect(terminal(page, 'smtp').locator('textarea').getAttribute('aria-label')).resolves.toBe('终端输入: smtp');

    await page.getByRole('button', { name: '打开终端: pop3', exact: true }).click();
    await terminal(page, 'pop3').and(page.locator('[data-state="open"]')).waitFor();
    await typeLines(page, 'pop3', ['USER bob', 'PASS secret'], /Logged in as bob@example\.com: 4 messages/);
    await typeLines(page, 'pop3', ['RETR 4'], /Subject: typed in Chromium[\s\S]*Hello from a real browser\./);

    await terminal(page, 'smtp').getByRole('button', { name: /会话记录/ }).click();
    await expect.poll(() => terminal(page, 'smtp').locator('.transcript').innerText()).toMatch(/C: MAIL FROM:<alice@example\.com>/);
    await terminal(page, 'smtp').locator('.session-diagram svg').waitFor({ timeout: 20_000 });
    const diagram = await terminal(page, 'smtp').locator('.session-diagram svg').innerHTML();
    expect(diagram).toContain('RCPT TO');
    // The diagram speaks the page's language too.
    expect(diagram).toContain('你（客户端）');
    expect(diagram).not.toContain('You (client)');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('upgrades a submission terminal with STARTTLS and shows it as encrypted', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/en/lab/?service=submission'));
    await terminal(page, 'submission').and(page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    await expect(terminal(page, 'submission').locator('.crypto').innerText()).resolves.toMatch(/plain text/);
    await typeLines(page, 'submission', ['EHLO tls.test', 'STARTTLS'], /TLS established: TLSv1\.[23].*self-signed/);
    await expect.poll(() => terminal(page, 'submission').locator('.crypto').innerText()).toMatch(/encrypted \(TLSv1\.[23]\)/);
    await typeLines(page, 'submission', ['EHLO tls.test'], /250-AUTH PLAIN LOGIN/);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

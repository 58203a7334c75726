/**
 * The fault page in real Chromium: arm a fault with the form, see what it does and when it
 * fires, watch smtplib meet it exactly once, and disarm it — in Chinese, and without an
 * accessibility violation.
 */
import { describe, expect, it } from 'vitest';
import { axeViolations, siteUnderTest, watchErrors } from '../helpers/browser.js';
import { python } from '../helpers/clients.js';

const site = siteUnderTest();

describe('the fault page', () => {
  it('arms a 452 at RCPT TO for one firing, shows it fire for smtplib, and disarms it', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/world/faults/'));
    await page.getByText('没有设置任何故障').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    // Each field's label holds the field itself (its name includes the chosen option): found by name.
    const field = (name: string) => page.locator(`[data-form] [name="${name}"]`);
    await field('kind').selectOption('reply');
    await field('host').selectOption('mail.otherdomain.com');
    await field('step').selectOption('rcpt');
    await field('code').selectOption('452');
    await field('times').fill('1');
    await page.getByRole('button', { name: '设置', exact: true }).click();
    const row = page.getByRole('row', { name: /mail\.otherdomain\.com 对RCPT TO回复 452/ });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/从第 1 次RCPT TO起，触发 1 次[\s\S]*0 \/ 0/);

    const r = await python(
      `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=10)
s.ehlo('browser.test'); s.mail('a@b.test')
print(s.rcpt('carol@otherdomain.com')[0], s.rcpt('carol@otherdomain.com')[0])
s.quit()`,
      { port: site.lab.port('smtp-otherdomain') },
    );
    expect(r.stdout.trim()).toBe('452 250');
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toMatch(/1 \/ 2 ?（已用完）/);

    await row.getByRole('button', { name: '解除' }).click();
    await page.getByText('没有设置任何故障').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

/**
 * The mail world pages in real Chromium: stop and start a server and watch the queue and log,
 * save a zone (and be told in the page's language why a broken one is refused), dig it, and
 * read a received message's SPF/DKIM/DMARC steps.
 */
import { describe, expect, it } from 'vitest';
import { axeViolations as axe, siteUnderTest, watchErrors } from '../helpers/browser.js';
import { submit } from '../helpers/world.js';
import { NET } from '../helpers/network.js';

const site = siteUnderTest();

const url = (path: string): string => site.url(path);

describe('mail world pages', () => {
  it('stops mail.otherdomain.com, shows the deferred message in mailq and the log, and starts it again', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url('/en/world/'));
    const row = page.getByRole('row', { name: /mail\.otherdomain\.com/ });
    await expect.poll(() => row.innerText()).toMatch(/running/);
    await row.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => row.innerText()).toMatch(/stopped/);
    await submit(site.lab, { to: ['carol@otherdomain.com'], subject: 'seen in the browser' });
    await expect.poll(() => page.locator('[data-mailq]').innerText(), { timeout: 10_000 }).toMatch(/Connection refused\)\s+carol@otherdomain\.com/);
    await expect.poll(() => page.locator('[data-logs]').innerText()).toMatch(/status=deferred \(connect to mail\.otherdomain\.com\[192\.0\.2\.200\]:25: Connection refused\)/);
    await row.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('button', { name: 'Flush queue' }).click();
    await expect.poll(() => page.locator('[data-logs]').innerText(), { timeout: 10_000 }).toMatch(/to=<carol@otherdomain\.com>, relay=mail\.otherdomain\.com\[192\.0\.2\.200\]:25.*status=sent/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a broken zone with the reason in Chinese, saves a good one, and digs it', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url('/world/zones/'));
    const text = page.locator('[data-text]');
    await expect.poll(() => text.inputValue()).toMatch(/\$ORIGIN 2\.0\.192\.in-addr\.arpa\./);
    await page.locator('[data-zone]').selectOption('otherdomain.com');
    await expect.poll(() => text.inputValue()).toMatch(/\$ORIGIN otherdomain\.com\./);
    const original = await text.inputValue();
    await text.fill(`${original}\nwww IN A 300.1.1.1\n`);
    await page.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.locator('[data-result]').innerText()).toMatch(/区域没有保存[\s\S]*"300\.1\.1\.1" 不是 IPv4 地址/);
    await text.fill(`${original}\nwww IN A ${NET.other}\n`);
    await page.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.locator('[data-result]').innerText()).toMatch(/已保存/);
    await page.getByLabel('名字（或 IP，类型选 PTR）').fill('www.otherdomain.com');
    await page.getByLabel('类型', { exact: true }).selectOption('A');
    await page.getByRole('button', { name: '查询' }).click();
    await expect.poll(() => page.locator('[data-dig-output]').innerText()).toMatch(new RegExp(String.raw`;; ANSWER SECTION:\nwww\.otherdomain\.com\.\s+3600\s+IN\s+A\s+` + NET.other.replaceAll('.', '\\.')));
    // Chromium reports the refused save (422) as a failed resource; nothing else may fail.
    expect(errors.filter((e) => !/status of 422/.test(e))).toEqual([]);
    await page.close();
  });

  it('shows each check of a received message step by step', async () => {
    await submit(site.lab, { to: ['carol@otherdomain.com'], subject: 'show me the checks' });
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url('/en/world/messages/'));
    const row = page.getByRole('row', { name: /show me the checks/ });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.click();
    const detail = page.locator('[data-detail]');
    await expect.poll(() => detail.innerText()).toMatch(/SPF: pass/);
    const shown = await detail.innerText();
    expect(shown).toMatch(/DKIM: pass/);
    expect(shown).toMatch(/DMARC: pass/);
    expect(shown).toMatch(/TXT _dmarc\.example\.com → NOERROR/);
    expect(shown).toMatch(/Authentication-Results: mail\.otherdomain\.com;/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('has no axe-core accessibility violations on the three pages in both languages', async () => {
    const found: string[] = [];
    for (const path of ['/world/', '/world/zones/', '/world/messages/', '/en/world/', '/en/world/zones/', '/en/world/messages/']) {
      const page = await site.browser.newPage();
      await page.goto(url(path));
      await page.waitForLoadState('networkidle');
      found.push(...(await axe(page)).map((v) => `${path}: ${v}`));
      await page.close();
    }
    expect(found).toEqual([]);
  });
});

/**
 * The join form in real Chromium counts a display name as the lab does (code points after
 * trimming and NFC, classroom/displayNames.ts): a name the lab takes can be typed in full, and
 * a name the lab refuses is refused by the form, with the lab's own words, before it is sent.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';

const site = siteUnderTest({ mode: 'classroom' });

async function joinCode(): Promise<string> {
  const instructor = await site.lab.classroom.addInstructor(`Teacher ${Date.now()}`, 'x');
  return (await site.lab.classroom.createClass('Names', instructor.id)).joinCode;
}

/** The form filled in on a fresh page (no cookie), with every POST /api/join it sends counted. */
async function fillJoin(path: string, code: string, name: string): Promise<{ page: Page; joins: string[]; errors: string[] }> {
  const context = await site.browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page, /\b40[01]\b/);
  const joins: string[] = [];
  page.on('request', (r) => void (r.method() === 'POST' && new URL(r.url()).pathname === '/api/join' && joins.push(r.postData() ?? '')));
  await page.goto(site.url(`${path}?code=${code}`));
  const codeBox = page.locator('input[name="code"]');
  await expect.poll(() => codeBox.inputValue(), { timeout: 15_000 }).toBe(code);
  await page.locator('input[name="displayName"]').fill(name);
  await page.locator('input[name="password"]').fill('a password of mine');
  return { page, joins, errors };
}

/** What the lab itself answers to a join with this name. */
async function labAnswer(code: string, name: string): Promise<{ status: number; error?: { en: string; 'zh-CN': string } }> {
  const response = await fetch(site.url('/api/join'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, displayName: name, password: 'a password of mine' }) });
  return { status: response.status, ...((await response.json()) as { error?: { en: string; 'zh-CN': string } }) };
}

describe('the join form and the lab agree on a display name', () => {
  it('takes in full a name of 30 characters beyond the BMP and one of 40 typed decomposed, as the lab does', async () => {
    const code = await joinCode();
    // 𠮷 (U+20BB7, in Japanese and Chinese names) is two UTF-16 units; "é" typed as e + U+0301 is two code points NFC makes one.
    for (const name of ['𠮷'.repeat(30), 'e\u0301'.repeat(40)]) {
      const { page, joins, errors } = await fillJoin('/en/join/', code, name);
      await expect(page.locator('input[name="displayName"]').inputValue()).resolves.toBe(name);
      await expect(page.locator('#display-name-problem').count()).resolves.toBe(0);
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.waitForURL(site.url('/en/lab/'));
      expect(joins).toHaveLength(1);
      const me = (await page.evaluate(async () => (await fetch('/api/me')).json())) as { learner: { displayName: string } };
      expect(me.learner.displayName).toBe(name.normalize('NFC'));
      expect(errors).toEqual([]);
      await page.context().close();
    }
  }, 90_000);

  it('refuses, with the lab\'s words and without sending it, a name NFC makes longer than 40 and one with a hidden character', async () => {
    const code = await joinCode();
    // U+0958 "क़" is one UTF-16 unit the form used to count once; NFC spells it U+0915 U+093C, so 21 are 42.
    for (const [path, lang, name] of [
      ['/en/join/', 'en', '\u0958'.repeat(21)],
      ['/join/', 'zh-CN', '\u0958'.repeat(21)],
      ['/en/join/', 'en', 'Ann\u200bLee'],
    ] as const) {
      const lab = await labAnswer(code, name);
      expect(lab.status).toBe(400);
      const { page, joins, errors } = await fillJoin(path, code, name);
      // Said as it is typed, beside the field, and again on submitting; nothing goes to the lab.
      await expect.poll(() => page.locator('#display-name-problem').innerText(), { timeout: 15_000 }).toBe(lab.error![lang]);
      await expect(page.locator('input[name="displayName"]').getAttribute('aria-invalid')).resolves.toBe('true');
      await page.locator('button.primary').click();
      await expect.poll(() => page.locator('form [role="alert"]').innerText(), { timeout: 15_000 }).toBe(lab.error![lang]);
      expect(joins).toEqual([]);
      expect(page.url()).toContain('/join/');
      expect(errors).toEqual([]);
      await page.context().close();
    }
  }, 90_000);
});

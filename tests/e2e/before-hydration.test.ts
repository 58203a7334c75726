/**
 * A page on a slow phone, before its script has arrived, in real Chromium: the server-rendered
 * form and buttons are there, but nothing handles them yet. The join form then submitted
 * itself as a GET, putting the learner's password in the address bar (and the history); the
 * exercise's buttons did nothing when pressed. They now wait, disabled, for the script, and
 * what the learner typed meanwhile is kept. The script is held back by the test until it says.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';

// Added as `maillab instructor add` adds one (tests/integration/classroom.test.ts runs that command).
const site = siteUnderTest({ mode: 'classroom' }, async (lab) => {
  await lab.classroom.addInstructor('Teacher Zhou', await hashPassword('a long password'));
});

/** A phone whose page scripts arrive only when `release` is called. */
async function slowPhone(): Promise<{ context: BrowserContext; page: Page; release: () => void }> {
  const context = await site.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (release = resolve));
  await context.route(/\/_astro\/.*\.js(\?.*)?$/, async (route) => {
    await arrived;
    await route.continue();
  });
  return { context, page: await context.newPage(), release };
}

describe('a page before its script has arrived', () => {
  it('join form: no password in the URL, and the typed code, name and password are kept to join with (zh-CN)', async () => {
    const teacher = await site.browser.newContext();
    expect((await teacher.request.post(site.url('/api/instructor/login'), { data: { name: 'Teacher Zhou', password: 'a long password' } })).status()).toBe(200);
    const klass = (await (await teacher.request.post(site.url('/api/classes'), { data: { name: '邮件系统 101' } })).json()) as { class: { joinCode: string } };
    await teacher.close();

    const { context, page, release } = await slowPhone();
    const errors = watchErrors(page);
    await page.goto(site.url('/join/'), { waitUntil: 'commit' });
    const join = page.getByRole('button', { name: '加入', exact: true });
    // (Its module scripts held back, the page never fires DOMContentLoaded: wait for the form itself.)
    await join.waitFor();
    expect(await join.isDisabled()).toBe(true);
    await page.locator('input[name="code"]').fill(klass.class.joinCode);
    await page.locator('input[name="displayName"]').fill('王小明');
    await page.locator('input[name="password"]').fill('my own password');
    // The phone keyboard's Go key: with the form's button disabled, nothing is submitted.
    await page.locator('input[name="password"]').press('Enter');
    release();
    await expect.poll(() => join.isEnabled(), { timeout: 15_000 }).toBe(true);
    // Had the form gone as a GET, the page would have reloaded with the password in its URL.
    expect(page.url()).toBe(site.url('/join/'));
    expect(await page.locator('input[name="code"]').inputValue()).toBe(klass.class.joinCode);
    expect(await page.locator('input[name="password"]').inputValue()).toBe('my own password');
    await join.tap();
    await page.waitForURL(/\/lab\/$/, { timeout: 15_000 });
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('exercise: the terminal, hint and start-over buttons and the editor wait for the script, then work (en)', async () => {
    const { context, page, release } = await slowPhone();
    // Logged in as a learner, so the exercises answer.
    const teacher = await site.browser.newContext();
    await teacher.request.post(site.url('/api/instructor/login'), { data: { name: 'Teacher Zhou', password: 'a long password' } });
    const klass = (await (await teacher.request.post(site.url('/api/classes'), { data: { name: 'Phones' } })).json()) as { class: { joinCode: string } };
    await teacher.close();
    const joined = await context.request.post(site.url('/api/join'), { data: { code: klass.class.joinCode, displayName: 'Ana', password: 'my own password' } });
    expect(joined.status()).toBe(201);
    const errors = watchErrors(page);

    await page.goto(site.url('/en/exercises/pop3-delete/'), { waitUntil: 'commit' });
    const open = page.getByRole('button', { name: 'Open terminal: pop3 (port 110)' });
    const hint = page.locator('.hint-button');
    await hint.waitFor();
    expect(await open.isDisabled()).toBe(true);
    expect(await hint.isDisabled()).toBe(true);
    release();
    await open.tap();
    await page.locator('section.terminal[data-state="open"]').waitFor({ timeout: 15_000 });
    await hint.tap();
    await expect.poll(() => page.locator('.hints li').count()).toBe(1);

    // The scripts are cached now: a fresh phone shows the editor before they arrive.
    const editorPhone = await slowPhone();
    await editorPhone.context.request.post(site.url('/api/login'), { data: { code: klass.class.joinCode, displayName: 'Ana', password: 'my own password' } });
    const editorPage = editorPhone.page;
    await editorPage.goto(site.url('/en/exercises/dns-mx/'), { waitUntil: 'commit' });
    const editor = editorPage.locator('textarea.code-input');
    await editorPage.locator('.start-over').waitFor();
    expect(await editor.isDisabled()).toBe(true);
    expect(await editorPage.locator('.start-over').isDisabled()).toBe(true);
    editorPhone.release();
    await editor.fill('$TTL 3600\n');
    expect(await editor.inputValue()).toBe('$TTL 3600\n');
    expect(await editorPage.locator('.start-over').isEnabled()).toBe(true);
    expect(errors).toEqual([]);
    await editorPhone.context.close();
    await context.close();
  }, 90_000);
});

/**
 * The Content-Security-Policy in real Chromium: every kind of page (lessons with their mermaid
 * diagrams, the lab with xterm terminals, the world pages, the message inspector, the exercises, search, the instructor
 * dashboard and the join form) loads under a policy without 'unsafe-inline' scripts, reports
 * no violation, and every island hydrates.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { labUnderTest, siteUnderTest, watchErrors } from '../helpers/browser.js';
import { drawAllDiagrams, LANGS, LESSON_SLUGS, lessonPath } from '../helpers/lessons.js';

interface Watched {
  page: Page;
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** securitypolicyviolation events, as "directive blocked-uri". */
  violations(): Promise<string[]>;
}

/** A page that records every CSP violation from its first script on. */
async function watchedPage(browser: Browser): Promise<Watched> {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  return { page, errors: watchErrors(page), violations: () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations) };
}

/** Opens a page, checks it came with the hashed policy, scrolls it all into view and waits for every island to hydrate. */
async function visit(w: Watched, url: string): Promise<void> {
  const response = await w.page.goto(url);
  const csp = response!.headers()['content-security-policy'] ?? '';
  expect(csp, url).toMatch(/script-src 'self'( 'sha256-[^']+')+;/);
  expect(csp, url).not.toContain('unsafe-inline\' ;');
  const height = await w.page.evaluate(() => document.documentElement.scrollHeight);
  for (let y = 0; y < height; y += 600) await w.page.evaluate((top) => window.scrollTo(0, top), y);
  // Astro removes "ssr" from an island once it has hydrated.
  await expect.poll(() => w.page.locator('astro-island[ssr]').count(), { timeout: 15_000, message: `islands of ${url}` }).toBe(0);
}

async function clean(w: Watched, what: string): Promise<void> {
  expect(await w.violations(), what).toEqual([]);
  expect(w.errors, what).toEqual([]);
}

// One browser for both labs: the single-learner one, and the classroom one below.
const site = siteUnderTest();

describe('single-learner pages under the policy', () => {
  it('loads every lesson in both languages and draws its diagrams without a violation', async () => {
    for (const lang of LANGS) {
      for (const slug of LESSON_SLUGS) {
        const w = await watchedPage(site.browser);
        await visit(w, site.url(lessonPath(lang, slug)));
        await drawAllDiagrams(w.page);
        await clean(w, `${lang} ${slug}`);
        await w.page.close();
      }
    }
  }, 240_000);

  it('runs the lab\'s terminals, the world, the inspector, the exercises and search without a violation', async () => {
    const w = await watchedPage(site.browser);
    await visit(w, site.url('/en/lab/?service=smtp'));
    const terminal = w.page.locator('.terminal[data-service="smtp"]');
    await terminal.and(w.page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    await terminal.locator('.screen').click();
    await w.page.keyboard.type('EHLO csp.test');
    await w.page.keyboard.press('Enter');
    await expect.poll(() => terminal.locator('.xterm-rows').innerText(), { timeout: 10_000 }).toMatch(/250-/);

    for (const page of ['/world/', '/world/zones/', '/world/messages/', '/world/faults/']) await visit(w, site.url(page));
    // The message inspector and its tabs.
    await visit(w, site.url('/en/inspect/?user=bob%40example.com&folder=INBOX&uid=1'));
    await w.page.locator('[role="tabpanel"] :is(iframe, [data-text])').first().waitFor({ timeout: 15_000 });
    await w.page.getByRole('tab', { name: 'MIME tree' }).click();
    await w.page.locator('[data-bodystructure]').waitFor();
    await visit(w, site.url('/en/exercises/'));
    await visit(w, site.url('/en/exercises/dns-mx/'));
    await w.page.locator('.progress-mark:not([data-status="loading"])').waitFor();
    await visit(w, site.url('/en/search/'));
    await w.page.locator('#search-q').fill('DKIM');
    await expect.poll(() => w.page.locator('main a[href*="/lessons/"]').count()).toBeGreaterThan(0);
    await clean(w, 'lab, world, inspector, exercises, search');
    await w.page.close();
  }, 120_000);
});

describe('classroom pages under the policy', () => {
  const classroom = labUnderTest({ mode: 'classroom' });

  it('runs the instructor dashboard and the join form without a violation', async () => {
    // Added as `maillab instructor add` adds one (tests/integration/classroom.test.ts runs that command).
    await classroom.lab.classroom.addInstructor('Teacher Zhou', await hashPassword('a long password'));
    const w = await watchedPage(site.browser);
    await visit(w, site.url('/en/instructor/', classroom.lab));
    await w.page.getByLabel('Name').fill('Teacher Zhou');
    await w.page.getByLabel('Password').fill('a long password');
    await w.page.getByRole('button', { name: 'Log in' }).click();
    await w.page.getByLabel('Class name').fill('CSP class');
    await w.page.getByRole('button', { name: 'New class' }).click();
    const code = (await w.page.locator('[data-join-code]').first().innerText()).trim();
    await visit(w, site.url(`/en/join/?code=${code}`, classroom.lab));
    await expect.poll(() => w.page.getByLabel(/join code/i).inputValue()).toBe(code);
    await clean(w, 'instructor, join');
    await w.page.close();
  }, 60_000);
});

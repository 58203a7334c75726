/**
 * The exercise pages in real Chromium against a real lab: a wrong zone file gets the grader's
 * message and fix inline (in the page's language); the reference solution passes and the
 * pass mark survives a reload and a lab restart; a quiz is answered through its form; the
 * smtp-send task is graded after really typing the SMTP dialogue in the page's terminal; the
 * solution opens after three attempts; classroom mode without a login says how to join; the
 * pages pass axe, fit a phone screen and follow the dark theme.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations, labUnderTest, siteUnderTest, watchErrors } from '../helpers/browser.js';
import type { TestLab } from '../helpers/lab.js';

const site = siteUnderTest();

const url = (path: string, l?: TestLab): string => site.url(path, l);

/** An exercise file's reference solution, multi-line text joined as the server does. */
function referenceSolution(id: string): unknown {
  const solution = (JSON.parse(readFileSync(new URL(`../../exercises/${id}.json`, import.meta.url), 'utf8')) as { solution: unknown }).solution;
  return Array.isArray(solution) ? solution.join('\n') : solution;
}

/** Opens an exercise page and waits until the learner's progress has loaded (hydrated, API answered). */
async function openExercise(context: BrowserContext, path: string, l?: TestLab): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(url(path, l));
  await page.locator('.progress-mark:not([data-status="loading"])').waitFor();
  return { page, errors };
}

async function check(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('button', { name, exact: typeof name === 'string' }).click();
  await page.locator('.result').waitFor();
}

const feedbackLine = (page: Page, code: string) => page.locator(`.feedback-line[data-code="${code}"]`);

describe('exercise pages', () => {
  it('shows a wrong answer its feedback and fix inline, hints one at a time, in both languages', async () => {
    const context = await site.browser.newContext();
    const { page, errors } = await openExercise(context, '/en/exercises/dns-mx/');
    await expect(page.locator('h1').innerText()).resolves.toBe('MX records for example.com');
    // The starter text is in the editor, highlighted underneath.
    const editor = page.getByLabel('Your answer (zone file)');
    await expect(editor.inputValue()).resolves.toContain('$ORIGIN example.com.');
    await editor.fill('$ORIGIN example.com.\n@ IN MX 10 mail.example.com\n@ IN MX 20 mail2.example.com.');
    await expect(page.locator('.code-layer .hl-keyword', { hasText: 'MX' }).count()).resolves.toBe(2);
    await check(page, 'Check');
    await expect(page.locator('.result-heading').innerText()).resolves.toMatch(/Not yet\s+score \d+\/100/);
    // Focus lands on the result, for keyboard and screen-reader users.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('result-heading');
    const dot = feedbackLine(page, 'zone.missing-trailing-dot');
    await expect(dot.getAttribute('data-level')).resolves.toBe('error');
    await expect(dot.locator('.message').textContent()).resolves.toBe(
      'Error: Line 2: "mail.example.com" has no trailing dot, so BIND adds the origin and reads it as "mail.example.com.example.com.".',
    );
    await expect(dot.locator('.hint').textContent()).resolves.toBe('How to fix: Write the full name with a final dot ("mail.example.com.") or only the part before the origin.');
    await expect(page.locator('.progress-mark').innerText()).resolves.toMatch(/Attempted\s+· 1 attempt · best score/);

    // Hints: one per press, focus on the new one.
    await expect(page.locator('.hints li').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Show a hint (1 of 3)' }).click();
    await expect(page.locator('.hints li').count()).resolves.toBe(1);
    await expect(page.locator('.hints li').first().innerText()).resolves.toContain('The owner of the MX records is the domain itself');
    await expect(page.evaluate(() => document.activeElement?.closest('.hints') !== null)).resolves.toBe(true);
    await page.getByRole('button', { name: 'Show a hint (2 of 3)' }).click();
    await expect(page.locator('.hints li').count()).resolves.toBe(2);
    // The solution is not offered yet: one attempt of three.
    await expect(page.locator('.solution').innerText()).resolves.toContain('The solution opens after 3 attempts (2 to go), or once you pass.');
    await expect(page.getByRole('button', { name: 'Show the solution' }).count()).resolves.toBe(0);

    // The Chinese page: the same check, worded in Chinese; the draft and the hints were kept.
    const zh = await openExercise(context, '/exercises/dns-mx/');
    await expect(zh.page.getByLabel('你的答案（区域文件）').inputValue()).resolves.toContain('@ IN MX 10 mail.example.com\n');
    await expect(zh.page.locator('.hints li').count()).resolves.toBe(2);
    await check(zh.page, '检查');
    await expect(zh.page.locator('.result-heading').innerText()).resolves.toMatch(/还没通过/);
    await expect(feedbackLine(zh.page, 'zone.missing-trailing-dot').locator('.hint').textContent()).resolves.toBe(
      '怎么改：写完整名字并以点结尾（"mail.example.com."），或者只写 origin 前面的部分。',
    );
    await expect(zh.page.locator('.progress-mark').innerText()).resolves.toContain('已提交 2 次');
    expect([...errors, ...zh.errors]).toEqual([]);
    await context.close();
  }, 60_000);

  it('passes the reference solution and keeps the pass mark after a reload and a lab restart', async () => {
    const context = await site.browser.newContext();
    const { page, errors } = await openExercise(context, '/en/exercises/dns-mx/');
    await expect(page.locator('.progress-mark').getAttribute('data-status')).resolves.toBe('new');
    await page.getByLabel('Your answer (zone file)').fill(referenceSolution('dns-mx') as string);
    await check(page, 'Check');
    await expect(page.locator('.result').getAttribute('data-passed')).resolves.toBe('true');
    await expect(page.locator('.result-heading').innerText()).resolves.toMatch(/Passed!\s+score 100\/100/);
    await expect(page.locator('.feedback-line[data-level="error"]').count()).resolves.toBe(0);
    await expect(page.locator('.progress-mark').innerText()).resolves.toMatch(/✓ Passed\s+· 1 attempt · best score 100/);
    // The chapter's exercise list on the page follows at once.
    const here = page.locator('.chapter-exercises [data-exercise-id="dns-mx"]');
    await expect.poll(() => here.locator('.exercise-status').innerText()).toBe('✓ Passed');
    await expect(here.locator('a').getAttribute('aria-current')).resolves.toBe('page');
    await expect(page.locator('.chapter-exercises [data-exercise-id="dns-spf"] .exercise-status').innerText()).resolves.toBe('○ Not started');

    await page.reload();
    await page.locator('.progress-mark[data-status="passed"]').waitFor();
    await expect(page.locator('.progress-mark .status-label').innerText()).resolves.toBe('✓ Passed');

    // A restart keeps the data dir; the browser keeps its cookie (cookies ignore ports). The
    // page is closed first: a request it still has in flight would fail with the old port.
    expect(errors).toEqual([]);
    await page.close();
    await site.restartLab();
    const again = await openExercise(context, '/en/exercises/dns-mx/');
    await expect(again.page.locator('.progress-mark').getAttribute('data-status')).resolves.toBe('passed');
    // Once passed, the solution may be seen.
    await again.page.getByRole('button', { name: 'Show the solution' }).click();
    await expect(again.page.locator('.solution-text').innerText()).resolves.toContain('@       IN  MX  10  mail.example.com.');

    // The list shows the pass, in both languages, and the count.
    const list = await context.newPage();
    const listErrors = watchErrors(list);
    await list.goto(url('/en/exercises/'));
    const item = list.locator('[data-exercise-id="dns-mx"]');
    await expect.poll(() => item.getAttribute('data-status')).toBe('passed');
    await expect(item.locator('.exercise-status').innerText()).resolves.toBe('✓ Passed');
    await expect(list.locator('[data-exercise-id="dns-spf"]').getAttribute('data-status')).resolves.toBe('new');
    await expect(list.locator('[data-summary]').innerText()).resolves.toMatch(/^You have passed 1 of \d+ exercises\.$/);
    await list.goto(url('/exercises/'));
    await expect.poll(() => list.locator('[data-exercise-id="dns-mx"] .exercise-status').innerText()).toBe('✓ 已通过');
    // Chapters are grouped under their lesson, and each exercise links to its page.
    await expect(list.locator('#chapter-6').innerText()).resolves.toMatch(/^第 6 章/);
    await expect(list.locator('[data-exercise-id="dns-mx"] a').getAttribute('href')).resolves.toBe('/exercises/dns-mx/');
    expect([...again.errors, ...listErrors]).toEqual([]);
    await context.close();
  }, 90_000);

  it('grades a quiz answered through its form: radio buttons and fill-ins', async () => {
    const context = await site.browser.newContext();
    const { page, errors } = await openExercise(context, '/en/exercises/smtp-replies/');
    const solution = referenceSolution('smtp-replies') as Record<string, string>;
    // First a wrong code for the greeting, to see the question marked.
    await page.getByRole('group', { name: /The greeting when you connect/ }).getByLabel('Your answer').fill('250');
    for (const q of ['ok', 'data', 'auth', 'bye']) await page.locator(`#quiz-smtp-replies-${q}`).fill(solution[q]!);
    await page.locator(`#quiz-smtp-replies-fourfive-${solution.fourfive}`).check();
    await check(page, 'Check');
    await expect(page.locator('fieldset[data-question="greeting"]').getAttribute('data-result')).resolves.toBe('error');
    await expect(page.locator('fieldset[data-question="bye"]').getAttribute('data-result')).resolves.toBe('ok');
    await expect(feedbackLine(page, 'quiz.greeting').locator('.message').textContent()).resolves.toBe('Error: Not right: The greeting when you connect');

    // The right code, typed and sent with Enter (the form submits as a form does).
    const greeting = page.locator('#quiz-smtp-replies-greeting');
    await greeting.fill(solution.greeting!);
    await greeting.press('Enter');
    await expect.poll(() => page.locator('.result').getAttribute('data-passed')).toBe('true');
    await expect(page.locator('fieldset[data-question][data-result="ok"]').count()).resolves.toBe(6);
    await expect(page.locator('.progress-mark').getAttribute('data-status')).resolves.toBe('passed');

    // A choice quiz with radio buttons found by their labels, on the Chinese page.
    const roles = await openExercise(context, '/exercises/roles/');
    for (const [question, option] of Object.entries(referenceSolution('roles') as Record<string, string>)) {
      await roles.page.locator(`#quiz-roles-${question}-${option}`).check();
    }
    await check(roles.page, '检查');
    await expect(roles.page.locator('.result-heading').innerText()).resolves.toMatch(/通过！/);
    expect([...errors, ...roles.errors]).toEqual([]);
    await context.close();
  }, 60_000);

  it('grades smtp-send after the SMTP dialogue is really typed in the page terminal', async () => {
    const context = await site.browser.newContext();
    const { page, errors } = await openExercise(context, '/en/exercises/smtp-send/');
    // Nothing done yet: the grader finds nothing.
    await check(page, 'Check');
    await expect(page.locator('.result').getAttribute('data-passed')).resolves.toBe('false');

    await page.getByRole('button', { name: 'Open terminal: smtp (port 25)' }).click();
    const terminal = page.locator('.terminal[data-service="smtp"]');
    await terminal.and(page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    await expect.poll(() => terminal.locator('.xterm-rows').innerText()).toMatch(/220 mail\.example\.com ESMTP/);
    await terminal.locator('.screen').click();
    const dialogue = ['EHLO browser.test', 'MAIL FROM:<alice@example.com>', 'RCPT TO:<bob@example.com>', 'DATA', 'From: Alice <alice@example.com>', 'To: Bob <bob@example.com>', 'Subject: Hello from the lab', '', 'Typed in a real browser.', '.', 'QUIT'];
    for (const line of dialogue) {
      await page.keyboard.type(line);
      await page.keyboard.press('Enter');
    }
    await expect.poll(() => terminal.locator('.xterm-rows').innerText(), { timeout: 10_000 }).toMatch(/221 /);

    await check(page, 'Check');
    await expect.poll(() => page.locator('.result').getAttribute('data-passed')).toBe('true');
    await expect(page.locator('.feedback-line[data-level="error"]').count()).resolves.toBe(0);
    await expect(page.locator('.progress-mark .status-label').innerText()).resolves.toBe('✓ Passed');
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('offers the reference solution after three attempts and puts it in the editor', async () => {
    const context = await site.browser.newContext();
    const { page, errors } = await openExercise(context, '/en/exercises/dns-ptr/');
    const editor = page.getByLabel('Your answer (zone file)');
    await editor.fill('100 IN PTR mail.example.com');
    for (let i = 1; i <= 3; i++) {
      await check(page, 'Check');
      await expect.poll(() => page.locator('.progress-mark').innerText()).toContain(i === 1 ? '1 attempt ·' : `${i} attempts ·`);
    }
    await page.getByRole('button', { name: 'Show the solution' }).click();
    const solution = referenceSolution('dns-ptr') as string;
    await expect(page.locator('.solution-text').innerText()).resolves.toBe(solution);
    await page.getByRole('button', { name: 'Put it in the editor' }).click();
    await expect(editor.inputValue()).resolves.toBe(solution);
    await check(page, 'Check');
    await expect.poll(() => page.locator('.result').getAttribute('data-passed')).toBe('true');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('passes axe in light and dark, fits a phone screen and colours the editor for the theme', async () => {
    const found: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await site.browser.newContext({ viewport: { width: 375, height: 740 }, colorScheme });
      for (const path of ['/en/exercises/dns-mx/', '/exercises/ports/', '/en/exercises/smtp-send/', '/en/exercises/', '/exercises/']) {
        const page = await context.newPage();
        const errors = watchErrors(page);
        await page.goto(url(path));
        await page.locator('.progress-mark:not([data-status="loading"]), [data-summary]:not([hidden])').first().waitFor();
        if (path.endsWith('/dns-mx/')) await check(page, 'Check'); // the feedback list is checked too
        found.push(...(await axeViolations(page)).map((v) => `${colorScheme} ${path}: ${v}`));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${path} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
        expect(errors, path).toEqual([]);
        await page.close();
      }
      await context.close();
    }
    expect(found).toEqual([]);

    // The editor's colours follow the theme.
    const page = await site.browser.newPage({ colorScheme: 'dark' });
    await page.goto(url('/en/exercises/dns-mx/'));
    const keyword = page.locator('.code-layer .hl-keyword').first();
    await keyword.waitFor();
    expect(await keyword.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 123, 191)');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await keyword.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(163, 38, 107)');
    await page.close();
  }, 120_000);

  it('loads little JavaScript, and xterm only when a terminal opens', async () => {
    const page = await site.browser.newPage();
    const scripts = new Map<string, number>();
    page.on('response', (response) => {
      if (response.request().resourceType() !== 'script') return;
      void response.body().then((body) => scripts.set(new URL(response.url()).pathname, gzipSync(body).length), () => undefined);
    });
    const total = (): number => [...scripts.values()].reduce((a, b) => a + b, 0);
    await page.goto(url('/en/exercises/dns-mx/'));
    await page.locator('.progress-mark:not([data-status="loading"])').waitFor();
    await page.waitForLoadState('networkidle');
    const editorPage = total();
    expect(editorPage).toBeLessThan(60 * 1024);
    scripts.clear();
    await page.goto(url('/en/exercises/smtp-send/'));
    await page.locator('.progress-mark:not([data-status="loading"])').waitFor();
    await page.waitForLoadState('networkidle');
    const beforeTerminal = total();
    expect([...scripts.keys()].some((s) => /xterm|LabTerminal/.test(s))).toBe(false);
    await page.getByRole('button', { name: 'Open terminal: smtp (port 25)' }).click();
    await page.locator('.terminal[data-state="open"]').waitFor({ timeout: 15_000 });
    await page.waitForLoadState('networkidle');
    expect([...scripts.keys()].some((s) => /xterm/.test(s))).toBe(true);
    console.log(
      `exercise page JS (gzip): dns-mx ${(editorPage / 1024).toFixed(1)} KB; smtp-send ${(beforeTerminal / 1024).toFixed(1)} KB, + terminal ${((total() - beforeTerminal) / 1024).toFixed(1)} KB`,
    );
    await page.close();
  }, 60_000);
});

describe('exercise pages in classroom mode', () => {
  const classroom = labUnderTest({ mode: 'classroom' });

  it('tells a visitor who is not logged in to join, with a link, instead of a broken page', async () => {
    const context = await site.browser.newContext();
    const page = await context.newPage();
    // The API's 401 is expected here; any other console error is not.
    const errors = watchErrors(page, /401/);
    await page.goto(url('/en/exercises/dns-mx/', classroom.lab));
    const notice = page.getByRole('alert');
    await expect.poll(() => notice.innerText()).toContain('This lab runs in classroom mode');
    await expect(page.getByRole('link', { name: 'Join your class or log in →' }).getAttribute('href')).resolves.toBe('/en/join/');
    await expect(page.getByRole('button', { name: 'Check' }).count()).resolves.toBe(0);

    await page.goto(url('/exercises/', classroom.lab));
    await expect.poll(() => page.locator('[data-needs-login]').isVisible()).toBe(true);
    await expect(page.locator('[data-needs-login]').innerText()).resolves.toContain('这个实验室运行在课堂模式');
    await expect(page.getByRole('link', { name: '加入班级或登录 →' }).getAttribute('href')).resolves.toBe('/join/');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});

/**
 * Typing on a phone, in real Chromium. The answer editor's hint speaks of no Tab key on a
 * touch screen (and still does on a desktop). Fields for mail and protocol text ask the
 * keyboard for no capitals and no corrections (a phone made "alice" Alice in the AUTH helper).
 *
 * A terminal whose on-screen keyboard is up keeps its input line where the learner sees it.
 * Chrome for Android and Safari shrink the visual viewport, not the layout one, when the
 * keyboard opens. Headless Chromium has no soft keyboard, so the keyboard is shown two ways:
 * the visual viewport's height alone reported smaller (and its resize event fired, as the
 * keyboard fires it), and a real zoom (the page scale set through the DevTools protocol),
 * whose visual viewport really is smaller than the page.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { tx } from '../../site/i18n/exercises.js';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';

const site = siteUnderTest();

/** A phone keyboard covers some 300 CSS pixels of a 740–844 px screen. */
const KEYBOARD = 330;

/** Commands whose replies (each told apart from the others) push the cursor down, with explanations. */
const SESSION = [
  ['EHLO phone.example', /250 SIZE/],
  ['MAIL FROM:<bob@example.com>', /250 2\.1\.0/],
  ['RCPT TO:<alice@example.com>', /250 2\.1\.5/],
  ['RSET', /250 2\.0\.0 Flushed/],
  ['HELP', /214 /],
] as const;

interface Sight {
  line: { top: number; bottom: number; left: number; right: number };
  seen: { top: number; bottom: number; left: number; right: number };
  focused: boolean;
}

/** Where the terminal's input line is (xterm keeps its input field on the cursor) and the part of the page the learner sees. */
function sight(page: Page): Promise<Sight> {
  return page.evaluate(() => {
    const field = document.querySelector<HTMLElement>('section.terminal .xterm-helper-textarea')!;
    const r = field.getBoundingClientRect();
    const vv = window.visualViewport!;
    return {
      line: { top: r.top, bottom: r.bottom, left: r.left, right: r.right },
      seen: { top: vv.offsetTop, bottom: vv.offsetTop + vv.height, left: vv.offsetLeft, right: vv.offsetLeft + vv.width },
      focused: document.activeElement === field,
    };
  });
}

function inSight(s: Sight): boolean {
  return s.line.top >= s.seen.top - 1 && s.line.bottom <= s.seen.bottom + 1 && s.line.left >= s.seen.left - 1 && s.line.right <= s.seen.right + 1;
}

/** Waits (a few seconds at most: the page follows on the next frame) until the input line is in sight. */
async function expectInSight(page: Page, when: string): Promise<void> {
  let last: Sight | undefined;
  await expect
    .poll(async () => inSight((last = await sight(page))), { timeout: 5_000 })
    .toBe(true)
    .catch(() => expect.fail(`input line ${when}: ${JSON.stringify(last)}`));
}

/** Types a command into the focused terminal and waits for its reply on the screen. */
async function command(page: Page, line: string, reply: RegExp): Promise<void> {
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
  await expect.poll(() => page.locator('section.terminal .xterm-rows').innerText(), { timeout: 15_000 }).toMatch(reply);
}

/** Types the session's commands: after each reply, the input line is still in sight. */
async function typeSessionInSight(page: Page): Promise<void> {
  for (const [line, reply] of SESSION) {
    await command(page, line, reply);
    await expectInSight(page, `after ${line}`);
  }
}

/** Zooms the page in twice over, as a pinch does (the page scale, through the DevTools protocol). */
async function zoomIn(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setPageScaleFactor', { pageScaleFactor: 2 });
  await expect.poll(() => page.evaluate(() => window.visualViewport!.scale)).toBe(2);
}

/** Opens the page's terminal on a phone and waits for the server's greeting. */
async function openTerminal(page: Page, path: string): Promise<void> {
  await page.goto(site.url(path));
  if (path.includes('/exercises/')) {
    // The button does something once the workbench has come alive: it has asked after the progress.
    await page.locator('.progress-mark:not([data-status="loading"])').waitFor();
    await page.locator('.open-terminal').first().tap();
  }
  const terminal = page.locator('section.terminal[data-state="open"][data-cols]');
  await terminal.waitFor({ timeout: 15_000 });
  await expect.poll(() => terminal.locator('.xterm-rows').innerText(), { timeout: 15_000 }).toMatch(/220 /);
  await terminal.locator('.screen').tap();
  expect((await sight(page)).focused).toBe(true);
}

describe('a terminal under a phone keyboard', () => {
  it('keeps the input line above the keyboard as it opens and as replies push the line down (zh-CN, 390×844, 3×)', async () => {
    const context = await site.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await openTerminal(page, '/exercises/smtp-send/');
    // The learner has the terminal's input line low on the screen, where the keyboard will come.
    await page.evaluate(() => {
      const r = document.querySelector('section.terminal .xterm-helper-textarea')!.getBoundingClientRect();
      window.scrollBy({ top: r.bottom - (innerHeight - 60), behavior: 'instant' });
    });
    const before = await sight(page);
    expect(inSight(before)).toBe(true);
    expect(before.line.bottom).toBeGreaterThan(844 - KEYBOARD);
    // The keyboard opens: the visual viewport's height shrinks (only that is reported differently).
    await page.evaluate((covered) => {
      const vv = window.visualViewport!;
      const height = Object.getOwnPropertyDescriptor(VisualViewport.prototype, 'height')!.get!;
      Object.defineProperty(vv, 'height', { configurable: true, get: () => height.call(vv) - covered });
      vv.dispatchEvent(new Event('resize'));
    }, KEYBOARD);
    await expectInSight(page, 'as the keyboard opens');
    // Replies push the cursor down: each time the line stays above the keyboard.
    await typeSessionInSight(page);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('follows the input line in a zoomed-in page, at the end of the page too (en, 360×740, 2×)', async () => {
    const context = await site.browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const errors = watchErrors(page);
    // The lab page's terminal is the last thing on it: the page cannot scroll any further.
    await openTerminal(page, '/en/lab/?service=smtp');
    await zoomIn(context, page);
    const zoomed = await sight(page);
    expect(zoomed.seen.bottom - zoomed.seen.top).toBeLessThan(740 / 2 + 1);
    // A learner who zoomed in to read the terminal has its input line in sight.
    if (!inSight(zoomed)) await page.evaluate(() => document.querySelector('section.terminal .xterm-helper-textarea')!.scrollIntoView({ block: 'nearest', inline: 'nearest', behavior: 'instant' }));
    expect(inSight(await sight(page))).toBe(true);
    await typeSessionInSight(page);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('follows the input line of the lesson dock, fixed at the bottom of a zoomed-in page (en, 390×844, 3×)', async () => {
    const context = await site.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/en/lessons/protocols/'));
    await page.locator('[data-open-dock]').tap();
    await page.locator('#dock-service').selectOption('smtp');
    await page.getByRole('button', { name: 'Open terminal', exact: true }).tap();
    const terminal = page.locator('section.terminal[data-state="open"][data-cols]');
    await terminal.waitFor({ timeout: 15_000 });
    await expect.poll(() => terminal.locator('.xterm-rows').innerText(), { timeout: 15_000 }).toMatch(/220 /);
    await terminal.locator('.screen').tap();
    await zoomIn(context, page);
    // The learner pans down to the dock's input line (the dock does not scroll with the page).
    await page.evaluate(() => document.querySelector('section.terminal .xterm-helper-textarea')!.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' }));
    expect(inSight(await sight(page))).toBe(true);
    const scrolled = await page.evaluate(() => window.scrollY);
    await typeSessionInSight(page);
    // The lesson under the dock stayed where the learner left it.
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});

describe('the answer editor on a touch screen', () => {
  it('has a hint without the Tab key a phone lacks, and keeps the Tab hint on a desktop, in both languages', async () => {
    for (const touch of [true, false]) {
      const context = await site.browser.newContext(
        touch ? { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 } : { viewport: { width: 1280, height: 800 } },
      );
      const page = await context.newPage();
      const errors = watchErrors(page);
      const cdp = await context.newCDPSession(page);
      for (const lang of ['zh-CN', 'en'] as const) {
        await page.goto(site.url(`${lang === 'en' ? '/en' : ''}/exercises/dns-mx/`));
        const editor = page.locator('textarea.code-input');
        await editor.waitFor();
        const expected = tx(lang, touch ? 'editorHelpTouch' : 'editorHelp');
        expect(await page.locator('.editor-help').innerText()).toBe(expected);
        // What a screen reader says of the editor: the visible hint only.
        const { root } = await cdp.send('DOM.getDocument');
        const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'textarea.code-input' });
        const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
        expect(nodes[0]?.description?.value).toBe(expected);
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  }, 60_000);
});

describe('fields for mail and protocol text on a phone', () => {
  it('ask the keyboard for no capitals and no corrections: editor, quiz, AUTH helper, zone editor, dig and fault names', async () => {
    const context = await site.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });
    const page = await context.newPage();
    const errors = watchErrors(page);
    /** What Chromium tells a keyboard about each field: its autocapitalize, autocorrect and spellcheck. */
    const asked = (selector: string) =>
      page.locator(selector).evaluateAll((fields) =>
        fields.map((f) => {
          const field = f as HTMLInputElement & { autocorrect: boolean };
          const name = (field.labels?.[0]?.textContent ?? field.getAttribute('aria-label') ?? field.name).trim();
          return `${name}: ${field.autocapitalize} ${field.autocorrect} ${field.spellcheck}`;
        }),
      );
    const fields: string[] = [];
    await page.goto(site.url('/exercises/dns-mx/'));
    await page.locator('textarea.code-input:not([disabled])').waitFor();
    fields.push(...(await asked('textarea.code-input')));
    await page.goto(site.url('/en/exercises/envelope-vs-header/'));
    await page.locator('.fill input').first().waitFor();
    fields.push(...(await asked('.fill input')));
    await page.goto(site.url('/en/lab/?service=smtp'));
    await page.locator('section.terminal[data-state="open"]').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'AUTH helper' }).tap();
    fields.push(...(await asked('.helper input')));
    await page.goto(site.url('/world/zones/'));
    await page.locator('.world-zone-text').waitFor();
    fields.push(...(await asked('.world-zone-text, #dig-name')));
    await page.goto(site.url('/world/faults/'));
    await page.locator('label[data-for="dns"] input[name="name"]').waitFor({ state: 'attached' });
    fields.push(...(await asked('label[data-for="dns"] input[name="name"]')));
    expect(fields.length).toBeGreaterThanOrEqual(7);
    // 'none' is how Chromium reads autocapitalize="off".
    expect(fields.filter((f) => !f.endsWith(': none false false'))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});

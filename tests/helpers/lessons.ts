/** The lesson site as the end-to-end tests see it: its pages and how to wait for them. */
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { failedWait, framesDrawn, scrollToCenter } from './frames.js';
import { DEFAULT_SITE_DIR } from '../../lab-server/src/lab.js';

/**
 * The built site the tests serve: dist/, or MAILLAB_SITE_DIR (a copy of it, for an engineer
 * whose dist/ is being rebuilt by someone else in a shared tree while the tests run).
 */
export const SITE_DIR = process.env.MAILLAB_SITE_DIR ?? DEFAULT_SITE_DIR;

export const LESSON_SLUGS = ['architecture', 'components', 'protocols', 'ports-security', 'postfix-dovecot', 'storage-dns', 'summary'] as const;
export const LANGS = ['zh-CN', 'en'] as const;

export function lessonPath(lang: (typeof LANGS)[number], slug: string): string {
  return `${lang === 'en' ? '/en' : ''}/lessons/${slug}/`;
}

/** The page's terminal on a service (the lab page's, an exercise's or the dock's), as LabTerminal renders it. */
export function pageTerminal(page: Page, service: string): Locator {
  return page.locator(`.terminal[data-service="${service}"]`);
}

/** Waits until the page's terminal on a service is connected. */
export async function terminalOpen(page: Page, service: string): Promise<void> {
  await pageTerminal(page, service).and(page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
}

/** Types lines into the page's terminal on a service, key by key as a learner does, until its screen matches `expectAfter`. */
export async function typeLines(page: Page, service: string, lines: string[], expectAfter: RegExp): Promise<void> {
  await pageTerminal(page, service).locator('.screen').click();
  for (const line of lines) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  await expect.poll(() => pageTerminal(page, service).locator('.xterm-rows').innerText(), { timeout: 10_000 }).toMatch(expectAfter);
}

/** The dock's terminal on a service, as LabTerminal renders it. */
export function dockTerminal(page: Page, service: string) {
  return page.locator(`.dock .terminal[data-service="${service}"]`);
}

export async function terminalText(page: Page, service: string): Promise<string> {
  return screenText(page, dockTerminal(page, service));
}

/**
 * Everything a terminal holds, scrollback included: the rows on screen show only the last
 * screenful, and explanations under each reply soon push a dialogue's start out of view.
 * Shift+PageUp/PageDown scroll it (xterm's own keys, which never reach the server).
 */
export async function screenText(page: Page, terminal: Locator): Promise<string> {
  const rows = terminal.locator('.xterm-rows');
  const key = async (name: string): Promise<string> => {
    await page.keyboard.press(name);
    // xterm redraws on the next animation frame: without one the rows read are the old ones.
    await framesDrawn(page, `xterm's redraw after ${name}`, 2);
    return rows.innerText();
  };
  await terminal.locator('.xterm-helper-textarea').focus();
  const top = await rows.innerText();
  let text = top;
  for (let i = 0; i < 200; i++) {
    const now = await key('Shift+PageUp');
    if (now === text) break;
    text = now;
  }
  const lines = text.split('\n');
  for (let i = 0; i < 200 && text !== top; i++) {
    const next = await key('Shift+PageDown');
    if (next === text) break;
    text = next;
    // Pages overlap (a page down keeps a row, the last one may keep more): add only what is new.
    const rowsNow = next.split('\n');
    let overlap = Math.min(rowsNow.length, lines.length);
    while (overlap > 0 && lines.slice(-overlap).join('\n') !== rowsNow.slice(0, overlap).join('\n')) overlap--;
    lines.push(...rowsNow.slice(overlap));
  }
  return lines.join('\n');
}

/**
 * Scrolls every diagram into view and waits until each has been drawn as an SVG. A failure
 * names the page and the diagram, and says whether the tab was drawing frames at all then.
 */
export async function drawAllDiagrams(page: Page): Promise<number> {
  const figures = page.locator('figure[data-mermaid]');
  const count = await figures.count();
  for (let i = 0; i < count; i++) {
    const figure = figures.nth(i);
    const which = `diagram ${i + 1} of ${count}`;
    await scrollToCenter(figure, which);
    try {
      await figure.locator('.diagram-view svg').waitFor({ timeout: 30_000 });
    } catch (err) {
      throw await failedWait(page, which, err);
    }
  }
  return count;
}

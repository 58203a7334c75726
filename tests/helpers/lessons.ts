/** The lesson site as the end-to-end tests see it: its pages and how to wait for them. */
import type { Page } from 'playwright-core';
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

/** The dock's terminal on a service, as LabTerminal renders it. */
export function dockTerminal(page: Page, service: string) {
  return page.locator(`.dock .terminal[data-service="${service}"]`);
}

export async function terminalText(page: Page, service: string): Promise<string> {
  return dockTerminal(page, service).locator('.xterm-rows').innerText();
}

/** Scrolls every diagram into view and waits until each has been drawn as an SVG. */
export async function drawAllDiagrams(page: Page): Promise<number> {
  const figures = page.locator('figure[data-mermaid]');
  const count = await figures.count();
  for (let i = 0; i < count; i++) {
    const figure = figures.nth(i);
    await figure.scrollIntoViewIfNeeded();
    await figure.locator('.diagram-view svg').waitFor({ timeout: 30_000 });
  }
  return count;
}

/** How a page fits a phone, as the phone end-to-end files measure it: its width, its terminals, its layout shift. */
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const PHONES = [
  { width: 360, height: 740 },
  { width: 390, height: 844 },
] as const;
export const DESKTOP = { width: 1280, height: 800 };

/** A browser context of that size: a touch phone below 600 px, a desktop above. */
export function phone(browser: Browser, size: { width: number; height: number }): Promise<BrowserContext> {
  return size.width > 600 ? browser.newContext({ viewport: size }) : browser.newContext({ viewport: size, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
}

export interface Fit {
  path: string;
  width: number;
  overflow: number;
  terminals: number[];
  /** Layout shift on arrival, and after scrolling through the page. */
  shift?: { load: number; scrolled: number };
}

/** How far the page is wider than the phone (the viewport, not innerWidth: a phone zooms out) and each terminal's columns. */
export async function measure(page: Page, path: string, width: number): Promise<Fit> {
  const { scrollWidth, terminals } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    terminals: [...document.querySelectorAll<HTMLElement>('section.terminal')].map((t) => Number(t.dataset.cols ?? 0)),
  }));
  return { path, width, overflow: scrollWidth - width, terminals };
}

/** What is wrong with the pages, one line each: wider than a phone, shifting (CLS 0.1 or more), a terminal under 40 columns. */
export function problems(fits: Fit[]): string[] {
  return fits.flatMap((f) => [
    ...(f.overflow > 0 && f.width < 600 ? [`${f.path} at ${f.width}px is ${f.overflow}px wider than the screen`] : []),
    ...(f.shift && Math.max(f.shift.load, f.shift.scrolled) >= 0.1 ? [`${f.path} at ${f.width}px shifts: CLS ${f.shift.load.toFixed(3)} on arrival, ${f.shift.scrolled.toFixed(3)} after scrolling`] : []),
    ...f.terminals.filter((c) => c < 40).map((c) => `${f.path} at ${f.width}px has a terminal of ${c} columns`),
  ]);
}

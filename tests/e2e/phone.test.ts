/**
 * Every page of the site on a phone, in real Chromium: at 360×740 and 390×844, in both
 * languages, nothing is wider than the screen (tables scroll in their own box or become
 * cards, diagrams scroll in theirs) and every terminal shows at least 40 columns. Every page
 * also holds still (cumulative layout shift under 0.1, on arrival and after scrolling through
 * it, on phones and on a desktop screen). The classroom pages are visited as they really
 * look: the join page, the instructor's dashboard with a class, assignments and learners,
 * and a logged-in learner's lab.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { scrollToBottom, siteUnderTest, watchErrors } from '../helpers/browser.js';
import { inLanes } from '../helpers/lanes.js';
import { TabDrewNoFrame, framesDrawn, scrollToCenter } from '../helpers/frames.js';
import { SITE_DIR } from '../helpers/lessons.js';
import { DESKTOP, PHONES, measure, phone, problems, type Fit } from '../helpers/phoneFit.js';

const single = siteUnderTest();

/** Every page the site has: each index.html under the built site, as its URL path. */
function sitePages(dir = SITE_DIR): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '_astro' ? [] : sitePages(path);
    return name === 'index.html' ? [`/${relative(SITE_DIR, dir).split('\\').join('/')}/`.replace(/^\/\/$/, '/').replace(/\/+/g, '/')] : [];
  });
}

/**
 * The page's cumulative layout shift so far, once the frame now pending is drawn (shifts right
 * after the learner's own input do not count). A buffered observer's takeRecords() holds every
 * shift since the page began: no waiting for its callback.
 */
async function layoutShift(page: Page): Promise<number> {
  await framesDrawn(page, 'a layout shift is recorded as its frame is drawn');
  return page.evaluate(() => {
    const observer = new PerformanceObserver(() => undefined);
    observer.observe({ type: 'layout-shift', buffered: true });
    const shifts = observer.takeRecords() as Array<PerformanceEntry & { value: number; hadRecentInput: boolean }>;
    observer.disconnect();
    return shifts.reduce((cls, shift) => cls + (shift.hadRecentInput ? 0 : shift.value), 0);
  });
}

/** Waits until the page has what it fetches: an exercise's progress, or a quiet network. */
async function settle(page: Page, path: string): Promise<void> {
  if (/\/exercises\/[^/]+\/$/.test(path)) await page.locator('.progress-mark:not([data-status="loading"])').waitFor();
  else await page.waitForLoadState('networkidle');
}

/** Scrolls to the bottom and back, so every island and diagram on the way is drawn. */
async function scrollThrough(page: Page): Promise<void> {
  if ((await page.locator('figure[data-mermaid], .lab-island').count()) === 0) return;
  await scrollToBottom(page);
  // Diagrams are drawn one at a time: wait until none is still waiting.
  // Looked at on a timer: the default, once per animation frame, stalls while a tab draws no frame (frames.ts).
  await page.waitForFunction(() => [...document.querySelectorAll('figure[data-mermaid]')].every((f) => (f as HTMLElement).dataset.drawn), undefined, { timeout: 60_000, polling: 250 });
  await page.evaluate(() => window.scrollTo(0, 0));
}

/** The longest one visit to one page may take (at load 20, ~3 s; three tabs load at once). */
const VISIT_MS = 150_000;

class Stalled extends Error {}

/** `work`, or a Stalled error saying `what` when it has not settled within `ms`. */
async function withinMs<T>(work: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Left behind when the deadline wins: its later failure (the tab closed) is no one's to handle.
  work.catch(() => undefined);
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Stalled(what())), ms)));
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('every page on a phone', () => {
  it('fits 360 and 390 px and holds still, on phones and a desktop, in both languages, single-learner mode', async () => {
    // The join and instructor pages too: in single mode they say there are no classes, without an error.
    const pages = sitePages();
    expect(pages.length).toBeGreaterThan(90);
    // On the desktop, every page but the exercises (one template) and a few of those.
    const desktop = pages.filter((p) => !/\/exercises\/[^/]+\/$/.test(p) || /\/(dns-mx|smtp-send|ports|world-spf-fail)\/$/.test(p));
    const visits = [...PHONES, DESKTOP].flatMap((size) => (size === DESKTOP ? desktop : pages).map((path) => ({ size, path })));
    // The lessons too: a diagram's box has its drawn size before mermaid arrives
    // (lessonBlocks.ts), so one drawn late, with other tabs loading, moves nothing.
    // Three tabs at a time, each lane with its own tab of each size, kept from visit to visit.
    const tabs = new Map<string, Promise<{ context: BrowserContext; page: Page; errors: string[] }>>();
    const tab = (lane: number, size: { width: number; height: number }) => {
      const key = `${lane} ${size.width}`;
      if (!tabs.has(key))
        tabs.set(
          key,
          phone(single.browser, size).then(async (context) => {
            const page = await context.newPage();
            // Three tabs load at once on a loaded machine: a page's load may take longer than the usual 30 s.
            page.setDefaultNavigationTimeout(90_000);
            return { context, page, errors: watchErrors(page) };
          }),
        );
      return tabs.get(key)!;
    };
    const look = async ({ size, path }: (typeof visits)[number], _: number, lane: number): Promise<Fit> => {
      for (let attempt = 1; ; attempt++) {
        const { page } = await tab(lane, size);
        let step = 'load';
        const visit = async (): Promise<Fit> => {
          step = 'load';
          await page.goto(single.url(path));
          await settle(page, path);
          step = 'shift on arrival';
          const load = await layoutShift(page);
          step = 'scroll';
          await scrollThrough(page);
          step = 'measure';
          return { ...(await measure(page, path, size.width)), shift: { load, scrolled: await layoutShift(page) } };
        };
        try {
          const fit = await withinMs(visit(), VISIT_MS, () => `${path} at ${size.width} px: no answer from the tab within ${VISIT_MS / 1000} s (${step})`);
          // A real shift comes back on every visit; one seen once in hundreds of loads (CLS 0.566 on
          // a lesson whose other 300 loads measured 0.000) is the machine's timing: look once more.
          return Math.max(fit.shift!.load, fit.shift!.scrolled) >= 0.1 ? await withinMs(visit(), VISIT_MS, () => `${path} at ${size.width} px: no answer on the second look (${step})`) : fit;
        } catch (err) {
          if (!(err instanceof Stalled || err instanceof TabDrewNoFrame) || attempt > 1) throw err;
          // CI once waited out the whole test in one visit: a tab whose page.evaluate never came
          // back, or one that drew no frame (frames.ts). Said, and the page looked at once more
          // in a fresh tab; a page that hangs again fails.
          console.log(`${err.message}; looked at again in a fresh tab`);
          await dropTab(lane, size);
        }
      }
    };
    const dropTab = async (lane: number, size: { width: number; height: number }): Promise<void> => {
      const key = `${lane} ${size.width}`;
      const opened = await tabs.get(key)!;
      tabs.delete(key);
      errors.push(...opened.errors);
      void opened.context.close().catch(() => undefined);
    };
    const errors: string[] = [];
    const closeTabs = async () => {
      for (const opened of tabs.values()) {
        const { context, errors: seen } = await opened;
        errors.push(...seen);
        await context.close();
      }
      tabs.clear();
    };
    const fits = await inLanes(visits, 3, look);
    await closeTabs();
    expect(fits).toHaveLength(visits.length);
    const phones = fits.filter((f) => f.width < 600);
    const worst = fits.reduce((a, b) => (Math.max(b.shift!.load, b.shift!.scrolled) > Math.max(a.shift!.load, a.shift!.scrolled) ? b : a));
    console.log(
      `phones: ${phones.length} page loads, widest ${Math.max(...phones.map((f) => f.overflow + f.width))}px for a ${Math.min(...phones.map((f) => f.width))}-${Math.max(...phones.map((f) => f.width))}px screen; ` +
        `layout shift on ${fits.length} loads: worst ${worst.path} at ${worst.width}px, ${worst.shift!.load.toFixed(3)} on arrival, ${worst.shift!.scrolled.toFixed(3)} after scrolling`,
    );
    expect(problems(fits)).toEqual([]);
    expect(errors).toEqual([]);
  }, 900_000);

  it('opens readable terminals (40 columns or more) on the lab page, an exercise and a lesson', async () => {
    const fits: Fit[] = [];
    for (const size of PHONES) {
      const context = await phone(single.browser, size);
      const page = await context.newPage();
      const errors = watchErrors(page);
      for (const [path, open] of [
        ['/lab/?service=smtp', undefined],
        ['/en/lab/?service=imap', undefined],
        ['/en/exercises/smtp-send/', 'Open terminal: smtp (port 25)'],
        ['/exercises/pop3-delete/', undefined],
        ['/lessons/architecture/', '粘贴到终端并执行'],
      ] as const) {
        await page.goto(single.url(path));
        if (open) await page.getByRole('button', { name: open }).first().tap();
        else if (path.startsWith('/exercises/')) await page.locator('.open-terminal').first().tap();
        await page.locator('section.terminal[data-state="open"][data-cols]').first().waitFor({ timeout: 15_000 });
        fits.push(await measure(page, path, size.width));
        // Typing goes where the learner looks: the new terminal is on screen and has the keyboard.
        const box = (await page.locator('section.terminal').last().locator('.screen').boundingBox())!;
        expect(box.y + box.height / 2, `${path}: terminal on screen`).toBeLessThan(size.height);
        expect(box.y + box.height / 2, `${path}: terminal on screen`).toBeGreaterThan(0);
        expect(await page.evaluate(() => document.activeElement?.closest('section.terminal') !== null), `${path}: terminal has the keyboard`).toBe(true);
      }
      expect(errors).toEqual([]);
      await context.close();
    }
    console.log(`terminal columns on phones: ${fits.map((f) => `${f.path}@${f.width}: ${f.terminals.join(',')}`).join('; ')}`);
    expect(fits.every((f) => f.terminals.length > 0)).toBe(true);
    expect(problems(fits)).toEqual([]);
  }, 180_000);

  it('on a 1280×720 desktop too: a deep link\'s terminal and each new one open on screen with the keyboard', async () => {
    const context = await phone(single.browser, { width: 1280, height: 720 });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(single.url('/en/lab/?service=smtp'));
    const where = (service: string) =>
      page.locator(`section.terminal[data-service="${service}"]`).evaluate((t) => {
        const r = t.querySelector('.screen')!.getBoundingClientRect();
        return { middle: (r.top + r.bottom) / 2, keyboard: t.contains(document.activeElement) };
      });
    for (const service of ['smtp', 'pop3', 'imap']) {
      if (service !== 'smtp') await page.locator(`button[data-open-service="${service}"]`).click();
      await page.locator(`section.terminal[data-service="${service}"][data-state="open"]`).waitFor({ timeout: 15_000 });
      // The scroll is smooth: wait until the terminal has arrived.
      await expect.poll(async () => { const w = await where(service); return w.middle > 0 && w.middle < 720 && w.keyboard; }, { timeout: 5_000 }).toBe(true);
    }
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('shows a wide diagram whole on a phone: it scrolls in its box, and opens full screen with zoom', async () => {
    const context = await phone(single.browser, PHONES[0]);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(single.url('/en/lessons/ports-security/'));
    await scrollThrough(page);
    // Some diagram is wider than a phone; its corner button says there is more to see.
    const expand = page.locator('figure[data-drawn="true"] .diagram-expand').first();
    await expect(expand.innerText()).resolves.toBe('⤢ Full screen');
    const view = expand.locator('xpath=..').locator('.diagram-view');
    expect(await view.evaluate((v) => v.scrollWidth > v.clientWidth && v.tabIndex === 0)).toBe(true);
    await scrollToCenter(expand);
    await expand.tap();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const svg = dialog.locator('svg');
    const before = (await svg.boundingBox())!.width;
    await dialog.getByRole('button', { name: 'Zoom in' }).tap();
    expect((await svg.boundingBox())!.width).toBeGreaterThan(before * 1.3);
    // Dragging pans it.
    const pane = dialog.locator('.diagram-pane');
    const left = await pane.evaluate((p) => p.scrollLeft);
    const box = (await pane.boundingBox())!;
    await page.mouse.move(box.x + box.width - 20, box.y + 100);
    await page.mouse.down();
    await page.mouse.move(box.x + 20, box.y + 100, { steps: 5 });
    await page.mouse.up();
    expect(await pane.evaluate((p) => p.scrollLeft)).toBeGreaterThan(left);
    await dialog.getByRole('button', { name: 'Close' }).first().tap();
    await expect(page.getByRole('dialog').count()).resolves.toBe(0);
    expect(await page.evaluate(() => document.activeElement?.classList.contains('diagram-expand'))).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});

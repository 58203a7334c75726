/**
 * Waits that need the tab to draw, bounded. A fresh Chromium tab on a loaded machine now and
 * then draws no frame for 60-120 s (traced: its compositor holds a layer tree it never
 * activates) while its script, timers and network go on. Playwright's waits for a still
 * element, and any await on requestAnimationFrame, never end in such a tab: here they end, and
 * say so.
 */
import type { Locator, Page } from 'playwright-core';

/**
 * How long a frame may take before the tab counts as stalled: about three times the slowest
 * seen, the stall lasts a minute or more. At load 20, three 360 px tabs scrolling the lessons
 * (mermaid drawing on the way) drew two frames at 342 stops in 50 ms (median), 1.1 s (p99),
 * 3.0 s at most; on a CPU 4× throttled, 3.1 s (p99) and 7.0 s.
 */
export const FRAME_MS = 20_000;

/** The tab drew no frame when a test needed one: the stall above, not the page's fault. */
export class TabDrewNoFrame extends Error {}

/** Where the tab is, for a failure's message. */
function where(page: Page): string {
  return new URL(page.url()).pathname;
}

/** The tab's own account of its next `frames` frames: drawn within `ms` or not, in words for a failure. */
async function nextFrames(page: Page, frames: number, ms: number): Promise<{ drawn: boolean; said: string }> {
  // No helper functions inside: the bundler may wrap them in a name-keeping call the page lacks.
  const asked = page.evaluate(
    async ([frames, ms]) => {
      const start = performance.now();
      const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms));
      for (let i = 0; i < frames; i++) {
        if (!(await Promise.race([new Promise<boolean>((resolve) => requestAnimationFrame(() => resolve(true))), late]))) {
          return { drawn: false, said: `the tab drew ${i ? `${i} of ${frames} frames` : 'no frame'} in ${ms / 1000} s, its timers ran (visibility ${document.visibilityState}, scrollY ${Math.round(scrollY)})` };
        }
      }
      // A task queued after the last frame's callbacks runs once that frame's layout and paint are done.
      await new Promise((resolve) => setTimeout(resolve));
      return { drawn: true, said: `the tab drew ${frames > 1 ? `${frames} frames` : 'a frame'} ${Math.round(performance.now() - start)} ms after it was asked (visibility ${document.visibilityState})` };
    },
    [frames, ms] as const,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<{ drawn: boolean; said: string }>((resolve) => (timer = setTimeout(() => resolve({ drawn: false, said: `the tab ran no script in ${ms / 1000 + 10} s` }), ms + 10_000)));
  try {
    return await Promise.race([asked, silent]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the tab draws frames, in words, for a failure's message. */
export async function tabFrames(page: Page): Promise<string> {
  return nextFrames(page, 1, 5_000).then(
    (frame) => frame.said,
    (err: Error) => `the tab could not be asked: ${err.message}`,
  );
}

/**
 * Waits until the tab has drawn the frame now pending (what a layout-shift reading or an
 * xterm redraw needs) and `frames - 1` more, or throws TabDrewNoFrame naming the page and
 * `why` after FRAME_MS.
 */
export async function framesDrawn(page: Page, why: string, frames = 1): Promise<void> {
  const frame = await nextFrames(page, frames, FRAME_MS);
  if (!frame.drawn) throw new TabDrewNoFrame(`${where(page)}: ${why}: ${frame.said}`);
}

/** The error for a wait on `what` that failed: the page, the wait, and whether the tab drew frames then. */
export async function failedWait(page: Page, what: string, err: unknown): Promise<Error> {
  const at = `${where(page)}, ${what}`;
  return new Error(`${at}: ${(err as Error).message}\n${at}: ${await tabFrames(page)}`, { cause: err });
}

/**
 * Scrolls the element to the middle of the screen with the page's own scrollIntoView, not
 * Playwright's scrollIntoViewIfNeeded, which first waits for it to stay put over two animation
 * frames (30 s on a stalled tab, with the element drawn and still: CI on 439676c).
 */
export async function scrollToCenter(target: Locator, what = String(target)): Promise<void> {
  try {
    await target.evaluate((el) => el.scrollIntoView({ block: 'center', behavior: 'instant' }));
  } catch (err) {
    throw await failedWait(target.page(), `scrolling to ${what}`, err);
  }
}

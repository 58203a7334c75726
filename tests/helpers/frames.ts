/** Whether a tab is drawing, for the failures of waits that need it to. */
import type { Page } from 'playwright-core';

/**
 * Whether the tab draws frames, for a failure's message: Playwright's waits for a still element
 * (and any wait on requestAnimationFrame) never end in a tab that draws none, while its
 * script, timers and network go on.
 */
export async function tabFrames(page: Page): Promise<string> {
  // No helper functions inside: the bundler may wrap them in a name-keeping call the page lacks.
  const said = page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const asked = performance.now();
        requestAnimationFrame(() => resolve(`the tab drew a frame ${Math.round(performance.now() - asked)} ms after it was asked (visibility ${document.visibilityState})`));
        setTimeout(() => resolve(`the tab drew no frame in 5 s, its timers ran (visibility ${document.visibilityState}, scrollY ${Math.round(scrollY)})`), 5_000);
      }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('the tab ran no script in 15 s'), 15_000)));
  try {
    return await Promise.race([said.catch((err: Error) => `the tab could not be asked: ${err.message}`), silent]);
  } finally {
    clearTimeout(timer);
  }
}

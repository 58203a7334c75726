/**
 * Real Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core
 * (a test tool's own browser download does not work on these machines), and the one setup
 * every end-to-end file shares: a real lab serving the built site, and a browser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { LabConfig } from '../../lab-server/src/lab.js';
import { FRAME_MS, TabDrewNoFrame, tabFrames } from './frames.js';
import { startTestLab, type TestLab } from './lab.js';
import { SITE_DIR } from './lessons.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does).`);
  if (!existsSync(join(SITE_DIR, 'index.html'))) throw new Error('The site is not built: run `npm run build` (npm test does it first).');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A running lab serving the site, and a browser, for one test file. */
export interface SiteUnderTest {
  readonly lab: TestLab;
  readonly browser: Browser;
  /** An absolute URL on the lab's web port (of `other`, when given). */
  url(path: string, other?: TestLab): string;
  /** Stops and starts the lab on the same data dir (its ports change). */
  restartLab(): Promise<TestLab>;
}

/**
 * Starts a lab serving the built site and Chromium before the file's tests, and stops both
 * after them. `prepare` runs once the lab is up (e.g. to add an instructor).
 */
export function siteUnderTest(overrides: Partial<LabConfig> = {}, prepare?: (lab: TestLab) => Promise<void>): SiteUnderTest {
  let lab: TestLab | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    // Side by side: Chromium is a process of its own, and starts while the lab starts here.
    // Both are settled before a failure is thrown, so afterAll stops whichever did start.
    const started = await Promise.allSettled([
      startTestLab({ siteDir: SITE_DIR, ...overrides }).then(async (l) => {
        lab = l;
        await prepare?.(l);
      }),
      launchBrowser().then((b) => (browser = b)),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
  }, 180_000); // a loaded machine: the lab, a `maillab` command in prepare, and Chromium
  afterAll(async () => {
    await browser?.close();
    await lab?.dispose();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the lab and the browser start in beforeAll');
    return value;
  };
  return {
    get lab() {
      return started(lab);
    },
    get browser() {
      return started(browser);
    },
    url: (path, other) => `http://127.0.0.1:${(other ?? started(lab)).httpPort}${path}`,
    async restartLab() {
      lab = await started(lab).restart();
      return lab;
    },
  };
}

/** Another lab serving the site beside the file's own (e.g. one in classroom mode), for the file's tests. */
export function labUnderTest(overrides: Partial<LabConfig> = {}): { readonly lab: TestLab } {
  let lab: TestLab | undefined;
  beforeAll(async () => {
    lab = await startTestLab({ siteDir: SITE_DIR, ...overrides });
  }, 60_000);
  afterAll(async () => {
    await lab?.dispose();
  });
  return {
    get lab() {
      if (!lab) throw new Error('the lab starts in beforeAll');
      return lab;
    },
  };
}

/**
 * Collects console errors and uncaught exceptions, which every page must be free of (but for
 * console errors matching `expected`, e.g. an API's 401 the page is meant to get).
 */
export function watchErrors(page: Page, expected?: RegExp): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !expected?.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

/**
 * Scrolls from the top to the bottom in 500 px stops, so every lazy part on the way (islands,
 * diagrams: the pages look 1500 px ahead) starts. Each stop is drawn twice before the next,
 * which is what the page's observers wait for; no sleeps. A tab that stops drawing (frames.ts)
 * fails it with TabDrewNoFrame after FRAME_MS, saying where, instead of holding it forever.
 */
export async function scrollToBottom(page: Page): Promise<void> {
  // No helper functions inside: the bundler may wrap them in a name-keeping call the page lacks.
  const stalledAt = await page.evaluate(async (ms) => {
    for (let y = 0; y <= document.documentElement.scrollHeight; y += 500) {
      window.scrollTo(0, y);
      const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms));
      for (let i = 0; i < 2; i++) if (!(await Promise.race([new Promise<boolean>((resolve) => requestAnimationFrame(() => resolve(true))), late]))) return y;
    }
    return null;
  }, FRAME_MS);
  if (stalledAt !== null) {
    throw new TabDrewNoFrame(`${new URL(page.url()).pathname}: scrolling to the bottom, at ${stalledAt} px the tab drew no frame in ${FRAME_MS / 1000} s (the page's observers run on frames); ${await tabFrames(page)}`);
  }
}

const require = createRequire(import.meta.url);

/** axe-core's WCAG 2.1 A/AA and best-practice violations on the page as it is now, one line each. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated, not added as a <script>: the page's Content-Security-Policy allows no foreign inline script.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    type Violation = { id: string; impact: string; nodes: Array<{ target: string[] }> };
    const run = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Violation[] }> } }).axe.run;
    const result = await run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(', ')}`);
  });
}

/**
 * Real Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core
 * (a test tool's own browser download does not work on these machines).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_SITE_DIR } from '../../lab-server/src/lab.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does).`);
  const site = process.env.MAILLAB_SITE_DIR ?? DEFAULT_SITE_DIR;
  if (!existsSync(join(site, 'index.html'))) throw new Error('The site is not built: run `npm run build` (npm test does it first).');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Collects console errors and uncaught exceptions, which every page must be free of. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

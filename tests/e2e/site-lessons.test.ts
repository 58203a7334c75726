/**
 * Every lesson page in real Chromium, in both languages: it renders without a console error,
 * every mermaid diagram becomes an SVG (and is redrawn for the dark theme), the language
 * switch keeps the learner on the same lesson, and search finds text in both languages.
 */
import { describe, expect, it } from 'vitest';
import { siteUnderTest, watchErrors } from '../helpers/browser.js';
import { scrollToCenter } from '../helpers/frames.js';
import { inLanes } from '../helpers/lanes.js';
import { LANGS, LESSON_SLUGS, drawAllDiagrams, lessonPath } from '../helpers/lessons.js';

const site = siteUnderTest();

const url = (path: string): string => site.url(path);

describe('lesson pages', () => {
  for (const lang of LANGS) {
    it(`renders every ${lang} lesson without console errors, every diagram as an SVG`, async () => {
      let diagrams = 0;
      // Three lessons at a time, each in its own tab (a page mostly waits: for mermaid, the lab).
      await inLanes(LESSON_SLUGS, 3, async (slug) => {
        const page = await site.browser.newPage();
        const errors = watchErrors(page);
        await page.goto(url(lessonPath(lang, slug)));
        await expect(page.locator('html').getAttribute('lang')).resolves.toBe(lang);
        await expect(page.locator('.chapters-side [aria-current="page"]').getAttribute('href')).resolves.toBe(lessonPath(lang, slug));
        const drawn = await drawAllDiagrams(page);
        expect(drawn, `${slug} has diagrams`).toBeGreaterThan(0);
        // A drawn diagram keeps an accessible name and shows its source on request.
        await expect(page.locator('figure[data-drawn="true"] .diagram-view[role="img"][aria-label]').count()).resolves.toBe(drawn);
        await expect(page.locator('figure[data-drawn="failed"]').count()).resolves.toBe(0);
        // Each was drawn in a box reserved at its drawn size (lessons/diagram-sizes.json is up
        // to date: bin/measure-diagrams.mjs), so drawing it moved nothing.
        const boxes = await page.locator('figure[data-mermaid] .diagram-box').evaluateAll((all) =>
          all.map((box) => {
            const [width, height] = (box as HTMLElement).style.aspectRatio.split('/').map(Number);
            const drawn = box.querySelector('svg')!.viewBox.baseVal;
            return Math.abs(width! - drawn.width) < 0.1 && Math.abs(height! - drawn.height) < 0.1 ? 'fits' : `${width}×${height} reserved, ${drawn.width}×${drawn.height} drawn`;
          }),
        );
        expect(boxes, `${lang} ${slug}`).toEqual(Array(drawn).fill('fits'));
        // Live islands mount too (and talk to the lab without errors).
        for (const island of await page.locator('.lab-island').all()) {
          await scrollToCenter(island);
          // An island hydrates once on screen, its module loaded then: at load that took longer
          // than expect.poll's default 1 s (CI on fd64b07, three lessons at a time).
          await expect.poll(() => island.getAttribute('data-mounted'), { timeout: 15_000 }).toBe('true');
        }
        // What the page fetches has arrived (errors would be in by then): the lab's ports, each Maildir.
        // Looked at on a timer, not once per animation frame: a tab may draw none for a while (frames.ts).
        await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.lab-port[data-service]')].every((port) => port.dataset.filled === 'true'), undefined, { polling: 250 });
        // ([data-folder]: the stand-in drawn while the view waits has the tree but none of these.)
        for (const maildir of await page.locator('.lab-island[data-island="maildir"]').all()) await maildir.locator('.maildir [data-folder]').first().waitFor();
        expect(errors, `${lang} ${slug}`).toEqual([]);
        diagrams += drawn;
        await page.close();
      });
      // architecture, components, protocols ×2, ports ×2, postfix-dovecot, storage-dns, summary
      expect(diagrams).toBe(9);
    }, 240_000);
  }

  it('redraws diagrams when the learner switches to the dark theme', async () => {
    const page = await site.browser.newPage({ colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(url('/en/lessons/protocols/'));
    const figure = page.locator('figure[data-mermaid]').first();
    await scrollToCenter(figure);
    await figure.locator('svg').waitFor();
    const light = await figure.locator('.diagram-view').innerHTML();
    const themeSwitch = page.locator('.theme-switch');
    await expect(themeSwitch.innerText()).resolves.toBe('Theme: system');
    await themeSwitch.click();
    await themeSwitch.click();
    await expect(themeSwitch.innerText()).resolves.toBe('Theme: dark');
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark');
    await expect.poll(async () => (await figure.locator('.diagram-view').innerHTML()) !== light, { timeout: 15_000 }).toBe(true);
    // The page background follows the theme too.
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(16, 18, 22)');
    // The choice survives a reload.
    await page.reload();
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('keeps the learner on the same lesson when switching language, both ways', async () => {
    const page = await site.browser.newPage();
    await page.goto(url('/lessons/postfix-dovecot/'));
    await expect(page.locator('h1').innerText()).resolves.toBe('Postfix 与 Dovecot 协作');
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(url('/en/lessons/postfix-dovecot/'));
    await expect(page.locator('h1').innerText()).resolves.toBe('Postfix and Dovecot together');
    await page.getByRole('link', { name: '中文' }).click();
    await page.waitForURL(url('/lessons/postfix-dovecot/'));
    await expect(page.locator('h1').innerText()).resolves.toBe('Postfix 与 Dovecot 协作');
    // Previous/next move along the chapters in the same language.
    await page.locator('a[rel="next"]').click();
    await page.waitForURL(url('/lessons/storage-dns/'));
    await page.close();
  }, 60_000);

  it('lists the chapters on the start page in both languages', async () => {
    const page = await site.browser.newPage();
    for (const [path, first] of [
      ['/', '第 1 章: 一封邮件的旅程'],
      ['/en/', 'Chapter 1: How mail travels'],
    ] as const) {
      await page.goto(url(path));
      const chapters = page.locator('.chapter-list li');
      await expect(chapters.count()).resolves.toBe(7);
      await expect(chapters.first().locator('strong').innerText()).resolves.toBe(first);
    }
    await page.close();
  });

  it('searches the lessons in both languages and links to the section', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url('/en/'));
    await page.getByRole('searchbox', { name: 'Search the lessons' }).first().fill('DMARC alignment');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/en\/search\/\?q=DMARC/);
    const first = page.locator('.search-results li a').first();
    await first.waitFor();
    await expect(first.getAttribute('href')).resolves.toMatch(/^\/en\/lessons\/storage-dns\/#/);
    await expect(page.locator('.search-results mark').first().innerText()).resolves.toMatch(/DMARC/i);

    // Chinese words are found inside text without spaces; "both" adds the other language.
    await page.goto(url('/search/?q=投递'));
    await page.locator('.search-results li').first().waitFor();
    const zhLinks = await page.locator('.search-results li a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(zhLinks.every((h) => h!.startsWith('/lessons/'))).toBe(true);
    await page.getByLabel('同时搜索英文课程').check();
    await page.locator('#search-q').fill('Maildir');
    await expect.poll(() => page.locator('.search-results li a').evaluateAll((as) => as.some((a) => a.getAttribute('href')!.startsWith('/en/lessons/')))).toBe(true);

    // A hit's anchor exists on the lesson page.
    const href = (await page.locator('.search-results li a').first().getAttribute('href'))!;
    await page.goto(url(href));
    const id = decodeURIComponent(href.split('#')[1]!);
    await expect(page.locator(`[id="${id}"]`).count()).resolves.toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

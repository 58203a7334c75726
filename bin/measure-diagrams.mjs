#!/usr/bin/env node
// Measures every lesson diagram as the site draws it (the site's mermaid and settings, its font,
// in Chromium) and writes lessons/diagram-sizes.json. The lesson page reserves that box before
// mermaid arrives, so a diagram drawn late moves nothing. Run after adding or editing a
// ```mermaid block (site-lessons.test.ts fails until the sizes match what is drawn).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'lessons', 'diagram-sizes.json');
// The key site/lib/markdown/diagramSizes.ts looks a diagram up by.
const key = (source) => createHash('sha256').update(source).digest('hex').slice(0, 16);

const sources = [];
for (const lang of ['zh-CN', 'en'])
  for (const file of readdirSync(join(root, 'lessons', lang)).filter((f) => f.endsWith('.md')).sort())
    for (const [, source] of readFileSync(join(root, 'lessons', lang, file), 'utf8').matchAll(/^```mermaid[^\n]*\n([\s\S]*?)\n```$/gm)) sources.push({ where: `${lang}/${file}`, source });

const css = readFileSync(join(root, 'site', 'styles', 'global.css'), 'utf8');
const font = /body\s*{[^}]*?font-family:\s*([^;]+);/.exec(css)?.[1];
if (!font) throw new Error('no body font-family in site/styles/global.css');
const mermaid = join(dirname(createRequire(import.meta.url).resolve('mermaid/package.json')), 'dist', 'mermaid.min.js');

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.setContent(`<!doctype html><html><head><style>body{font-family:${font};line-height:1.6}</style></head><body></body></html>`);
  await page.addScriptTag({ path: mermaid });
  const sizes = {};
  for (const { where, source } of sources) {
    // As site/lib/diagrams.ts draws it (the size is the same in the dark theme).
    const [width, height] = await page.evaluate(async (text) => {
      const m = globalThis.mermaid;
      m.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict', fontFamily: 'inherit' });
      const { svg } = await m.render(`measure-${Math.random().toString(36).slice(2)}`, text);
      const holder = document.createElement('div');
      holder.innerHTML = svg;
      document.body.append(holder);
      const box = holder.querySelector('svg').viewBox.baseVal;
      holder.remove();
      return [box.width, box.height];
    }, source);
    sizes[key(source)] = [Math.round(width * 10) / 10, Math.round(height * 10) / 10];
    console.log(`${where}: ${sizes[key(source)].join(' × ')}`);
  }
  writeFileSync(out, JSON.stringify(sizes, null, 2) + '\n');
  console.log(`${sources.length} diagrams measured: ${out}`);
} finally {
  await browser.close();
}

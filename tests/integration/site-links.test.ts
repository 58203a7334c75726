/**
 * The built site (dist/, made by `astro build`, which `npm test` runs first): no broken
 * internal link or #anchor on any page, in either language; every chapter exists in both
 * languages, is hands-on, and the chapters that need diagrams have them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SITE_DIR } from '../helpers/lessons.js';
import { decodeEntities } from '../../site/lib/searchIndex.js';

const dist = SITE_DIR;

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return htmlFiles(path);
    return name.endsWith('.html') ? [path] : [];
  });
}

/** The file a site path is served from, as the lab's web server resolves it. */
function fileFor(pathname: string): string | undefined {
  const file = join(dist, decodeURIComponent(pathname));
  if (existsSync(file) && statSync(file).isFile()) return file;
  const index = join(file, 'index.html');
  return existsSync(index) ? index : undefined;
}

const idCache = new Map<string, Set<string>>();
function idsIn(file: string): Set<string> {
  let ids = idCache.get(file);
  if (!ids) {
    ids = new Set([...readFileSync(file, 'utf8').matchAll(/\sid="([^"]*)"/g)].map((m) => decodeEntities(m[1]!)));
    idCache.set(file, ids);
  }
  return ids;
}

function links(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => decodeEntities(m[1]!));
}

function pageUrl(file: string): URL {
  const rel = relative(dist, file).replace(/\\/g, '/').replace(/(^|\/)index\.html$/, '$1');
  return new URL(`/${rel}`, 'http://site.invalid');
}

describe('the built site', () => {
  it('was built (npm test runs astro build first)', () => {
    expect(existsSync(join(dist, 'index.html')), 'dist/index.html missing: run `npm run build`').toBe(true);
  });

  it('has no broken internal links or anchors, in either language', () => {
    const pages = htmlFiles(dist);
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      const base = pageUrl(page);
      for (const link of links(readFileSync(page, 'utf8'))) {
        if (/^(https?:|mailto:|data:|javascript:|\/\/)/i.test(link) || link === '') continue;
        const target = new URL(link, base);
        const file = fileFor(target.pathname);
        checked++;
        if (!file) {
          broken.push(`${relative(dist, page)} → ${link} (no such file)`);
          continue;
        }
        if (target.hash && file.endsWith('.html')) {
          const id = decodeURIComponent(target.hash.slice(1));
          if (!idsIn(file).has(id)) broken.push(`${relative(dist, page)} → ${link} (no element with id "${id}")`);
        }
      }
    }
    expect(broken).toEqual([]);
    // Both languages' pages, their chapter lists, tables of contents and assets were all looked at.
    expect(pages.length).toBeGreaterThanOrEqual(20);
    expect(checked).toBeGreaterThan(500);
  });

  const slugs = (lang: string): string[] =>
    readdirSync(join(dist, ...(lang === 'en' ? ['en', 'lessons'] : ['lessons'])))
      .filter((d) => existsSync(join(dist, ...(lang === 'en' ? ['en', 'lessons'] : ['lessons']), d, 'index.html')))
      .sort();

  it('has the seven chapters in both languages, each switching to its own twin', () => {
    const zh = slugs('zh-CN');
    expect(zh).toEqual(['architecture', 'components', 'ports-security', 'postfix-dovecot', 'protocols', 'storage-dns', 'summary']);
    expect(slugs('en')).toEqual(zh);
    for (const slug of zh) {
      const zhHtml = readFileSync(join(dist, 'lessons', slug, 'index.html'), 'utf8');
      const enHtml = readFileSync(join(dist, 'en', 'lessons', slug, 'index.html'), 'utf8');
      expect(zhHtml).toContain('<html lang="zh-CN"');
      expect(enHtml).toContain('<html lang="en"');
      expect(zhHtml).toMatch(new RegExp(`href="/en/lessons/${slug}/"[^>]*data-lang-switch`));
      expect(enHtml).toMatch(new RegExp(`href="/lessons/${slug}/"[^>]*data-lang-switch`));
    }
  });

  it('makes every chapter hands-on, and draws the diagrams the course needs', () => {
    for (const prefix of [['lessons'], ['en', 'lessons']]) {
      for (const slug of slugs(prefix[0] === 'en' ? 'en' : 'zh-CN')) {
        const html = readFileSync(join(dist, ...prefix, slug, 'index.html'), 'utf8');
        expect(html.match(/class="try-it"/g)?.length ?? 0, `${prefix.join('/')}/${slug} has no Try-it block`).toBeGreaterThan(0);
      }
      const page = (slug: string): string => decodeEntities(readFileSync(join(dist, ...prefix, slug, 'index.html'), 'utf8'));
      expect(page('architecture')).toMatch(/data-mermaid[\s\S]*flowchart TB[\s\S]*MUA[\s\S]*MTA[\s\S]*MDA/);
      expect(page('protocols')).toMatch(/data-mermaid[\s\S]*sequenceDiagram[\s\S]*MAIL FROM:<alice@example.com>/);
      expect(page('postfix-dovecot')).toMatch(/data-mermaid[\s\S]*sequenceDiagram[\s\S]*LMTP/);
      expect(page('storage-dns')).toMatch(/data-mermaid[\s\S]*sequenceDiagram[\s\S]*MX[\s\S]*PTR[\s\S]*_domainkey[\s\S]*v=DMARC1/);
      expect(page('ports-security')).toContain('data-island="ports"');
      expect(page('storage-dns')).toContain('data-island="maildir"');
      // Config and zone blocks are highlighted by shiki with the custom grammars.
      expect(page('postfix-dovecot')).toContain('data-language="postfix"');
      expect(page('postfix-dovecot')).toContain('data-language="dovecot"');
      expect(page('storage-dns')).toContain('data-language="zone"');
    }
  });

  it('publishes a search index per language that covers every chapter', () => {
    for (const lang of ['zh-CN', 'en']) {
      const index = JSON.parse(readFileSync(join(dist, 'search', `${lang}.json`), 'utf8')) as Array<{ slug: string; sections: Array<{ text: string }> }>;
      expect(index.map((l) => l.slug).sort()).toEqual(slugs(lang));
      expect(index.every((l) => l.sections.length > 3)).toBe(true);
    }
  });
});

/**
 * The coverage table in lessons/README.md: every section of the course outline has a row, every
 * row names a graded exercise that exists, every exercise is in some row, and the lesson
 * section, diagram and hands-on block a row names are really there — in the English lesson and
 * at the same place in the Chinese one (the two languages share their heading structure).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';

/** The sections of the course outline (the Chinese seed outline's 1.1 to 7.4). */
const OUTLINE = ['1.1', '1.2', '1.3', '2.1', '2.2', '2.3', '2.4', '3.1', '3.2', '3.3', '4.1', '4.2', '4.3', '5.1', '5.2', '5.3', '6.1', '6.2', '6.3', '7.1', '7.2', '7.3', '7.4'];
const NONE = '—';

interface Row {
  outline: string;
  concept: string;
  section: string;
  diagram: string;
  handsOn: string;
  graded: string[];
}

function coverageRows(readme: string): Row[] {
  const start = readme.indexOf('\n## Coverage');
  expect(start, 'lessons/README.md has a "## Coverage" section').toBeGreaterThan(0);
  const body = readme.slice(start + 1).split(/\n## /)[0]!;
  return body
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*(outline|---)/.test(l))
    .map((l) => {
      const cells = l.split('|').slice(1, -1).map((c) => c.trim());
      expect(cells, l).toHaveLength(6);
      const [outline, concept, section, diagram, handsOn, graded] = cells as [string, string, string, string, string, string];
      return { outline, concept, section, diagram, handsOn, graded: [...graded.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) };
    });
}

const lessonText = (lang: string, slug: string): string => readFileSync(new URL(`../../lessons/${lang}/${slug}.md`, import.meta.url), 'utf8');

/** A lesson's ## and ### sections, in order: heading and text up to the next heading. */
function sections(markdown: string): Array<{ heading: string; text: string }> {
  const out: Array<{ heading: string; text: string }> = [];
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const m = inCode ? null : /^#{2,3} (.*)$/.exec(line);
    if (m) out.push({ heading: m[1]!.trim(), text: '' });
    else if (out.length) out[out.length - 1]!.text += `${line}\n`;
  }
  return out;
}

/** "storage-dns § PTR: the name behind the IP address" → the English section and its Chinese twin. */
function find(ref: string): { slug: string; en: { heading: string; text: string }; zh: { heading: string; text: string } | undefined } {
  const [slug, heading] = ref.split(' § ').map((s) => s.trim()) as [string, string];
  const en = sections(lessonText('en', slug));
  const index = en.findIndex((s) => s.heading === heading);
  expect(index, `lessons/en/${slug}.md has a section "${heading}"`).toBeGreaterThanOrEqual(0);
  return { slug, en: en[index]!, zh: sections(lessonText('zh-CN', slug))[index] };
}

const readme = readFileSync(new URL('../../lessons/README.md', import.meta.url), 'utf8');
const rows = coverageRows(readme);
const catalog = await ExerciseCatalog.load();

describe('the coverage table in lessons/README.md', () => {
  it('has a row for every section of the course outline, and nothing outside it', () => {
    expect(rows.length).toBeGreaterThan(OUTLINE.length);
    for (const section of OUTLINE) expect(rows.some((r) => r.outline === section), `outline ${section}`).toBe(true);
    for (const r of rows) expect(OUTLINE, r.concept).toContain(r.outline);
  });

  it('names at least one graded exercise for every concept, each one that exists', () => {
    const ids = new Set(catalog.list.map((e) => e.id));
    for (const r of rows) {
      expect(r.graded.length, `${r.outline} ${r.concept} has no graded exercise`).toBeGreaterThan(0);
      for (const id of r.graded) expect(ids.has(id), `${r.outline} ${r.concept}: no exercise "${id}"`).toBe(true);
    }
  });

  it('lists every exercise of the lab under some concept', () => {
    const listed = new Set(rows.flatMap((r) => r.graded));
    expect(catalog.list.map((e) => e.id).filter((id) => !listed.has(id))).toEqual([]);
  });

  it('points at lesson sections, diagrams and hands-on blocks that exist in both languages', () => {
    for (const r of rows) {
      const where = `${r.outline} ${r.concept}`;
      const { slug, zh } = find(r.section);
      expect(zh, `${where}: lessons/zh-CN/${slug}.md has the same section`).toBeDefined();
      if (r.diagram !== NONE) {
        const en = lessonText('en', slug);
        expect(en.includes(`\`\`\`mermaid ${r.diagram}\n`), `${where}: lessons/en/${slug}.md has the diagram "${r.diagram}"`).toBe(true);
        // The Chinese lesson draws the same diagrams, in the same order.
        const nth = [...en.matchAll(/^```mermaid (.*)$/gm)].findIndex((m) => m[1] === r.diagram);
        expect([...lessonText('zh-CN', slug).matchAll(/^```mermaid /gm)].length, `${where}: lessons/zh-CN/${slug}.md`).toBeGreaterThan(nth);
      }
      if (r.handsOn !== NONE) {
        const place = find(r.handsOn);
        for (const [lang, s] of [['en', place.en], ['zh-CN', place.zh]] as const) {
          expect(s && /^```(try|lab) /m.test(s.text), `${where}: lessons/${lang}/${place.slug}.md section "${s?.heading}" has a try or lab block`).toBe(true);
        }
      }
    }
  });
});

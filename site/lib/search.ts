/**
 * Searching the lesson index in the browser: every word of the query must occur in a section
 * (case-insensitive substring, which works for Chinese too); headings and titles weigh more.
 */
import type { IndexedLesson } from './searchIndex';

export interface SearchHit {
  url: string;
  lessonTitle: string;
  heading: string;
  chapter: number;
  lang: string;
  score: number;
  /** Text around the first match, split so the matched words can be marked. */
  snippet: Array<{ text: string; mark: boolean }>;
}

export function queryTerms(query: string): string[] {
  return [...new Set(query.normalize('NFKC').toLowerCase().split(/\s+/).filter((w) => w.length > 0))];
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

/** Splits text into marked and unmarked pieces for every occurrence of the terms. */
export function markTerms(text: string, terms: string[]): Array<{ text: string; mark: boolean }> {
  if (terms.length === 0) return [{ text, mark: false }];
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const parts = text.split(new RegExp(`(${escaped.join('|')})`, 'gi'));
  return parts.filter((p) => p !== '').map((p) => ({ text: p, mark: terms.includes(p.toLowerCase()) }));
}

function snippet(text: string, terms: string[], radius = 70): Array<{ text: string; mark: boolean }> {
  const lower = text.toLowerCase();
  const at = Math.min(...terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0), text.length);
  const start = Math.max(0, at - radius);
  const end = Math.min(text.length, at + radius * 2);
  const piece = (start > 0 ? '…' : '') + text.slice(start, end) + (end < text.length ? '…' : '');
  return markTerms(piece, terms);
}

export function search(lessons: IndexedLesson[], query: string, limit = 30): SearchHit[] {
  const terms = queryTerms(query);
  if (terms.length === 0) return [];
  const hits: SearchHit[] = [];
  for (const lesson of lessons) {
    const title = lesson.title.toLowerCase();
    for (const section of lesson.sections) {
      const heading = section.heading.toLowerCase();
      const text = section.text.toLowerCase();
      let score = 0;
      let all = true;
      for (const term of terms) {
        const inText = count(text, term);
        const inHeading = heading.includes(term);
        const inTitle = title.includes(term);
        if (!inText && !inHeading && !inTitle) {
          all = false;
          break;
        }
        score += inText + (inHeading ? 8 : 0) + (inTitle ? 3 : 0);
      }
      if (!all) continue;
      hits.push({
        url: section.id ? `${lesson.url}#${encodeURIComponent(section.id)}` : lesson.url,
        lessonTitle: lesson.title,
        heading: section.heading || lesson.title,
        chapter: lesson.chapter,
        lang: lesson.lang,
        score,
        snippet: snippet(section.text, terms),
      });
    }
  }
  return hits.sort((a, b) => b.score - a.score || a.chapter - b.chapter).slice(0, limit);
}

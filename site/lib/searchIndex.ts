/**
 * The full-text search index, built with the site: every lesson cut into sections at its
 * h2/h3 headings, as plain text, so a hit can link straight to its #anchor. It is plain
 * substring data rather than word tokens, because Chinese has no spaces between words.
 */
import type { Lang } from '../i18n/ui';

export interface IndexedSection {
  /** The heading's id ("" for the text before the first heading). */
  id: string;
  heading: string;
  text: string;
}

export interface IndexedLesson {
  lang: Lang;
  slug: string;
  chapter: number;
  title: string;
  url: string;
  sections: IndexedSection[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * Visible, readable text of an HTML fragment: no tags, no buttons, no diagram source (nor its
 * "Diagram source" summary) and no "Try it" headers; table cells separated by " · "; entities
 * decoded, spaces folded.
 */
export function htmlToText(html: string): string {
  const stripped = html
    .replace(/<(script|style|button)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<pre class="mermaid-source"[\s\S]*?<\/pre>/gi, ' ')
    .replace(/<details class="diagram-source"[\s\S]*?<\/details>/gi, ' ')
    .replace(/<div class="try-head"[\s\S]*?<\/div>|<p class="try-expect-label"[\s\S]*?<\/p>/gi, ' ')
    .replace(/<\/t[dh]>\s*(?=<t[dh][\s>])/gi, ' · ')
    .replace(/<\/(p|li|h\d|pre|tr|div|blockquote|figcaption|t[dh])>/gi, ' ')
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]+>/g, '');
  return decodeEntities(stripped).replace(/\s+/g, ' ').trim();
}

/** Cuts a lesson's HTML into sections at each <h2 id> and <h3 id>. */
export function sectionsFromHtml(html: string): IndexedSection[] {
  const heading = /<h([23])\s[^>]*\bid="([^"]+)"[^>]*>([\s\S]*?)<\/h\1>/gi;
  const sections: IndexedSection[] = [];
  let last = { id: '', heading: '', start: 0 };
  const flush = (end: number): void => {
    const text = htmlToText(html.slice(last.start, end));
    if (text || last.id) sections.push({ id: last.id, heading: last.heading, text });
  };
  for (const match of html.matchAll(heading)) {
    flush(match.index);
    last = { id: decodeEntities(match[2]!), heading: htmlToText(match[3]!), start: match.index + match[0].length };
  }
  flush(html.length);
  return sections;
}

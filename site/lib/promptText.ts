/**
 * The little Markdown exercise prompts use, as HTML: paragraphs, "- " lists, indented code
 * blocks, **bold**, *emphasis*, `code` and {{port:smtp}} (the running lab's port, see
 * portTokens.ts). Everything else is text, escaped; prompts are written by the course
 * authors, but escaping keeps a stray "<" from becoming a tag.
 */
import { expandPortTokens } from './portTokens';


export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Inline marks: `code` first (its content stays literal), then **bold** and *emphasis*. */
export function renderInline(source: string): string {
  return source
    .split(/(`[^`\n]+`)/)
    .map((part) => {
      if (/^`[^`\n]+`$/.test(part)) return `<code>${expandPortTokens(escapeHtml(part.slice(1, -1)))}</code>`;
      return expandPortTokens(escapeHtml(part))
        .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^\w*\\])\*([^*\s][^*\n]*?)\*(?![\w*])/g, '$1<em>$2</em>');
    })
    .join('');
}

type Block = { kind: 'p' | 'ul' | 'ol' | 'pre'; lines: string[] };

const BULLET = /^\s*[-*] /;
const NUMBERED = /^\s*\d+[.)] /;

/** Splits lines into paragraphs, list items (one block each) and four-space indented code. */
function blocks(source: string): Block[] {
  const out: Block[] = [];
  let current: Block | undefined;
  for (const line of source.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (current?.kind === 'pre') current.lines.push('');
      else current = undefined;
      continue;
    }
    const kind: Block['kind'] = /^ {4}/.test(line) && current?.kind !== 'ul' && current?.kind !== 'ol' ? 'pre' : BULLET.test(line) ? 'ul' : NUMBERED.test(line) ? 'ol' : 'p';
    const content = kind === 'pre' ? line.slice(4) : kind === 'ul' ? line.replace(BULLET, '') : kind === 'ol' ? line.replace(NUMBERED, '') : line.trim();
    if (current && current.kind === kind && (kind === 'p' || kind === 'pre')) current.lines.push(content);
    else {
      current = { kind, lines: [content] };
      out.push(current);
    }
  }
  for (const b of out) if (b.kind === 'pre') while (b.lines.at(-1) === '') b.lines.pop();
  return out;
}

/** A prompt as HTML. */
export function renderPrompt(source: string): string {
  let html = '';
  let list: 'ul' | 'ol' | undefined;
  for (const b of blocks(source)) {
    if (list && b.kind !== list) {
      html += `</${list}>`;
      list = undefined;
    }
    if (b.kind === 'ul' || b.kind === 'ol') {
      if (!list) html += `<${b.kind}>`;
      list = b.kind;
      html += `<li>${renderInline(b.lines.join(' '))}</li>`;
    } else if (b.kind === 'pre') {
      html += `<pre><code>${expandPortTokens(escapeHtml(b.lines.join('\n')))}</code></pre>`;
    } else {
      html += `<p>${renderInline(b.lines.join(' '))}</p>`;
    }
  }
  return html + (list ? `</${list}>` : '');
}

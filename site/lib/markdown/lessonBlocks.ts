/**
 * The lesson authoring syntax, as a remark plugin. Lessons are plain Markdown; four fenced
 * block kinds become interactive parts of the page:
 *
 *   ```try smtp          commands that one click pastes into a lab terminal on that service
 *                        ("try pop3 fresh": in a new connection, not the one already open)
 *   ```expect            what the learner should see (joined to the "try" block before it)
 *                        ("expect file carol@otherdomain.com new": the page ignores these words;
 *                        tests/integration/lesson-try-blocks.test.ts checks that file appears)
 *   ```mermaid Caption   a diagram, drawn in the browser only when it scrolls into view
 *   ```lab ports         a live island: "ports" (the port table) or "maildir [user]"
 *
 * In text and `inline code`, {{port:smtp}} is the running lab's port for that service
 * (portTokens.ts). The blocks turn into HTML before shiki runs, so only real config and zone
 * blocks are highlighted. The plugin also notes in the frontmatter what the page needs (hasMermaid,
 * hasTry, islands) so the lesson page loads only those scripts.
 */
import { SERVICES } from '../../../lab-server/src/services.ts';
import { t, type Lang } from '../../i18n/ui.ts';
import { diagramSize } from './diagramSizes.ts';
import { portTableHtml } from '../portTable.ts';
import { expandPortTokens, labPortHtml, PORT_TOKEN, PortTokenError } from '../portTokens.ts';

interface MdNode {
  type: string;
  lang?: string | null;
  meta?: string | null;
  value?: string;
  children?: MdNode[];
}

interface LessonFile {
  path?: string;
  history?: string[];
  data: { astro?: { frontmatter?: Record<string, unknown> } };
}

export const ISLANDS = ['ports', 'maildir'] as const;
export type IslandKind = (typeof ISLANDS)[number];

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The language of a lesson from its path: lessons/<lang>/<slug>.md. */
export function lessonLang(path: string | undefined): Lang {
  return /[\\/]lessons[\\/]en[\\/]/.test(path ?? '') ? 'en' : 'zh-CN';
}

export class LessonSyntaxError extends Error {}

function tryBlock(lang: Lang, meta: string, commands: string, expect: string | undefined): string {
  const [service = '', ...options] = meta.split(/\s+/);
  const info = SERVICES.find((s) => s.id === service);
  if (!info) throw new LessonSyntaxError(`"try ${service}": unknown service; use one of ${SERVICES.map((s) => s.id).join(', ')}`);
  const expectHtml = expect
    ? `<div class="try-expect"><p class="try-expect-label">${escapeHtml(t(lang, 'youShouldSee'))}</p><pre tabindex="0"><code>${escapeHtml(expect)}</code></pre></div>`
    : '';
  return (
    `<div class="try-it" data-service="${info.id}">` +
    `<div class="try-head"><span class="try-label">${escapeHtml(t(lang, 'tryIt'))}</span>` +
    `<span class="try-service">${info.id} · ${escapeHtml(t(lang, 'standardPort'))} ${info.standardPort} · ${escapeHtml(t(lang, 'labPort'))} ${labPortHtml(info.id)}</span>` +
    `<button type="button" class="try-run" data-try="${info.id}"${options.includes('fresh') ? ' data-fresh' : ''}>${escapeHtml(t(lang, 'pasteIntoTerminal'))}</button></div>` +
    `<pre class="try-commands" tabindex="0"><code>${escapeHtml(commands)}</code></pre>` +
    expectHtml +
    `</div>`
  );
}

/**
 * A diagram's box has its drawn size from the start (at most the column, and no narrower than
 * 60% of it, as site/lib/diagrams.ts keeps it readable), and its source is under it from the
 * start too: drawing it late moves nothing. A diagram not yet measured shows its source
 * meanwhile, and moves the text below when drawn.
 */
function diagramBox(source: string): string {
  const size = diagramSize(source);
  if (!size) return `<pre class="mermaid-source">${escapeHtml(source)}</pre>`;
  const { width, height } = size;
  return `<div class="diagram-box" style="width:${width}px;min-width:${Math.round(width * 0.6)}px;aspect-ratio:${width}/${height}"></div>`;
}

function diagramBlock(lang: Lang, caption: string, source: string): string {
  const label = caption || t(lang, 'diagramLabel');
  return (
    `<figure class="diagram" data-mermaid>` +
    `<div class="diagram-view" role="img" aria-label="${escapeHtml(label)}">${diagramBox(source)}</div>` +
    `<figcaption>${escapeHtml(label)}</figcaption>` +
    `<details class="diagram-source"><summary>${escapeHtml(t(lang, 'diagramSource'))}</summary><pre class="mermaid-source">${escapeHtml(source)}</pre></details>` +
    `</figure>`
  );
}

function islandBlock(lang: Lang, meta: string): string {
  const [kind, arg] = meta.trim().split(/\s+/);
  if (!ISLANDS.includes(kind as IslandKind)) throw new LessonSyntaxError(`"lab ${meta}": unknown island; use one of ${ISLANDS.join(', ')}`);
  const fallback = kind === 'ports' ? portTableHtml(lang) : `<p>${escapeHtml(t(lang, 'maildirLoading'))}</p>`;
  const user = arg ? ` data-user="${escapeHtml(arg)}"` : '';
  return `<div class="lab-island" data-island="${kind}"${user}>${fallback}</div>`;
}

/** Turns the lesson blocks of one Markdown tree into HTML, in place. */
export function transformLessonTree(tree: MdNode, lang: Lang): { hasMermaid: boolean; hasTry: boolean; islands: IslandKind[] } {
  const found = { hasMermaid: false, hasTry: false, islands: new Set<IslandKind>() };
  const walk = (node: MdNode): void => {
    const children = node.children;
    if (!children) return;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      if ((child.type === 'text' || child.type === 'inlineCode') && new RegExp(PORT_TOKEN.source).test(child.value ?? '')) {
        const html = expandPortTokens(escapeHtml(child.value ?? ''));
        children[i] = { type: 'html', value: child.type === 'inlineCode' ? `<code>${html}</code>` : html };
        continue;
      }
      if (child.type !== 'code') {
        walk(child);
        continue;
      }
      const meta = (child.meta ?? '').trim();
      const value = child.value ?? '';
      if (child.lang === 'try') {
        const next = children[i + 1];
        const expect = next?.type === 'code' && next.lang === 'expect' ? next.value : undefined;
        children[i] = { type: 'html', value: tryBlock(lang, meta, value, expect) };
        if (expect !== undefined) children.splice(i + 1, 1);
        found.hasTry = true;
      } else if (child.lang === 'expect') {
        children[i] = {
          type: 'html',
          value: `<div class="try-expect"><p class="try-expect-label">${escapeHtml(t(lang, 'youShouldSee'))}</p><pre tabindex="0"><code>${escapeHtml(value)}</code></pre></div>`,
        };
      } else if (child.lang === 'mermaid') {
        children[i] = { type: 'html', value: diagramBlock(lang, meta, value) };
        found.hasMermaid = true;
      } else if (child.lang === 'lab') {
        children[i] = { type: 'html', value: islandBlock(lang, meta) };
        found.islands.add(meta.split(/\s+/)[0] as IslandKind);
      }
    }
  };
  walk(tree);
  return { hasMermaid: found.hasMermaid, hasTry: found.hasTry, islands: [...found.islands].sort() };
}

/** The remark plugin Astro runs on every lesson. */
export function remarkLessonBlocks() {
  return (tree: MdNode, file: LessonFile): void => {
    const path = file.path ?? file.history?.[0];
    let result;
    try {
      result = transformLessonTree(tree, lessonLang(path));
    } catch (err) {
      if (err instanceof PortTokenError) throw new LessonSyntaxError(`${path}: ${err.message}`);
      throw err;
    }
    const astro = (file.data.astro ??= {});
    astro.frontmatter = { ...(astro.frontmatter ?? {}), ...result };
  };
}

/**
 * The lesson authoring syntax: fenced "try", "expect", "mermaid" and "lab" blocks become the
 * page's interactive HTML, in the lesson's language, before shiki sees them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagramSize } from '../../site/lib/markdown/diagramSizes.js';
import { LessonSyntaxError, lessonLang, remarkLessonBlocks, transformLessonTree } from '../../site/lib/markdown/lessonBlocks.js';
import { wrapTables } from '../../site/lib/markdown/tableScroll.js';

type Node = { type: string; lang?: string | null; meta?: string | null; value?: string; children?: Node[] };
const code = (lang: string, meta: string | null, value: string): Node => ({ type: 'code', lang, meta, value });
const root = (...children: Node[]): Node => ({ type: 'root', children });

describe('lesson blocks', () => {
  it('turns a try block and the expect block after it into one Try-it box', () => {
    const tree = root(code('try', 'smtp', 'EHLO a.example\nQUIT'), code('expect', null, '250 <ok> & done'));
    const found = transformLessonTree(tree, 'en');
    expect(tree.children).toHaveLength(1);
    const html = tree.children![0]!.value!;
    expect(tree.children![0]!.type).toBe('html');
    expect(html).toContain('data-try="smtp"');
    expect(html).toContain('<pre class="try-commands" tabindex="0"><code>EHLO a.example\nQUIT</code></pre>');
    // The lab port is the default until the page fills in the running lab's own.
    expect(html).toContain('Standard port 25 · Lab port <span class="lab-port" data-service="smtp">2025</span>');
    expect(html).toContain('250 &lt;ok&gt; &amp; done');
    expect(html).not.toContain('data-fresh');
    expect(found).toEqual({ hasMermaid: false, hasTry: true, islands: [] });
  });

  it('writes the Try-it labels in Chinese for a zh-CN lesson and marks fresh connections', () => {
    const tree = root(code('try', 'imaps fresh', 'a1 LOGIN bob secret'));
    transformLessonTree(tree, 'zh-CN');
    const html = tree.children![0]!.value!;
    expect(html).toContain('动手试试');
    expect(html).toContain('粘贴到终端并执行');
    expect(html).toContain('data-try="imaps" data-fresh');
    expect(html).toContain('993');
  });

  it('refuses a try block for a service the lab does not run, naming the ones it does', () => {
    expect(() => transformLessonTree(root(code('try', 'ftp', 'USER x')), 'en')).toThrow(LessonSyntaxError);
    expect(() => transformLessonTree(root(code('try', 'ftp', 'USER x')), 'en')).toThrow(/submission/);
  });

  it('keeps mermaid source escaped in a labelled figure for the browser to draw', () => {
    const tree = root({ type: 'list', children: [code('mermaid', 'The <path>', 'flowchart LR\n  A --> B')] });
    const found = transformLessonTree(tree, 'en');
    const html = tree.children![0]!.children![0]!.value!;
    expect(html).toContain('data-mermaid');
    expect(html).toContain('aria-label="The &lt;path&gt;"');
    expect(html).toContain('A --&gt; B');
    expect(found.hasMermaid).toBe(true);
  });

  it('gives a measured diagram a box of its drawn size and its source beneath, so drawing it moves nothing', () => {
    const source = readFileSync(new URL('../../lessons/en/protocols.md', import.meta.url), 'utf8').match(/^```mermaid[^\n]*\n([\s\S]*?)\n```$/m)![1]!;
    expect(diagramSize(source)).toEqual({ width: 679, height: 843 });
    const tree = root(code('mermaid', 'The SMTP dialogue', source), code('mermaid', 'New', 'flowchart LR\n  A --> B'));
    transformLessonTree(tree, 'en');
    const [measured = '', unmeasured = ''] = tree.children!.map((c) => c.value!);
    // At most the column, no narrower than 60% of the drawing (scrolling sideways), in its proportions.
    expect(measured).toContain('<div class="diagram-box" style="width:679px;min-width:407px;aspect-ratio:679/843"></div></div><figcaption>');
    expect(measured).toContain('<details class="diagram-source"><summary>Diagram source (mermaid)</summary><pre class="mermaid-source">sequenceDiagram');
    expect(measured.match(/mermaid-source/g)).toHaveLength(1);
    // Not measured yet (bin/measure-diagrams.mjs): its source shows where it will be drawn.
    expect(unmeasured).toContain('<div class="diagram-view" role="img" aria-label="New"><pre class="mermaid-source">flowchart LR');
  });

  it('has a measured size for every diagram of every lesson (bin/measure-diagrams.mjs writes them)', () => {
    const unmeasured: string[] = [];
    for (const lang of ['zh-CN', 'en'])
      for (const file of readdirSync(new URL(`../../lessons/${lang}/`, import.meta.url)).filter((f) => f.endsWith('.md'))) {
        const text = readFileSync(new URL(`../../lessons/${lang}/${file}`, import.meta.url), 'utf8');
        for (const [, caption, source] of text.matchAll(/^```mermaid ?([^\n]*)\n([\s\S]*?)\n```$/gm)) {
          if (!diagramSize(source!)) unmeasured.push(`${lang}/${file}: ${caption}`);
        }
      }
    expect(unmeasured).toEqual([]);
  });

  it('places live islands with a static fallback table of every port', () => {
    const tree = root(code('lab', 'ports', ''), code('lab', 'maildir carol@otherdomain.com', ''));
    const found = transformLessonTree(tree, 'en');
    expect(tree.children![0]!.value).toContain('data-island="ports"');
    expect(tree.children![0]!.value).toMatch(/<th scope="row">submissions<\/th><td data-label="Standard port">465<\/td><td data-label="Lab port"><span class="lab-port" data-service="submissions">2465<\/span><\/td>/);
    expect(tree.children![0]!.value).toContain('data-open-service="submissions" disabled');
    expect(tree.children![1]!.value).toContain('data-island="maildir" data-user="carol@otherdomain.com"');
    expect(found.islands).toEqual(['maildir', 'ports']);
    expect(() => transformLessonTree(root(code('lab', 'nonsense', '')), 'en')).toThrow(LessonSyntaxError);
  });

  it('turns {{port:…}} in text and inline code into the lab port, and refuses an unknown service', () => {
    const tree = root({ type: 'paragraph', children: [{ type: 'text', value: 'Port 25 is {{port:smtp}} & 143 is {{port:imap}}; try ' }, { type: 'inlineCode', value: 'telnet 127.0.0.1 {{port:smtp}}' }] });
    transformLessonTree(tree, 'en');
    const [text, inline] = tree.children![0]!.children!;
    expect(text).toEqual({ type: 'html', value: 'Port 25 is <span class="lab-port" data-service="smtp">2025</span> &amp; 143 is <span class="lab-port" data-service="imap">2143</span>; try ' });
    expect(inline).toEqual({ type: 'html', value: '<code>telnet 127.0.0.1 <span class="lab-port" data-service="smtp">2025</span></code>' });
    const file = { path: '/x/lessons/en/a.md', data: {} };
    expect(() => remarkLessonBlocks()(root({ type: 'paragraph', children: [{ type: 'text', value: '{{port:ftp}}' }] }) as never, file)).toThrow(/a\.md: \{\{port:ftp\}\}: unknown service/);
  });

  it('leaves config and zone blocks alone for shiki', () => {
    const block = code('postfix', null, 'myhostname = mail.example.com');
    const tree = root(block);
    transformLessonTree(tree, 'en');
    expect(tree.children![0]).toBe(block);
  });

  it('knows a lesson language from its path and records what the page needs in the frontmatter', () => {
    expect(lessonLang('/x/lessons/en/architecture.md')).toBe('en');
    expect(lessonLang('/x/lessons/zh-CN/architecture.md')).toBe('zh-CN');
    const file = { path: '/x/lessons/en/a.md', data: { astro: { frontmatter: { title: 'A' } } } };
    remarkLessonBlocks()(root(code('mermaid', '', 'graph TD; A-->B')) as never, file);
    expect(file.data.astro.frontmatter).toMatchObject({ title: 'A', hasMermaid: true, hasTry: false });
  });
});

describe('lesson tables', () => {
  it('go into a focusable box that scrolls sideways, each named by its headings', () => {
    const th = (text: string) => ({ type: 'element', tagName: 'th', children: [{ type: 'text', value: text }] });
    const table = () => ({ type: 'element', tagName: 'table', children: [{ type: 'element', tagName: 'tr', children: [th('port'), th('service')] }] });
    const tree = { type: 'root', children: [table(), { type: 'element', tagName: 'p', children: [] }, table()] };
    expect(wrapTables(tree, 'Table (scrolls sideways)')).toBe(2);
    const boxes = tree.children.filter((c) => c.tagName === 'div') as unknown as Array<{ properties: Record<string, unknown>; children: Array<{ tagName: string }> }>;
    expect(boxes.map((b) => b.properties)).toEqual([
      { className: ['table-scroll'], tabIndex: 0, role: 'region', ariaLabel: 'Table (scrolls sideways): port, service' },
      { className: ['table-scroll'], tabIndex: 0, role: 'region', ariaLabel: 'Table (scrolls sideways): port, service (2)' },
    ]);
    expect(boxes[0]!.children[0]!.tagName).toBe('table');
  });
});

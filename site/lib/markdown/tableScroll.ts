/**
 * A rehype plugin: every table in a lesson goes into a box of its own that scrolls sideways
 * on a narrow screen, so the page never does. The box can take keyboard focus (a region with
 * a name), as a scrolling area must for people who do not use a mouse (WCAG 2.1.1).
 */
import { t } from '../../i18n/ui.ts';
import { lessonLang } from './lessonBlocks.ts';

interface HastNode {
  type: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: HastNode[];
}

/** The text of a node and everything in it. */
function textOf(node: HastNode): string {
  return node.type === 'text' ? ((node as { value?: string }).value ?? '') : (node.children ?? []).map(textOf).join('');
}

/** The table's column headings, so each box on a page has a name of its own. */
function headings(table: HastNode): string {
  const ths: string[] = [];
  const find = (n: HastNode): void => {
    if (ths.length >= 4) return;
    if (n.type === 'element' && n.tagName === 'th') ths.push(textOf(n).trim());
    else n.children?.forEach(find);
  };
  find(table);
  return ths.filter(Boolean).join(', ');
}

export function wrapTables(tree: HastNode, label: string): number {
  let wrapped = 0;
  const names = new Set<string>();
  const walk = (node: HastNode): void => {
    node.children?.forEach((child, i) => {
      if (child.type === 'element' && child.tagName === 'table') {
        let name = `${label}: ${headings(child)}`;
        for (let n = 2; names.has(name); n++) name = `${label}: ${headings(child)} (${n})`;
        names.add(name);
        node.children![i] = { type: 'element', tagName: 'div', properties: { className: ['table-scroll'], tabIndex: 0, role: 'region', ariaLabel: name }, children: [child] };
        wrapped++;
      } else walk(child);
    });
  };
  walk(tree);
  return wrapped;
}

/** The plugin Astro runs on every lesson. */
export function rehypeTableScroll() {
  return (tree: HastNode, file: { path?: string; history?: string[] }): void => {
    wrapTables(tree, t(lessonLang(file.path ?? file.history?.[0]), 'scrollableTable'));
  };
}

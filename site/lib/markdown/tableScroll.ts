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

export function wrapTables(tree: HastNode, label: string): number {
  let wrapped = 0;
  const walk = (node: HastNode): void => {
    node.children?.forEach((child, i) => {
      if (child.type === 'element' && child.tagName === 'table') {
        node.children![i] = { type: 'element', tagName: 'div', properties: { className: ['table-scroll'], tabIndex: 0, role: 'region', ariaLabel: label }, children: [child] };
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

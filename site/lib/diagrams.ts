/**
 * Draws the lessons' mermaid diagrams in the browser. mermaid is large, so this module (and
 * mermaid with it) is imported only when a diagram comes near the screen. Diagrams are drawn
 * one at a time (mermaid keeps global state) and redrawn when the theme changes.
 */
import type { Lang } from '../i18n/ui';
import { offerFullScreen } from './diagramViewer';
import { isDark, onThemeChange } from './theme';

const drawn = new Set<HTMLElement>();
let queue: Promise<unknown> = Promise.resolve();
let counter = 0;
let themeHooked = false;

/**
 * mermaid scales a wide diagram down to the column; below about 60% the labels become too
 * small to read, so a wider diagram keeps that size and the figure scrolls sideways.
 */
function keepReadable(view: HTMLElement): void {
  const svg = view.querySelector('svg');
  const natural = svg?.viewBox.baseVal?.width ?? 0;
  if (svg && natural > 0 && natural * 0.6 > view.clientWidth) svg.style.minWidth = `${Math.round(natural * 0.6)}px`;
}

async function render(figure: HTMLElement, lang: Lang): Promise<void> {
  const view = figure.querySelector<HTMLElement>('.diagram-view')!;
  const source = figure.dataset.source ?? figure.querySelector('.mermaid-source')?.textContent ?? '';
  figure.dataset.source = source;
  const { default: mermaid } = await import('mermaid');
  mermaid.initialize({ startOnLoad: false, theme: isDark() ? 'dark' : 'default', securityLevel: 'strict', fontFamily: 'inherit' });
  try {
    const { svg } = await mermaid.render(`lesson-diagram-${counter++}`, source);
    const box = view.querySelector<HTMLElement>('.diagram-box');
    if (box) {
      // The box was sized at build time: the drawing fills it (scaled to fit, should this
      // browser's fonts draw it a little wider or narrower), so nothing around it moves.
      box.innerHTML = svg;
      box.querySelector('svg')?.style.removeProperty('max-width');
    } else {
      view.innerHTML = svg;
      keepReadable(view);
    }
    offerFullScreen(figure, view, lang);
    figure.dataset.drawn = 'true';
  } catch {
    view.textContent = '';
    const pre = document.createElement('pre');
    pre.textContent = source;
    view.append(pre);
    figure.dataset.drawn = 'failed';
  }
}

/** Draws one diagram figure (queued behind any being drawn). */
export function drawDiagram(figure: HTMLElement, lang: Lang): Promise<void> {
  drawn.add(figure);
  if (!themeHooked) {
    themeHooked = true;
    onThemeChange(() => drawn.forEach((f) => void drawDiagram(f, lang)));
  }
  const job = queue.then(() => render(figure, lang));
  queue = job.catch(() => undefined);
  return job;
}

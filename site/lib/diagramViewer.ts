/**
 * A wide diagram, full screen: a dialog that shows it at its own size, to be panned by
 * scrolling or dragging (a finger on a phone) and zoomed with + and −. Diagrams wider than
 * the text column get a visible button for it, so a phone user knows there is more to see.
 */
import { t, type Lang } from '../i18n/ui';

const ZOOMS = [0.5, 0.75, 1, 1.5, 2];

function button(text: string, label: string, onclick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onclick);
  return b;
}

/** Opens the diagram's SVG in a full-screen dialog; focus returns to `from` on close. */
export function openDiagram(svg: SVGSVGElement, label: string, lang: Lang, from: HTMLElement): void {
  const natural = svg.viewBox.baseVal?.width || svg.getBoundingClientRect().width;
  const dialog = document.createElement('dialog');
  dialog.className = 'diagram-dialog';
  dialog.setAttribute('aria-label', label);
  const pane = document.createElement('div');
  pane.className = 'diagram-pane';
  pane.tabIndex = 0;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.removeAttribute('id');
  copy.style.maxWidth = 'none';
  copy.style.minWidth = '';
  pane.append(copy);
  let zoom = 2;
  const show = (): void => {
    copy.style.width = `${Math.round(natural * ZOOMS[zoom]!)}px`;
  };
  const close = (): void => dialog.close();
  const bar = document.createElement('div');
  bar.className = 'diagram-bar';
  bar.append(
    button('−', t(lang, 'diagramZoomOut'), () => {
      zoom = Math.max(0, zoom - 1);
      show();
    }),
    button('+', t(lang, 'diagramZoomIn'), () => {
      zoom = Math.min(ZOOMS.length - 1, zoom + 1);
      show();
    }),
    button(`✕ ${t(lang, 'close')}`, t(lang, 'close'), close),
  );
  // Dragging pans, as on a map.
  let drag: { x: number; y: number; left: number; top: number } | undefined;
  pane.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, y: e.clientY, left: pane.scrollLeft, top: pane.scrollTop };
    pane.setPointerCapture(e.pointerId);
  });
  pane.addEventListener('pointermove', (e) => {
    if (!drag) return;
    pane.scrollLeft = drag.left - (e.clientX - drag.x);
    pane.scrollTop = drag.top - (e.clientY - drag.y);
  });
  pane.addEventListener('pointerup', () => (drag = undefined));
  dialog.append(bar, pane);
  dialog.addEventListener('close', () => {
    dialog.remove();
    from.focus();
  });
  document.body.append(dialog);
  show();
  dialog.showModal();
  pane.focus();
}

/**
 * Marks a drawn diagram that is wider than its box: it scrolls sideways where it is, and a
 * button in its corner (over it, so nothing moves) opens it full screen.
 */
export function offerFullScreen(figure: HTMLElement, view: HTMLElement, lang: Lang): void {
  figure.querySelector('.diagram-expand')?.remove();
  const svg = view.querySelector('svg');
  if (!svg || view.scrollWidth <= view.clientWidth + 1) {
    view.removeAttribute('tabindex');
    return;
  }
  // A box that scrolls must be reachable by keyboard.
  view.tabIndex = 0;
  const label = view.getAttribute('aria-label') ?? t(lang, 'diagramLabel');
  const open = button(`⤢ ${t(lang, 'diagramFullScreen')}`, `${t(lang, 'diagramFullScreen')}: ${label}`, () => openDiagram(svg, label, lang, open));
  open.className = 'diagram-expand';
  figure.append(open);
}

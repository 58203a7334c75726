/**
 * The lesson page's one eager script, kept tiny: it fills in the running lab's ports, wires
 * the "Try it" buttons, the port table's buttons and the dock launcher, and loads the heavy
 * parts only when needed — the dock (and xterm) on the first click, diagrams (mermaid) and
 * islands (port table, Maildir view) when they scroll near.
 */
import type { Lang } from '../i18n/ui';
import type { DockApi } from './dock';
import { fillLabPorts } from './labPorts';

const lang = (document.documentElement.lang === 'en' ? 'en' : 'zh-CN') as Lang;
let dock: Promise<DockApi> | undefined;

/** The lab dock at the bottom of the page, mounted on first use. */
export function labDock(): Promise<DockApi> {
  dock ??= import('./dock').then((m) => m.mountDock(document.getElementById('lab-dock')!, lang));
  return dock;
}

document.addEventListener('click', (event) => {
  const target = event.target as Element | null;
  const tryButton = target?.closest<HTMLElement>('[data-try]');
  if (tryButton) {
    const commands = tryButton.closest('.try-it')?.querySelector('.try-commands')?.textContent ?? '';
    const service = tryButton.dataset.try!;
    void labDock().then((d) => d.tryIt(service, commands, tryButton.hasAttribute('data-fresh')));
    return;
  }
  const portButton = target?.closest<HTMLElement>('[data-open-service]');
  if (portButton) {
    void labDock().then((d) => d.open(portButton.dataset.openService!));
    return;
  }
  if (target?.closest('[data-open-dock]')) void labDock().then((d) => d.show());
});

void fillLabPorts();

/** Calls `load` for each element once it comes within `margin` of the screen. */
function whenNear(selector: string, margin: string, load: (el: HTMLElement) => void): void {
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        load(entry.target as HTMLElement);
      }
    },
    { rootMargin: `${margin} 0px` },
  );
  document.querySelectorAll(selector).forEach((el) => observer.observe(el));
}

// Islands and diagrams are made about two screens ahead, so they are ready (and have their
// final height) before they are seen: content moving on screen is what a reader notices.
// mermaid is large (about 190 KB gzip), so a page whose diagrams are far down never loads it.
whenNear('.lab-island', '1500px', (el) => void import('./islands').then((m) => m.mountIsland(el, lang)));
whenNear('[data-mermaid]', '1500px', (el) => void import('./diagrams').then((m) => m.drawDiagram(el, lang)));

// A diagram not drawn yet prints as its source.
addEventListener('beforeprint', () => {
  document.querySelectorAll<HTMLDetailsElement>('figure[data-mermaid]:not([data-drawn]) details.diagram-source').forEach((d) => (d.open = true));
});

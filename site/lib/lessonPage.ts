/**
 * The lesson page's one eager script, kept tiny: it wires the "Try it" buttons and the dock
 * launcher, and loads the heavy parts only when needed — the dock (and xterm) on the first
 * click, diagrams (mermaid) and islands (port table, Maildir view) when they scroll near.
 */
import type { Lang } from '../i18n/ui';
import type { DockApi } from './dock';

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
  if (target?.closest('[data-open-dock]')) void labDock().then((d) => d.show());
});

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

// Islands are small: start them a little early. mermaid is large (about 190 KB gzip): only
// for a diagram that is really about to be seen.
whenNear('.lab-island', '400px', (el) => void import('./islands').then((m) => m.mountIsland(el, lang, labDock)));
whenNear('[data-mermaid]', '100px', (el) => void import('./diagrams').then((m) => m.drawDiagram(el, lang)));

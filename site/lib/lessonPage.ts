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

const nearView = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      nearView.unobserve(entry.target);
      const el = entry.target as HTMLElement;
      if (el.matches('[data-mermaid]')) void import('./diagrams').then((m) => m.drawDiagram(el, lang));
      else void import('./islands').then((m) => m.mountIsland(el, lang, labDock));
    }
  },
  { rootMargin: '400px 0px' },
);
document.querySelectorAll('[data-mermaid], .lab-island').forEach((el) => nearView.observe(el));

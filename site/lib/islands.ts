/**
 * Mounts the live islands a lesson places with ```lab blocks: the port table (each row opens
 * a terminal in the dock) and the Maildir view. Imported when one scrolls near the screen.
 */
import { mount } from 'svelte';
import MaildirView from '../components/MaildirView.svelte';
import PortTable from '../components/PortTable.svelte';
import type { Lang } from '../i18n/ui';
import type { DockApi } from './dock';
import type { ServiceRow } from '../components/services';

export function mountIsland(el: HTMLElement, lang: Lang, dock: () => Promise<DockApi>): void {
  const kind = el.dataset.island;
  el.replaceChildren();
  if (kind === 'ports') {
    mount(PortTable, { target: el, props: { lang, onopen: (service: ServiceRow) => void dock().then((d) => d.open(service.id)) } });
  } else if (kind === 'maildir') {
    mount(MaildirView, { target: el, props: { lang, user: el.dataset.user } });
  }
  el.dataset.mounted = 'true';
}

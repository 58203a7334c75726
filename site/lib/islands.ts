/**
 * Brings the live islands a lesson places with ```lab blocks to life when one scrolls near:
 * the port table (already in the page: filled in with the running lab's ports and
 * listeners, each row's button opening a terminal in the dock) and the Maildir view.
 */
import { mount } from 'svelte';
import MaildirView from '../components/MaildirView.svelte';
import { fetchServices } from '../components/services';
import type { Lang } from '../i18n/ui';
import { fetchMe, mustLogIn } from './me';
import { enhancePortTable } from './portTable';

export async function mountIsland(el: HTMLElement, lang: Lang): Promise<void> {
  const kind = el.dataset.island;
  if (kind === 'ports') {
    const [services, me] = await Promise.all([fetchServices(), fetchMe().catch(() => undefined)]);
    enhancePortTable(el, lang, services, !(me && mustLogIn(me)));
  } else if (kind === 'maildir') {
    el.replaceChildren();
    mount(MaildirView, { target: el, props: { lang, user: el.dataset.user, host: el.dataset.host } });
  }
  el.dataset.mounted = 'true';
}

/**
 * Mounts the lab dock (terminals at the bottom of a lesson page). Imported on the first
 * "Try it" or "Open the lab terminal" click, so a page nobody types on never loads xterm.
 */
import { mount } from 'svelte';
import LessonDock from '../components/LessonDock.svelte';
import type { Lang } from '../i18n/ui';

export interface DockApi {
  /** Shows the dock (and its service chooser). */
  show(): void;
  /** Opens a terminal to a service, or brings an open one forward. */
  open(serviceId: string): Promise<void>;
  /**
   * Pastes commands into a terminal on that service once the server has greeted it: the one
   * already open, or a new connection when `fresh` (a lesson step that starts by logging in).
   */
  tryIt(serviceId: string, commands: string, fresh?: boolean): Promise<void>;
}

export function mountDock(target: HTMLElement, lang: Lang): DockApi {
  target.replaceChildren();
  // The dock's Maildir view starts on the mailbox this lesson is about, if it names one.
  const maildirUser = document.querySelector<HTMLElement>('.lab-island[data-island="maildir"][data-user]')?.dataset.user;
  return mount(LessonDock, { target, props: { lang, maildirUser } }) as unknown as DockApi;
}

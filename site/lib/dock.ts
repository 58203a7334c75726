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
  /** Pastes commands into a terminal on that service once the server has greeted it. */
  tryIt(serviceId: string, commands: string): Promise<void>;
}

export function mountDock(target: HTMLElement, lang: Lang): DockApi {
  target.replaceChildren();
  return mount(LessonDock, { target, props: { lang } }) as unknown as DockApi;
}

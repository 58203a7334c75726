/**
 * The browser terminal, loaded on first use: xterm is large, and a page nobody types on
 * should not pay for it (the lab page, an exercise page before its terminal is opened).
 */
import type { Component } from 'svelte';
import type { Lang } from '../i18n/ui';
import type { ServiceRow } from '../components/services';

export interface TerminalProps {
  service: ServiceRow;
  lang: Lang;
  onclose?: () => void;
  /** The exercise the terminal is opened for (its transcript is graded for it). */
  exercise?: string;
}

let loading: Promise<Component<TerminalProps>> | undefined;

export function loadTerminal(): Promise<Component<TerminalProps>> {
  loading ??= import('../components/LabTerminal.svelte').then((m) => m.default as unknown as Component<TerminalProps>);
  loading.catch(() => (loading = undefined));
  return loading;
}

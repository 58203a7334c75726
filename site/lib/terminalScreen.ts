/**
 * The screen of a lab terminal: an xterm instance in its box, in the page's light or dark
 * theme (following it when it changes), fitted to the box with a smaller font on a narrow
 * screen so a line keeps at least 40 columns, its input line kept in sight over a phone's
 * keyboard, and the colours the terminal's notes use.
 * xterm is loaded when the first terminal opens, never with the page.
 */
import type { Terminal } from '@xterm/xterm';
import type { FitAddon } from '@xterm/addon-fit';
import { keepInputLineInView } from './inputLineInView';

const ESC = '\x1b';
export const dim = (s: string): string => `${ESC}[2m${s}${ESC}[22m`;
export const green = (s: string): string => `${ESC}[32m${s}${ESC}[39m`;
export const red = (s: string): string => `${ESC}[31m${s}${ESC}[39m`;
export const yellow = (s: string): string => `${ESC}[33m${s}${ESC}[39m`;

/** Commands and replies wrap badly below 40 columns: a narrow screen gets a smaller font. */
const MIN_COLUMNS = 40;

export interface TerminalScreen {
  term: Terminal;
  /** Stops following the box and the theme, and lets go of xterm. */
  dispose(): void;
}

/** Opens xterm in `box`, its input field named `label` (xterm names it in English). */
export async function openTerminalScreen(box: HTMLElement, label: string): Promise<TerminalScreen> {
  const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
  const term = new Terminal({
    convertEol: false,
    cursorBlink: true,
    fontSize: 14,
    fontFamily: 'ui-monospace, "Cascadia Mono", "Noto Sans Mono CJK SC", Menlo, Consolas, monospace',
    screenReaderMode: true,
    scrollback: 5000,
  });
  const fit: FitAddon = new FitAddon();
  term.loadAddon(fit);
  term.open(box);
  term.textarea?.setAttribute('aria-label', label);
  const themeQuery = matchMedia('(prefers-color-scheme: dark)');
  const applyTheme = (): void => {
    const dark = document.documentElement.dataset.theme === 'dark' || (!document.documentElement.dataset.theme && themeQuery.matches);
    term.options.theme = dark
      ? { background: '#14161b', foreground: '#e6e6e6', cursor: '#e6e6e6', selectionBackground: '#3a4a6b' }
      : { background: '#fbfbf8', foreground: '#1d1f24', cursor: '#1d1f24', selectionBackground: '#c7d6f5' };
  };
  const fitReadable = (): void => {
    const setSize = (size: number): void => {
      if (term.options.fontSize !== size) term.options.fontSize = size;
    };
    let size = 14;
    setSize(size);
    while (size > 11 && (fit.proposeDimensions()?.cols ?? MIN_COLUMNS) < MIN_COLUMNS) setSize(--size);
    fit.fit();
  };
  themeQuery.addEventListener('change', applyTheme);
  window.addEventListener('maillab:theme', applyTheme);
  applyTheme();
  fitReadable();
  const resizeObserver = new ResizeObserver(fitReadable);
  resizeObserver.observe(box);
  const stopFollowing = keepInputLineInView(term);
  return {
    term,
    dispose() {
      stopFollowing();
      resizeObserver.disconnect();
      themeQuery.removeEventListener('change', applyTheme);
      window.removeEventListener('maillab:theme', applyTheme);
      term.dispose();
    },
  };
}

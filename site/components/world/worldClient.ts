/**
 * What the mail world pages share in the browser: the page's language, its strings, and JSON
 * calls to the lab's API that turn a bilingual error into an exception with the right text.
 */
import { t, type Lang, type UiKey } from '../../i18n/ui';

export const lang: Lang = document.documentElement.lang === 'en' ? 'en' : 'zh-CN';
export const s = (key: UiKey): string => t(lang, key);

export type Bilingual = { en: string; 'zh-CN': string };

export class ApiError extends Error {
  constructor(
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const error = json.error as Bilingual | undefined;
    throw new ApiError(error ? error[lang] : `HTTP ${res.status}`, json);
  }
  return json as T;
}

/** Creates an element with text content (never HTML: logs and zones are the learner's text). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

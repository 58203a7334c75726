/** Same-origin JSON calls for the classroom pages; errors carry the server's bilingual message. */
import type { Lang } from '../../i18n/ui';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: Record<Lang, string> | undefined,
  ) {
    super(messages?.en ?? `HTTP ${status}`);
  }

  text(lang: Lang): string {
    return this.messages?.[lang] ?? this.message;
  }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await response.json().catch(() => ({}))) as { error?: Record<Lang, string> };
  if (!response.ok) throw new ApiError(response.status, data.error);
  return data as T;
}

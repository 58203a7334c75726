/** The services as /api/services reports them: asked once per page, shared by every part of it. */
import type { Lang } from '../i18n/ui';

export interface ServiceRow {
  id: string;
  protocol: 'smtp' | 'pop3' | 'imap';
  standardPort: number;
  labPort: number;
  tls: 'starttls' | 'implicit';
  purpose: Record<Lang, string>;
  listening: boolean;
}

let asked: Promise<ServiceRow[]> | undefined;

export function fetchServices(): Promise<ServiceRow[]> {
  asked ??= (async () => {
    const response = await fetch('/api/services', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return ((await response.json()) as { services: ServiceRow[] }).services;
  })();
  // A failed request may be retried later (the lab restarting).
  asked.catch(() => (asked = undefined));
  return asked;
}

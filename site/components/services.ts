/** The services as /api/services reports them. */
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

export async function fetchServices(): Promise<ServiceRow[]> {
  const response = await fetch('/api/services', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return ((await response.json()) as { services: ServiceRow[] }).services;
}

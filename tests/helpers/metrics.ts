/**
 * The lab's Prometheus endpoint as a scraper sees it: one scrape, and the value of one sample.
 */
import type { TestLab } from './lab.js';

/** GET /metrics on `lab`'s web port, with `headers` (a proxy's X-Forwarded-For, a bearer token). */
export async function scrapeMetrics(lab: TestLab, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`http://127.0.0.1:${lab.httpPort}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** The value of one sample, e.g. sampleValue(text, 'maillab_commands_total', {service: 'smtp', command: 'EHLO'}); 0 when absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

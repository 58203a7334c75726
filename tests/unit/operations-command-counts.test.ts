/**
 * maillab_commands_total: commands are counted in a plain map as they come and handed to the
 * Prometheus counter when scraped; a scrape must show every command once, never twice.
 */
import { describe, expect, it } from 'vitest';
import { LabMetrics } from '../../lab-server/src/operations/metrics.js';

const sample = (text: string, service: string, command: string): number => {
  const m = new RegExp(`^maillab_commands_total\\{service="${service}",command="${command}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};

describe('command counts', () => {
  it('reach the counter at each scrape, each command once', async () => {
    const metrics = new LabMetrics();
    for (let i = 0; i < 3; i++) metrics.countCommand('imap', 'FETCH');
    metrics.countCommand('pop3', 'RETR');
    let text = await metrics.registry.metrics();
    expect(sample(text, 'imap', 'FETCH')).toBe(3);
    expect(sample(text, 'pop3', 'RETR')).toBe(1);
    text = await metrics.registry.metrics();
    expect(sample(text, 'imap', 'FETCH')).toBe(3);
    metrics.countCommand('imap', 'FETCH');
    metrics.countCommand('imap', 'NOOP');
    text = await metrics.registry.metrics();
    expect(sample(text, 'imap', 'FETCH')).toBe(4);
    expect(sample(text, 'imap', 'NOOP')).toBe(1);
    expect(sample(text, 'pop3', 'RETR')).toBe(1);
  });
});

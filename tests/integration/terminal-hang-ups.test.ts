/**
 * Pages that go while their terminal is still being set up (a reload, a closed tab, a script):
 * the bridge must let go of the session and of its connection to the service whatever moment
 * the page went, or the learner's terminal limit fills with sessions nobody can close. The lab
 * runs in its own process, as `maillab serve`, so the page's hang-up races the bridge's connect
 * and TLS handshake as it does for a real browser.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { TerminalClient } from '../helpers/terminal.js';

let lab: LabProcess;
beforeAll(async () => {
  lab = await startLabProcess();
}, 30_000);
afterAll(async () => {
  await lab?.stop();
});

it('lets go of a terminal whose page goes while it connects or shakes hands, so the learner can open others', async () => {
  const origin = `http://127.0.0.1:${lab.httpPort}`;
  // Hang-ups spread over the first milliseconds of each terminal: before the bridge connects,
  // while it connects, during the TLS handshake of the implicit-TLS ports, after.
  for (let i = 0; i < 80; i++) {
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${lab.httpPort}/api/terminal?service=${i % 2 ? 'imaps' : 'pop3s'}`, { headers: { origin } });
      ws.on('open', () => setTimeout(() => resolve(ws.terminate()), i % 8));
      ws.on('error', () => resolve());
    });
  }
  const gauges = async (): Promise<string> => {
    const text = await (await fetch(`${origin}/metrics`)).text();
    return text.split('\n').filter((l) => /^maillab_(terminals_open|connections_open\{service="(imaps|pop3s)"\})/.test(l)).join(', ');
  };
  await expect.poll(gauges, { timeout: 5000 }).toMatch(/^(maillab_connections_open\{service="(pop3s|imaps)"\} 0, )*maillab_terminals_open 0$/);
  // The learner (here the one single-mode learner) still has every terminal the limit allows.
  const terminals = await Promise.all(Array.from({ length: 8 }, () => TerminalClient.open(lab.httpPort, 'imaps')));
  for (const t of terminals) await t.expect(/^\* OK /m);
  terminals.forEach((t) => t.close());
}, 60_000);

/**
 * Connection caps and timeouts on the web port, over real sockets. An attacker at 127.0.0.2
 * opens 2,000 idle connections, then keeps its admitted ones busy a header line at a time
 * (slowloris); a learner's requests keep coming. Too many terminals from one address get a
 * message that says what to do; in a cluster another node's connections count in the total only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attacker } from '../helpers/attacks.js';
import { startBystander, unhurt } from '../helpers/bystander.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { TerminalClient } from '../helpers/terminal.js';

const PER_ADDRESS = 20;
const ATTACKER = '127.0.0.2';
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab({
    limits: {
      httpConnectionsPerAddress: PER_ADDRESS,
      httpConnections: 200,
      httpHeadersTimeoutMs: 1000,
      httpRequestTimeoutMs: 2000,
    },
    bridgeLimits: { perAddress: 3 },
  });
});
afterAll(async () => {
  await lab?.dispose();
});

describe('caps and timeouts on the web port', () => {
  it('answers 503 past the cap, cuts slowloris clients off, and the learner\'s requests keep coming', async () => {
    const learner = startBystander(async () => {
      const r = await fetch(`http://127.0.0.1:${lab.httpPort}/api/health`);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      await r.text();
    });
    // 2,000 connections that say nothing: past the cap 503 at once, the rest 408 after the header timeout.
    const attacker = Attacker.start();
    try {
      const { firsts } = await attacker.open(lab.httpPort, { count: 2000, from: ATTACKER });
      const refused = firsts['HTTP/1.1 503 Service Unavailable'] ?? 0;
      // Each time the header timeout frees the admitted ones, the next connections take their place.
      const timedOut = firsts['HTTP/1.1 408 Request Timeout'] ?? 0;
      expect(refused + timedOut, JSON.stringify(firsts)).toBe(2000);
      expect(timedOut).toBeGreaterThanOrEqual(PER_ADDRESS);
      expect(timedOut).toBeLessThan(10 * PER_ADDRESS);
      expect((await attacker.waitClosed(5000)).error).toBeUndefined();
      await attacker.closeAll();

      // Slowloris: a header line now and then never completes a request.
      const slow = await attacker.open(lab.httpPort, { count: PER_ADDRESS, from: ATTACKER, timeoutMs: 100 });
      expect(slow.open).toBe(PER_ADDRESS);
      await attacker.write('GET / HTTP/1.1\r\nHost: lab\r\n');
      await attacker.write('X-Slow: 1\r\n', 200);
      const closed = await attacker.waitClosed(4000);
      expect(closed.error).toBeUndefined();
      expect(closed.ms!).toBeLessThan(2500);
    } finally {
      attacker.stop();
    }
    const report = await learner.stop();
    expect(unhurt(report)).toEqual([]);
  }, 30_000);

  it('tells a learner with too many terminals from one address what to do', async () => {
    const open = await Promise.all([1, 2, 3].map(() => TerminalClient.open(lab.httpPort, 'pop3')));
    const fourth = await TerminalClient.open(lab.httpPort, 'pop3');
    const error = await fourth.message('error');
    expect(error.message!.en).toMatch(/Too many terminals are open from your address \(the limit is 3\)/);
    expect(error.message!['zh-CN']).toContain('终端太多');
    for (const t of open) t.close();
  });
});

describe('the web port in a cluster', () => {
  it("counts another node's connections in the total only: the clients behind them are counted where they connected", async () => {
    const { createWebServer } = await import('../../lab-server/src/http/server.js');
    const { ProxyTrust } = await import('../../lab-server/src/http/clientAddress.js');
    const { SiteOrigin } = await import('../../lab-server/src/http/origin.js');
    const { DEFAULT_LIMITS } = await import('../../lab-server/src/limits.js');
    const { silentLogger } = await import('../../lab-server/src/log.js');
    const PEER = '127.0.0.3';
    const proxies = new ProxyTrust();
    const server = createWebServer(lab.dataDir, {}, { limits: { ...DEFAULT_LIMITS, httpConnectionsPerAddress: PER_ADDRESS, httpConnections: 200 }, proxies, site: new SiteOrigin(undefined, proxies), log: silentLogger, isPeerNode: (a) => a === PEER });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const attacker = Attacker.start();
    try {
      // A node forwarding many learners' requests holds three times one address's share...
      const peer = await attacker.open(port, { count: 3 * PER_ADDRESS, from: PEER, timeoutMs: 300 });
      expect(peer.firsts['HTTP/1.1 503 Service Unavailable'] ?? 0).toBe(0);
      expect(peer.open).toBe(3 * PER_ADDRESS);
      // ...while any other address still meets its own cap.
      const stranger = await attacker.open(port, { count: 2 * PER_ADDRESS, from: ATTACKER, timeoutMs: 300 });
      expect(stranger.firsts['HTTP/1.1 503 Service Unavailable']).toBe(PER_ADDRESS);
      await attacker.closeAll();
    } finally {
      attacker.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

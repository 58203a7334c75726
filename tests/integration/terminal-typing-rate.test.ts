/**
 * A browser terminal sending faster than anyone types (issue 12, second row, as a load): the
 * bridge holds it back to its typing rate instead of relaying megabytes a second, loses none
 * of its lines, and another terminal typing meanwhile is not slowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINE_COST } from '../../lab-server/src/bridge/typingRate.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath, readAllMessages } from '../helpers/maildir.js';
import { neighbourProblems, terminalNeighbour, watchEventLoop } from '../helpers/neighbour.js';
import { TerminalClient } from '../helpers/terminal.js';

// Small limits so the test is short: 32 KB at once, then 32 KB a second.
const RATE = 32 * 1024;
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab({ bridgeLimits: { bytesPerSecond: RATE, burstBytes: RATE } });
});
afterAll(async () => {
  await lab?.dispose();
});

describe('the typing rate of a browser terminal', () => {
  it('holds a flooding terminal back without losing a line, while the terminal next door keeps its pace', { timeout: 120_000 }, async () => {
    const neighbour = await terminalNeighbour(lab.httpPort);
    const loop = watchEventLoop();
    const flooder = await TerminalClient.open(lab.httpPort, 'pop3');
    await flooder.expect(/^\+OK/m);

    // 40 lines of 2,000 characters, all at once, as a script would send them.
    const lines = 40;
    const line = 'X'.repeat(2000);
    const started = performance.now();
    for (let i = 0; i < lines; i++) flooder.line(`${line} ${i}`);
    flooder.line('CAPA');
    // Every line reaches the server: one -ERR for each X line, then CAPA's list.
    await flooder.waitFor(() => /\r\n\.\r\n$/.test(flooder.output), 'the reply to the last line', 60_000);
    expect(flooder.output.split('-ERR Line too long').length - 1).toBe(lines);
    const tookMs = performance.now() - started;

    // What the lines cost beyond the burst can only have gone out at the rate.
    const cost = lines * (JSON.stringify({ type: 'line', text: `${line} 00` }).length + LINE_COST);
    expect(tookMs).toBeGreaterThanOrEqual(((cost - RATE) / RATE) * 1000 * 0.9);
    expect(flooder.messages.filter((m) => m.type === 'error')).toEqual([]);
    await flooder.send('QUIT', /^\+OK/m);
    flooder.close();

    const busyMs = loop.worstBusyMs();
    loop.stop();
    const report = await neighbour.stop();
    expect(neighbourProblems(report, busyMs)).toEqual([]);
    const stored = (await readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com'))).join('\n');
    for (const subject of report.accepted) expect(stored).toContain(`Subject: ${subject}\n`);
  });
});

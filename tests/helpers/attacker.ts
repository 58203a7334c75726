/**
 * The attacker as a process of its own, as it would be in life: the lab's event loop is not
 * charged with the attacker's client work, so a test measures the server. Commands arrive as
 * JSON lines on stdin, each answered with one JSON line on stdout (see Attacker in attacks.ts).
 */
import { createInterface } from 'node:readline';
import { allClosed, closeAll, firstLines, openIdle, until, type HeldConnection } from './attacks.js';

let held: HeldConnection[] = [];
let trickle: NodeJS.Timeout | undefined;
/** The keep-busy timers of connections opened with `keepBusy`. */
let busy: NodeJS.Timeout[] = [];
/** When the last open was answered (Date.now()). */
let lastAnswered = 0;

/** Sends `text` now and every `everyMs` on a connection, until it closes. */
function keepBusy(h: HeldConnection, text: string, everyMs: number): void {
  const send = (): void => {
    if (h.closed) clearInterval(timer);
    else h.socket.write(text);
  };
  const timer = setInterval(send, everyMs);
  busy.push(timer);
  send();
}

async function run(cmd: Record<string, any>): Promise<unknown> {
  switch (cmd.op) {
    case 'open': {
      const onFirst = cmd.keepBusy ? (h: HeldConnection) => keepBusy(h, cmd.keepBusy.text, cmd.keepBusy.everyMs) : undefined;
      const started = Date.now();
      const timeoutMs = cmd.timeoutMs ?? 5000;
      let fresh = await openIdle(cmd.port, { count: cmd.count, from: cmd.from, tls: cmd.tls, onFirst });
      await firstLines(fresh, timeoutMs).catch(() => undefined);
      // With `redialAfterMs`, as a real attacker would: a connection the server closed without a
      // word at least that long after it was opened (its start deadline ran out before the TLS
      // handshake or greeting was done, on a starved server) is opened again, until the time is up.
      // One closed sooner (a refusal, a bug) is not, and counts against the attacker.
      const dropped = (h: HeldConnection): boolean => h.closed && !h.first && h.closedAt! - h.openedAt >= cmd.redialAfterMs;
      let redialed = 0;
      while (cmd.redialAfterMs && fresh.some(dropped) && Date.now() - started < timeoutMs) {
        const again = fresh.filter(dropped);
        redialed += again.length;
        const more = await openIdle(cmd.port, { count: again.length, from: cmd.from, tls: cmd.tls, onFirst });
        fresh = [...fresh.filter((h) => !dropped(h)), ...more];
        await firstLines(more, Math.max(0, timeoutMs - (Date.now() - started))).catch(() => undefined);
      }
      const ms = Date.now() - started;
      // Connections held from before that closed since the last open was answered: each frees a
      // place the server may give to one of these (a cap is "never more at once", not "no more").
      const lost = held.filter((h) => h.closedAt !== undefined && h.closedAt >= lastAnswered).length;
      held.push(...fresh);
      lastAnswered = Date.now();
      const firsts: Record<string, number> = {};
      for (const h of fresh) firsts[h.first] = (firsts[h.first] ?? 0) + 1;
      return { firsts, open: fresh.filter((h) => !h.closed).length, ms, redialed, lost };
    }
    case 'write':
      // Binary (a TLS ClientHello) comes base64-encoded.
      for (const h of held) if (!h.closed) h.socket.write(cmd.base64 ? Buffer.from(cmd.base64, 'base64') : cmd.text);
      return {};
    case 'trickle':
      clearInterval(trickle);
      trickle = setInterval(() => held.forEach((h) => h.closed || h.socket.write(cmd.text)), cmd.everyMs);
      return {};
    case 'waitClosed': {
      const open = held.filter((h) => !h.closed && (cmd.first === undefined || h.first.startsWith(cmd.first)));
      try {
        return { ms: await allClosed(open, cmd.timeoutMs) };
      } catch (err) {
        return { error: (err as Error).message };
      }
    }
    case 'waitFor': {
      const reply = new RegExp(cmd.pattern, cmd.flags);
      const answered = (h: HeldConnection): boolean => h.closed || reply.test(h.later);
      try {
        return { ms: await until(() => held.every(answered), cmd.timeoutMs, () => `${held.filter((h) => !answered(h)).length} connections still without ${reply}`) };
      } catch (err) {
        return { error: (err as Error).message };
      }
    }
    case 'heard':
      return { heard: held.filter((h) => h.heard).length, open: held.filter((h) => !h.closed).length };
    case 'close':
      clearInterval(trickle);
      for (const t of busy) clearInterval(t);
      busy = [];
      closeAll(held);
      held = [];
      return {};
    default:
      return { error: `unknown op ${cmd.op}` };
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  void run(JSON.parse(line) as Record<string, any>).then((result) => process.stdout.write(JSON.stringify(result) + '\n'));
});
lines.on('close', () => process.exit(0));

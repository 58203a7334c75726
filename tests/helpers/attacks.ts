/**
 * Hostile clients for the limit tests (and the "hostile neighbour" benchmark): many idle
 * connections from one address, each classified by the first line the server sends.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';

export interface HeldConnection {
  socket: Socket;
  /** The first line the server sent ('' until it sends one, or when it closed without a word). */
  first: string;
  /** Whether the connection is closed. */
  closed: boolean;
  /** Whether the server has sent anything at all (a TLS server's handshake reply counts). */
  heard: boolean;
  /** What the server sent after its first line (the last KiB of it, latin1). */
  later: string;
  /** When the client started connecting, and when it saw the connection close (Date.now()). */
  openedAt: number;
  closedAt?: number;
}

/**
 * Opens `count` connections to 127.0.0.1:port from `from` and resolves once each is connected
 * (or refused). They go out 100 at a time so the kernel's accept queue drops none of them to
 * SYN retries. `first` and `closed` keep updating afterwards.
 */
export async function openIdle(port: number, options: { count: number; from: string; tls?: boolean; onFirst?: (held: HeldConnection) => void }): Promise<HeldConnection[]> {
  const held: HeldConnection[] = [];
  for (let done = 0; done < options.count; done += 100) {
    const batch = Array.from({ length: Math.min(100, options.count - done) }, () => openOne(port, options.from, options.tls ?? false, options.onFirst));
    held.push(...(await Promise.all(batch)));
  }
  return held;
}

function openOne(port: number, from: string, tls: boolean, onFirst?: (held: HeldConnection) => void): Promise<HeldConnection> {
  return new Promise((resolve) => {
    const plain = connect({ port, host: '127.0.0.1', localAddress: from });
    const socket: Socket = tls ? tlsConnect({ socket: plain, rejectUnauthorized: false }) : plain;
    plain.on('error', () => undefined);
    const held: HeldConnection = { socket, first: '', closed: false, heard: false, later: '', openedAt: Date.now() };
    let data = '';
    socket.on('data', (d: Buffer) => {
      held.heard = true;
      if (held.first) {
        held.later = (held.later + d.toString('latin1')).slice(-1024);
        return;
      }
      data += d.toString('latin1');
      const nl = data.indexOf('\r\n');
      if (nl < 0) return;
      held.first = data.slice(0, nl);
      held.later = data.slice(nl + 2).slice(-1024);
      onFirst?.(held);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      held.closed = true;
      held.closedAt = Date.now();
      resolve(held);
    });
    socket.once(tls ? 'secureConnect' : 'connect', () => resolve(held));
  });
}

/** Waits (polling) until `check` holds; resolves with how long it took, or throws saying `what()`. */
export async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what()} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

/** Waits until each connection has its first line or is closed. */
export function firstLines(held: HeldConnection[], timeoutMs: number): Promise<number> {
  return until(() => held.every((h) => h.first || h.closed), timeoutMs, () => `${held.filter((h) => !h.first && !h.closed).length} connections still silent`);
}

/** Waits until the server has closed every connection; resolves with how long it took. */
export function allClosed(held: HeldConnection[], timeoutMs: number): Promise<number> {
  return until(() => held.every((h) => h.closed), timeoutMs, () => `${held.filter((h) => !h.closed).length} connections still open`);
}

export function closeAll(held: HeldConnection[]): void {
  for (const h of held) h.socket.destroy();
}

/** Connections held by a separate attacker process (tests/helpers/attacker.ts). */
export class Attacker {
  private buffered = '';
  private waiting: Array<(line: string) => void> = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.buffered += d.toString();
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
  }

  static start(): Attacker {
    const script = fileURLToPath(new URL('./attacker.ts', import.meta.url));
    return new Attacker(spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'pipe' }));
  }

  private ask<T>(cmd: Record<string, unknown>): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(JSON.parse(line) as T));
      this.child.stdin.write(JSON.stringify(cmd) + '\n');
    });
  }

  /**
   * Opens connections; says how many got which first line, how many are still open, and how
   * long it took until each had its first line or was closed (or the time ran out). With
   * `keepBusy`, each connection sends `text` as soon as it is greeted and every `everyMs` after
   * (slowloris): never idle from its greeting on, however long the others take to be greeted.
   * With `redialAfterMs`, one the server closed without a word at least that long after it was
   * opened (its start deadline) is opened again within the time (`redialed` counts them).
   * `lost`: how many of the connections opened before closed since the last open was answered.
   */
  open(
    port: number,
    options: { count: number; from: string; tls?: boolean; timeoutMs?: number; keepBusy?: { text: string; everyMs: number }; redialAfterMs?: number },
  ): Promise<{ firsts: Record<string, number>; open: number; ms: number; redialed: number; lost: number }> {
    return this.ask({ op: 'open', port, ...options });
  }

  /** Writes to every open connection, once or (everyMs) again and again. */
  write(text: string, everyMs?: number): Promise<unknown> {
    return this.ask(everyMs ? { op: 'trickle', text, everyMs } : { op: 'write', text });
  }

  /** Writes the same bytes to every open connection at once. */
  writeBytes(bytes: Buffer): Promise<unknown> {
    return this.ask({ op: 'write', base64: bytes.toString('base64') });
  }

  /** Waits until the server has closed every open connection (whose first line starts with `first`). */
  waitClosed(timeoutMs: number, first?: string): Promise<{ ms?: number; error?: string }> {
    return this.ask({ op: 'waitClosed', timeoutMs, first });
  }

  /** Waits until every open connection has had a line matching `reply` after its first line (a command's answer). */
  waitFor(reply: RegExp, timeoutMs: number): Promise<{ ms?: number; error?: string }> {
    return this.ask({ op: 'waitFor', pattern: reply.source, flags: reply.flags, timeoutMs });
  }

  /** How many of the open connections the server has sent anything, and how many are still open. */
  heard(): Promise<{ heard: number; open: number }> {
    return this.ask({ op: 'heard' });
  }

  closeAll(): Promise<unknown> {
    return this.ask({ op: 'close' });
  }

  stop(): void {
    this.child.stdin.end();
  }
}

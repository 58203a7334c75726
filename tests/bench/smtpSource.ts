/**
 * A load generator in the manner of Postfix's smtp-source: raw SMTP over plain sockets, with
 * PIPELINING as a real MTA uses it (MAIL, RCPT and DATA in one write, then the body after the
 * 354), so the figure measures the server and not the client's own MIME library. Every reply
 * is checked; a message counts only when the server answered 250 to its final dot, that is,
 * once it has been written to the Maildir and fsynced.
 */
import { connect, type Socket } from 'node:net';

interface Replies {
  /** The next complete reply (all its lines), waiting for it if needed. */
  next(): Promise<string>;
}

function replies(socket: Socket): Replies {
  let buffer = '';
  const ready: string[] = [];
  let waiter: ((reply: string) => void) | undefined;
  let failed: Error | undefined;
  const fail = (err: Error): void => {
    failed = err;
    waiter?.('');
  };
  socket.setEncoding('latin1');
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed by the server')));
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply ends with a line whose code is followed by a space ("250 ok"), not a dash.
    for (let m = /^\d{3} [^\n]*\n/m.exec(buffer); m; m = /^\d{3} [^\n]*\n/m.exec(buffer)) {
      const end = m.index + m[0].length;
      ready.push(buffer.slice(0, end));
      buffer = buffer.slice(end);
    }
    if (waiter && ready.length > 0) {
      const w = waiter;
      waiter = undefined;
      w(ready.shift()!);
    }
  });
  return {
    next: () =>
      new Promise<string>((resolve, reject) => {
        if (ready.length > 0) return resolve(ready.shift()!);
        if (failed) return reject(failed);
        waiter = (reply) => (failed ? reject(failed) : resolve(reply));
      }),
  };
}

async function expect(r: Replies, code: string, what: string): Promise<void> {
  const reply = await r.next();
  if (!reply.startsWith(code)) throw new Error(`${what}: expected ${code}, got ${reply.trim()}`);
}

export interface SourceOptions {
  port: number;
  connections: number;
  total: number;
  from: string;
  to: string;
  /** The message (CRLF, no line starting with a dot) for message number n. */
  message: (n: number) => Buffer;
}

/** Sends `total` messages over `connections` sessions; resolves to messages per second. */
export async function smtpSource(o: SourceOptions): Promise<number> {
  let next = 0;
  const session = async (): Promise<void> => {
    const socket = connect({ port: o.port, host: '127.0.0.1', noDelay: true });
    const r = replies(socket);
    await expect(r, '220', 'greeting');
    socket.write('EHLO bench.example.com\r\n');
    const ehlo = await r.next();
    if (!/^250[ -]PIPELINING/m.test(ehlo)) throw new Error(`the server does not offer PIPELINING: ${ehlo}`);
    while (next < o.total) {
      const n = next++;
      socket.write(`MAIL FROM:<${o.from}>\r\nRCPT TO:<${o.to}>\r\nDATA\r\n`);
      await expect(r, '250', 'MAIL FROM');
      await expect(r, '250', 'RCPT TO');
      await expect(r, '354', 'DATA');
      socket.write(Buffer.concat([o.message(n), Buffer.from('\r\n.\r\n')]));
      await expect(r, '250', `message ${n}`);
    }
    socket.write('QUIT\r\n');
    await expect(r, '221', 'QUIT');
    socket.destroy();
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: o.connections }, session));
  return Math.round(o.total / ((performance.now() - started) / 1000));
}

/**
 * paceHandshake on real sockets: a TLS client's handshake starts in its turn with its hello
 * intact, a client that leaves before its turn is closed without a TLSSocket ever being put on
 * its connection, and one that streams bytes instead of waiting is cut off.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket, createSecureContext } from 'node:tls';
import selfsigned from 'selfsigned';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { paceHandshake, TurnBudget } from '../../lab-server/src/net/turnBudget.js';

/** A budget whose turns the test gives, one piece of work at a time. */
class HeldBudget extends TurnBudget {
  readonly held: Array<() => void> = [];
  constructor() {
    super(5, 3);
  }
  override run(_key: string, work: () => void): void {
    this.held.push(work);
  }
}

let context: ReturnType<typeof createSecureContext>;
let server: Server | undefined;
beforeAll(async () => {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'mail.example.com' }], { keySize: 2048 });
  context = createSecureContext({ key: pems.private, cert: pems.cert });
});
afterEach(() => server?.close());

/** A TLS echo server whose handshakes are paced by `budget`; `wrapped` counts the TLSSockets made. */
async function pacedServer(budget: TurnBudget): Promise<{ port: number; wrapped: () => number; sockets: Socket[] }> {
  let wrapped = 0;
  const sockets: Socket[] = [];
  server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    paceHandshake(socket, 'client', () => {
      wrapped++;
      const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
      secure.on('error', () => undefined);
      secure.on('data', (d) => secure.write(d));
    }, budget);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, wrapped: () => wrapped, sockets };
}

const closed = (socket: Socket): Promise<void> => new Promise((r) => (socket.destroyed ? r() : socket.once('close', () => r())));

it('starts the handshake in its turn, with the hello that waited, and the session works', async () => {
  const budget = new HeldBudget();
  const { port, wrapped } = await pacedServer(budget);
  const client = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  client.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 200));
  expect(wrapped()).toBe(0);
  expect(budget.held).toHaveLength(1);
  budget.held.shift()!();
  await new Promise((r) => client.once('secureConnect', r));
  client.write('NOOP\r\n');
  const echoed = await new Promise<string>((r) => client.once('data', (d: Buffer) => r(d.toString())));
  expect(echoed).toBe('NOOP\r\n');
  client.destroy();
});

it('closes a client that sent its hello and left before its turn, without wrapping it', async () => {
  const budget = new HeldBudget();
  const { port, wrapped, sockets } = await pacedServer(budget);
  const client = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  client.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 200));
  client.destroy();
  await closed(sockets[0]!);
  budget.held.shift()?.();
  expect(wrapped()).toBe(0);
});

it('cuts off a client that sends more than a hello could be before its turn', async () => {
  const budget = new HeldBudget();
  const { port, wrapped, sockets } = await pacedServer(budget);
  const client = connect({ port, host: '127.0.0.1' });
  client.on('error', () => undefined);
  await new Promise((r) => client.once('connect', r));
  client.write(Buffer.alloc(100 * 1024, 0x16));
  await closed(sockets[0]!);
  await closed(client);
  budget.held.shift()?.();
  expect(wrapped()).toBe(0);
});

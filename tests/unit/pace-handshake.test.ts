/**
 * paceHandshake on real sockets: a TLS client's handshake starts in its turn with its hello
 * intact, a client that leaves before its turn is closed without a TLSSocket ever being put on
 * its connection, and one that streams bytes instead of waiting is cut off. A client that hangs
 * up while its TLSSocket is still on its way does not crash Node.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket, createSecureContext } from 'node:tls';
import selfsigned from 'selfsigned';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { paceHandshake, TurnBudget } from '../../lab-server/src/net/turnBudget.js';
import { clientHello } from '../helpers/tlsHello.js';

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

// On port 465 the TLSSocket comes a few turns after paceHandshake's wrap (the lab asks whether
// the connection is its own, smtp-server waits a turn), and smtp-server asks a closing TLSSocket
// for its protocol. A hang-up read by the plain socket meanwhile ended it beneath the TLSSocket,
// whose close then came with its TLS state freed: SIGSEGV in SSL_get_version, the lab gone.
it('lets a client hang up while its TLSSocket is on its way, and Node survives the close', async () => {
  const hello = await clientHello();
  const budget = new HeldBudget();
  const wraps: Array<() => void> = [];
  let wrapAsked!: () => void;
  const asked = new Promise<void>((r) => (wrapAsked = r));
  const sockets: Socket[] = [];
  server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    paceHandshake(socket, 'client', () => (wraps.push(() => secureOver(socket)), wrapAsked()), budget);
  });
  let protocolAtClose: string | null | undefined;
  let closedSecure!: () => void;
  const secureClosed = new Promise<void>((r) => (closedSecure = r));
  const secureOver = (socket: Socket): void => {
    const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
    secure.on('error', () => undefined);
    secure.once('close', () => {
      protocolAtClose = secure.getProtocol();
      closedSecure();
    });
  };
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const client = connect({ port: (server!.address() as { port: number }).port, host: '127.0.0.1' });
  client.on('error', () => undefined);
  const answered = new Promise<void>((r) => client.once('data', () => r()));
  await new Promise((r) => client.once('connect', r));
  client.write(hello);
  while (budget.held.length === 0) await new Promise((r) => setTimeout(r, 10));
  budget.held.shift()!();
  await asked;
  // The client hangs up now; its FIN is at the lab's end once 'finish' is seen, and the lab's
  // loop has turned (and polled the socket) by the time a timer fires after it.
  client.end();
  await new Promise((r) => client.once('finish', r));
  await new Promise((r) => setTimeout(r, 100));
  wraps.shift()!();
  // The handshake goes on with the hello that waited (the client hears the server's first
  // flight), then the TLSSocket reads the hang-up itself and closes.
  await answered;
  await secureClosed;
  await closed(sockets[0]!);
  expect(protocolAtClose === null || typeof protocolAtClose === 'string').toBe(true);
  client.destroy();
});

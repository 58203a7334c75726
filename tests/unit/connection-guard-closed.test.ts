/**
 * A connection that closes while the guard asks whether it is the lab's own (a claim that takes
 * a turn or more) is never handed to the protocol server: on an implicit-TLS port the server
 * would put a TLSSocket on a destroyed socket, whose close crashes Node 20 (SIGSEGV in
 * SSL_get_version) when anything asks its protocol.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { ConnectionCaps, guardConnections } from '../../lab-server/src/net/connectionCaps.js';

async function handedOver(o: { perAddress: number; implicitTls: boolean }): Promise<number> {
  let handed = 0;
  const server = createServer(() => handed++);
  const asked: Socket[] = [];
  let answered: Promise<boolean> | undefined;
  guardConnections(server, {
    caps: new ConnectionCaps(o.perAddress, 100),
    group: 'test',
    // The claim is answered only after the connection is gone.
    isInternal: (socket) => {
      asked.push(socket);
      socket.destroy();
      answered = once(socket, 'close').then(() => true);
      return answered;
    },
    refuse: (socket) => socket.destroy(),
    startDeadlineMs: 0,
    implicitTls: o.implicitTls,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  client.on('error', () => undefined);
  client.write('\x16\x03\x01hello');
  await once(client, 'close');
  while (!answered) await new Promise((r) => setImmediate(r));
  await answered;
  // The guard acts on the answer in the turn it comes.
  await new Promise((r) => setImmediate(r));
  server.close();
  expect(asked).toHaveLength(1);
  return handed;
}

it('an implicit-TLS connection closed while the guard asked about it is not handed on', async () => {
  expect(await handedOver({ perAddress: 10, implicitTls: true })).toBe(0);
});

it('a connection over the cap that closed while the guard asked about it is not handed on', async () => {
  expect(await handedOver({ perAddress: 0, implicitTls: false })).toBe(0);
});

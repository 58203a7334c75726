/**
 * Port 465 with the lab's smtp-server: a connection the lab drops in the turn between accepting
 * it and smtp-server's TLS handshake (its start deadline can fire there; shutdown closes every
 * pending one) is closed without a TLSSocket. A TLSSocket on a destroyed socket closed with its
 * TLS state freed, and smtp-server's getProtocol() then crashed Node 20 (SIGSEGV): the whole lab.
 */
import { connect as tlsConnect } from 'node:tls';
import selfsigned from 'selfsigned';
import { afterEach, expect, it } from 'vitest';
import { LabSmtpServer } from '../../lab-server/src/smtp/labSmtpServer.js';

let server: LabSmtpServer | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** The first line a client hears over implicit TLS, or the error that ended it. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve) => {
    const client = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    client.once('data', (d: Buffer) => (resolve(d.toString().split('\r\n')[0]!), client.destroy()));
    client.once('error', (err) => resolve(`error: ${err.message}`));
    client.once('close', () => resolve('closed'));
  });
}

it('closes a 465 connection dropped before its handshake, and goes on greeting the next', async () => {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'mail.example.com' }], { keySize: 2048 });
  server = new LabSmtpServer({ secure: true, key: pems.private, cert: pems.cert, logger: false, disabledCommands: ['AUTH'] });
  let drops = 1;
  // After smtp-server's own listener, in the same turn: what the lab's start deadline does.
  server.server.on('connection', (socket) => {
    if (drops-- > 0) server!.dropUnstarted(socket);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  expect(await greeting(port)).toMatch(/^(closed|error: )/);
  expect(await greeting(port)).toMatch(/^220 /);
});

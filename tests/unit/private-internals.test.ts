/**
 * The private parts of Node and smtp-server that two crash fixes lean on (a TLSSocket put on a
 * socket that closed meanwhile crashes Node 20 in SSL_get_version). Were one renamed by an
 * upgrade, turnBudget.ts's stopReading would silently do nothing and the crash would come back:
 * this says at once which part is gone.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { expect, it } from 'vitest';
import { LabSmtpServer } from '../../lab-server/src/smtp/labSmtpServer.js';

it('a TCP socket has the handle turnBudget.ts stops reading, and the readable state whose end it checks', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [socket] = await accepted;
  try {
    const handle = (socket as unknown as { _handle?: { reading?: unknown; readStop?: unknown } })._handle;
    expect(typeof handle?.readStop).toBe('function');
    expect(handle?.reading).toBe(true);
    const state = (socket as unknown as { _readableState?: { ended?: unknown } })._readableState;
    expect(state?.ended).toBe(false);
  } finally {
    client.destroy();
    socket.destroy();
    server.close();
  }
});

it("smtp-server has the _upgrade LabSmtpServer wraps, and a LabSmtpServer starts with it wrapped", () => {
  expect(typeof (SMTPServer.prototype as unknown as { _upgrade?: unknown })._upgrade).toBe('function');
  const lab = new LabSmtpServer({ secure: true, authOptional: true });
  const own = Object.prototype.hasOwnProperty.call(lab, '_upgrade');
  expect(own).toBe(true);
});

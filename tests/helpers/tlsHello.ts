/**
 * The first bytes a TLS client sends (its ClientHello), as Node's own client says them, taken
 * from an in-memory wire: for tests that feed a server a real hello without a handshake.
 */
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

export function clientHello(): Promise<Buffer> {
  return new Promise((resolve) => {
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        resolve(chunk);
        done();
        setImmediate(() => client.destroy());
      },
    });
    const client = tlsConnect({ socket: wire, rejectUnauthorized: false, servername: 'mail.example.com' });
    client.on('error', () => undefined);
  });
}

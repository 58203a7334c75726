/**
 * A learner on a mail port while an attack runs, from 127.0.0.1 (attackers use other loopback
 * addresses): logged in where the port has logins, then one small command and its reply,
 * timed again and again as a bystander (bystander.ts).
 */
import { connect as tlsConnect } from 'node:tls';
import type { RunningService } from '../../lab-server/src/lab.js';
import { startBystander, type Bystander } from './bystander.js';
import { RawClient } from './rawSocket.js';

/** The first line each protocol greets with. */
export const GREETING: Record<RunningService['protocol'], RegExp> = { smtp: /^220 /, pop3: /^\+OK/, imap: /^\* OK/ };

/** A learner on the same port from another address, logged in where the port has logins: one command and its reply, timed. */
export async function learnerOn(service: RunningService): Promise<Bystander> {
  const tls = service.tls === 'implicit';
  let c = await RawClient.open(service.port, tls, '127.0.0.1');
  await c.until(GREETING[service.protocol]);
  if (service.id.startsWith('submission')) {
    await c.command('EHLO learner.test', /^250 /m);
    if (!tls) {
      await c.command('STARTTLS', /^220 /m);
      const secure = tlsConnect({ socket: c.socket, rejectUnauthorized: false });
      await new Promise((resolve) => secure.once('secureConnect', resolve));
      c = RawClient.fromSocket(secure);
      await c.command('EHLO learner.test', /^250 /m);
    }
    await c.command(`AUTH PLAIN ${Buffer.from('\0alice@example.com\0secret').toString('base64')}`, /^235 /m);
  }
  if (service.protocol === 'imap') await c.command('a0 LOGIN alice@example.com secret', /^a0 OK/m);
  if (service.protocol === 'pop3') {
    // One POP3 session per maildrop: the learner on 995 reads bob's.
    await c.command(`USER ${tls ? 'bob' : 'alice'}@example.com`, /^\+OK/m);
    await c.command('PASS secret', /^\+OK/m);
  }
  const probe = { smtp: ['NOOP', /^250 /m], pop3: ['CAPA', /^\.\r\n/m], imap: ['a1 NOOP', /^a1 OK/m] } as const;
  const [line, reply] = probe[service.protocol];
  const client = c;
  const watch = startBystander(async () => {
    await client.command(line, reply, 2000);
  });
  return {
    async stop() {
      const report = await watch.stop();
      client.close();
      return report;
    },
  };
}

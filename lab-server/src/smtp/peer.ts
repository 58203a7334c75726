/**
 * How the receiving side of port 25 sees a client: a lab MTA relaying (a connection the lab
 * opened itself) by its lab address and its PTR name in the sandbox's DNS, anyone else as
 * they are.
 */
import type { SMTPServerSession } from 'smtp-server';
import type { MailWorld } from '../mta/mailWorld.js';
import type { ConnectionScope, SandboxAccess } from '../world/access.js';

export interface Peer {
  address: string;
  hostname: string;
  labServer: boolean;
}

export async function findPeer(deps: { access: SandboxAccess; world: MailWorld }, session: SMTPServerSession, scope: ConnectionScope): Promise<Peer> {
  const plain = session.remoteAddress.replace(/^::ffff:/, '');
  const ticket = scope.viaBridge ? await deps.access.handoffs.claim(session.remoteAddress, session.remotePort) : undefined;
  if (!ticket?.labAddress) return { address: plain, hostname: '', labServer: false };
  const names = await deps.world.dns.resolver(scope.sandbox).ptr(ticket.labAddress).catch(() => [] as unknown[]);
  return { address: ticket.labAddress, hostname: typeof names[0] === 'string' ? names[0] : '', labServer: true };
}

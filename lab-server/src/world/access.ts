/**
 * Which sandbox a connection belongs to. Fixed when it starts (a bridge handoff), otherwise
 * the sandbox external clients reach; credentials are checked inside that sandbox only.
 */
import type { HandoffRegistry } from '../net/handoff.js';
import type { WorldUser } from './definition.js';
import type { Sandbox } from './sandbox.js';
import type { Sandboxes } from './sandboxes.js';

export interface ConnectionScope {
  sandbox: Sandbox;
  /** True when the lab's own browser-terminal bridge opened this connection. */
  viaBridge: boolean;
  owner?: string;
}

export class SandboxAccess {
  constructor(
    readonly sandboxes: Sandboxes,
    readonly handoffs: HandoffRegistry,
    /** The sandbox that connections from outside the lab reach. */
    readonly externalSandboxId: string,
  ) {}

  /** Decides the sandbox of a connection the moment it is accepted. */
  async forConnection(remoteAddress: string | undefined, remotePort: number | undefined): Promise<ConnectionScope> {
    const ticket = await this.handoffs.claim(remoteAddress, remotePort);
    if (ticket) {
      return { sandbox: await this.sandboxes.get(ticket.sandboxId), viaBridge: true, owner: ticket.owner };
    }
    return { sandbox: await this.sandboxes.get(this.externalSandboxId), viaBridge: false };
  }

  /** Checks credentials within the connection's sandbox. */
  authenticate(scope: ConnectionScope, login: string, password: string): WorldUser | undefined {
    return scope.sandbox.authenticate(login, password);
  }
}

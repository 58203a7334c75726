/**
 * Who may receive mail here. The lab accepts mail only for its own users in its own domains,
 * on every port and whoever is logged in: it is never an open relay, and nothing ever leaves
 * this machine.
 */
import { splitAddress } from '../world/definition.js';
import type { Sandbox } from '../world/sandbox.js';

export class RecipientRefused extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Throws RecipientRefused with Postfix's codes and wording when an address is not ours. */
export function checkRecipient(sandbox: Sandbox, address: string): void {
  const parts = splitAddress(address);
  if (!parts) {
    throw new RecipientRefused(501, `5.1.3 <${address}>: Bad recipient address syntax. Use a full address, e.g. RCPT TO:<bob@example.com>`);
  }
  if (!sandbox.isLocalDomain(parts.domain)) {
    throw new RecipientRefused(554, `5.7.1 <${address}>: Relay access denied`);
  }
  if (!sandbox.userByAddress(address)) {
    throw new RecipientRefused(550, `5.1.1 <${address}>: Recipient address rejected: User unknown in virtual mailbox table`);
  }
}

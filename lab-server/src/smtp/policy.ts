/**
 * Who may receive mail here. Each lab MTA is the final destination for its own domain only:
 * mail.example.com's port 25 takes mail for example.com users, mail.otherdomain.com's for
 * otherdomain.com users, from anyone — and nothing else: it is never an open relay. A user
 * logged in on the submission port may also send to the other lab domain: that mail goes
 * through their MTA's queue. Nothing is accepted for a domain outside the lab.
 */
import { splitAddress } from '../world/definition.js';
import { homeMta, type LabMta } from '../world/network.js';
import type { Sandbox } from '../world/sandbox.js';

/**
 * Recipients one message may have (Postfix's smtpd_recipient_limit, 1000 there; a lab world has
 * a handful of users). Without a limit one submission to thousands of made-up addresses at the
 * other lab domain is relayed one RCPT each and bounced back as a report megabytes long.
 */
export const MAX_RECIPIENTS = 100;

export class RecipientRefused extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

function parse(address: string): { local: string; domain: string } {
  const parts = splitAddress(address);
  if (!parts) {
    throw new RecipientRefused(501, `5.1.3 <${address}>: Bad recipient address syntax. Use a full address, e.g. RCPT TO:<bob@example.com>`);
  }
  return parts;
}

function relayDenied(address: string, sandbox: Sandbox, domain: string): RecipientRefused {
  if (!sandbox.isLocalDomain(domain)) return new RecipientRefused(554, `5.7.1 <${address}>: Relay access denied`);
  const home = homeMta(domain);
  return new RecipientRefused(
    554,
    `5.7.1 <${address}>: Relay access denied. ${domain}'s mail server is ${home.host}: connect to its own SMTP port, or log in on the submission port (587) to send through your server's queue`,
  );
}

function unknownUser(address: string): RecipientRefused {
  return new RecipientRefused(550, `5.1.1 <${address}>: Recipient address rejected: User unknown in virtual mailbox table`);
}

/** Port 25 of `mta`: its own users only. Throws RecipientRefused with Postfix's codes and wording. */
export function checkRecipient(sandbox: Sandbox, address: string, mta: LabMta): void {
  const { domain } = parse(address);
  if (!sandbox.isLocalDomain(domain) || homeMta(domain).domain !== mta.domain) throw relayDenied(address, sandbox, domain);
  if (!sandbox.recipient(address)) throw unknownUser(address);
}

/**
 * Submission by `user`: any lab domain. Their own MTA's users must exist now; a user of the
 * other domain is the other server's to check (an unknown one comes back as a bounce).
 */
export function checkSubmissionRecipient(sandbox: Sandbox, address: string, user: string): void {
  const { domain } = parse(address);
  if (!sandbox.isLocalDomain(domain)) throw relayDenied(address, sandbox, domain);
  const sender = splitAddress(user);
  if (sender && homeMta(domain).domain === homeMta(sender.domain).domain && !sandbox.recipient(address)) throw unknownUser(address);
}

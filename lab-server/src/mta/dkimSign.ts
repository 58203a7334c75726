/**
 * Outbound DKIM signing (what OpenDKIM does as a milter): the sending MTA signs each message
 * it accepts from an authenticated user with its domain's key from the sandbox, d=<domain>,
 * s=default, relaxed/relaxed, rsa-sha256 (RFC 6376, RFC 8301), and puts the DKIM-Signature
 * header on top. The signing itself runs off the event loop for big messages (smtp/dkimJobs.ts).
 */
import { signDkim } from '../smtp/dkimJobs.js';
import type { DkimKey } from '../world/dkimKeys.js';

/** The message with a DKIM-Signature header on top (CRLF line ends in, CRLF out). */
export async function signMessage(message: Buffer, key: DkimKey, lane = ''): Promise<Buffer> {
  const signature = await signDkim(message, key, lane);
  return Buffer.concat([Buffer.from(signature), message]);
}

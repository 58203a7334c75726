/**
 * Outbound DKIM signing (what OpenDKIM does as a milter): the sending MTA signs each message
 * it accepts from an authenticated user with its domain's key from the sandbox, d=<domain>,
 * s=default, relaxed/relaxed, rsa-sha256 (RFC 6376, RFC 8301), and puts the DKIM-Signature
 * header on top.
 */
import { createRequire } from 'node:module';
import type { DkimKey } from '../world/dkimKeys.js';

const require = createRequire(import.meta.url);
const { dkimSign } = require('mailauth/lib/dkim/sign') as {
  dkimSign: (message: Buffer, opts: unknown) => Promise<{ signatures: string; errors: Array<{ error?: string; message?: string }> }>;
};

/** The headers signed, as OpenDKIM's default list: the ones a forger would want to change. */
const SIGNED_HEADERS = 'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:In-Reply-To:References';

/** The message with a DKIM-Signature header on top (CRLF line ends in, CRLF out). */
export async function signMessage(message: Buffer, key: DkimKey): Promise<Buffer> {
  const result = await dkimSign(message, {
    canonicalization: 'relaxed/relaxed',
    algorithm: 'rsa-sha256',
    headerList: SIGNED_HEADERS,
    // t= worked out once: without it mailauth reads the clock twice (for the signed header and
    // for the header it returns), and the two disagree when a half second passes between them.
    signTime: new Date(),
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey }],
  });
  if (result.errors.length > 0 || !result.signatures.trim()) {
    const first = result.errors[0];
    throw new Error(`DKIM signing failed: ${first?.message ?? first?.error ?? 'no signature'}`);
  }
  return Buffer.concat([Buffer.from(result.signatures), message]);
}

/**
 * DKIM over a whole message — verifying on receipt, signing on submission — as functions a
 * worker thread can run (workers/pool.ts). mailauth canonicalises every header field and body
 * line in JavaScript: over a message with a few hundred thousand header lines that is seconds
 * of work, which must never happen on the event loop. Small, ordinary messages are done right
 * here; the rest go to a worker, which asks the main thread for DNS answers.
 */
import { createRequire } from 'node:module';
import { mailWorkers } from '../workers/pool.js';
import { asBuffer } from '../workers/bytes.js';

const require = createRequire(import.meta.url);
const { dkimVerify } = require('mailauth/lib/dkim/verify') as { dkimVerify: (message: Buffer, opts: unknown) => Promise<DkimVerification> };
const { dkimSign } = require('mailauth/lib/dkim/sign') as {
  dkimSign: (message: Buffer, opts: unknown) => Promise<{ signatures: string; errors: Array<{ error?: string; message?: string }> }>;
};

export interface DkimSignatureResult {
  signingDomain?: string;
  selector?: string;
  bodyHash?: string;
  bodyHashExpecting?: string;
  status: { result: string; comment?: string | false; aligned?: string | false };
  info: string;
  id?: string;
  rr?: string;
}

export interface DkimVerification {
  headerFrom?: string[];
  results: DkimSignatureResult[];
}

export type Resolve = (name: string, type: string) => Promise<unknown>;

/** Messages this small, with this few header lines and signatures, take a millisecond or two here. */
const INLINE_BYTES = 64 * 1024;
const INLINE_HEADER_LINES = 500;
/**
 * Each signature is verified with a body hash of its own (its l= and c= tags): a small message
 * carrying hundreds of made-up signatures is hundreds of passes over its body, a quarter of a
 * second and more, which anyone may send to port 25.
 */
const INLINE_SIGNATURES = 3;
const SIGNATURE_FIELD = /^(dkim-signature|arc-message-signature|arc-seal)[ \t]*:/i;
const JOBS = new URL('./dkimJobs.ts', import.meta.url).href;

/** True when the message is small, its header short and its signatures few: quick to canonicalise anywhere. */
export function quickToCanonicalise(message: Buffer): boolean {
  if (message.length > INLINE_BYTES) return false;
  const end = message.indexOf('\r\n\r\n');
  const signatureAt = (start: number): boolean => SIGNATURE_FIELD.test(message.toString('latin1', start, start + 24));
  let lines = 0;
  let signatures = signatureAt(0) ? 1 : 0;
  for (let i = message.indexOf(0x0a); i !== -1 && (end === -1 || i < end); i = message.indexOf(0x0a, i + 1)) {
    lines++;
    if (signatureAt(i + 1)) signatures++;
  }
  return lines <= INLINE_HEADER_LINES && signatures <= INLINE_SIGNATURES;
}

/** Job: verifies every DKIM signature; keys are looked up through the main thread. */
export async function verifyJob(message: Uint8Array, sender: string, minBitLength: number, calls: { resolve: Resolve }): Promise<DkimVerification> {
  const { headerFrom, results } = await dkimVerify(asBuffer(message), { resolver: calls.resolve, sender, minBitLength });
  return { ...(headerFrom ? { headerFrom } : {}), results };
}

/** Job: the DKIM-Signature header for a message (CRLF line ends). */
export async function signJob(message: Uint8Array, domain: string, selector: string, privateKey: string, signTime: number): Promise<string> {
  const result = await dkimSign(asBuffer(message), {
    canonicalization: 'relaxed/relaxed',
    algorithm: 'rsa-sha256',
    headerList: SIGNED_HEADERS,
    signTime: new Date(signTime),
    signatureData: [{ signingDomain: domain, selector, privateKey }],
  });
  if (result.errors.length > 0 || !result.signatures.trim()) {
    const first = result.errors[0];
    throw new Error(`DKIM signing failed: ${first?.message ?? first?.error ?? 'no signature'}`);
  }
  return result.signatures;
}

/** The headers signed, as OpenDKIM's default list: the ones a forger would want to change. */
const SIGNED_HEADERS = 'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:In-Reply-To:References';

/** Verifies a received message's DKIM signatures without holding up the event loop. */
export function verifyDkim(message: Buffer, opts: { sender: string; minBitLength: number; resolve: Resolve; lane: string }): Promise<DkimVerification> {
  if (quickToCanonicalise(message)) return verifyJob(message, opts.sender, opts.minBitLength, { resolve: opts.resolve });
  return mailWorkers.run({ module: JOBS, fn: 'verifyJob', args: [message, opts.sender, opts.minBitLength], calls: { resolve: opts.resolve }, lane: opts.lane, weight: message.length });
}

/** Signs a message without holding up the event loop; resolves to the DKIM-Signature header. */
export function signDkim(message: Buffer, key: { domain: string; selector: string; privateKey: string }, lane: string): Promise<string> {
  // t= worked out once: mailauth would otherwise read the clock twice, for the signed header
  // and for the header it returns, and the two disagree when a half second passes between them.
  const signTime = Date.now();
  if (quickToCanonicalise(message)) return signJob(message, key.domain, key.selector, key.privateKey, signTime);
  return mailWorkers.run({ module: JOBS, fn: 'signJob', args: [message, key.domain, key.selector, key.privateKey, signTime], lane, weight: message.length });
}

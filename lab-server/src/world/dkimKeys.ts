/**
 * Each sandbox's DKIM keys: one 2048-bit RSA key pair per mail domain (RFC 8301 asks for at
 * least 1024; 2048 is what mail providers publish), kept in <sandbox>/dkim/<domain>.<selector>.key.
 * The private key signs the domain's outgoing mail; the public half is published in the seeded
 * zone as <selector>._domainkey.<domain>. They are made when the sandbox first needs them (its
 * zones, or a message to sign), not when it is created: the two keys took ~0.4 s of CPU of
 * every join, and a learner who never looks at DNS or sends through submission never uses them.
 */
import { createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { makeDirsBelow } from '../files/dirsBelow.js';
import { PRIVATE_DIR, PRIVATE_FILE } from '../files/privateModes.js';
import type { Sandbox } from './sandbox.js';

/** The selector the course uses: default._domainkey.example.com. */
export const DKIM_SELECTOR = 'default';
export const DKIM_KEY_BITS = 2048;

export interface DkimKey {
  domain: string;
  selector: string;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** The p= value: base64 SubjectPublicKeyInfo, as `openssl rsa -pubout` prints it. */
  publicKey: string;
}

const generate = promisify(generateKeyPair);

function keyPath(sandbox: Sandbox, domain: string): string {
  return join(sandbox.dir, 'dkim', `${domain.toLowerCase()}.${DKIM_SELECTOR}.key`);
}

/** The p= value of a private key. */
export function publicKeyValue(privateKeyPem: string): string {
  const der = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
  return der.toString('base64');
}

/** Makes a fresh RSA key pair (PEM private key). */
export async function newDkimPrivateKey(bits = DKIM_KEY_BITS): Promise<string> {
  const { privateKey } = await generate('rsa', { modulusLength: bits, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return privateKey;
}

/** Each sandbox's key making under way: two callers at once (a DNS question, a message to sign) make one key, not two. */
const making = new Map<string, Promise<void>>();

/** Creates the keys a sandbox is missing (all of them for a new sandbox); existing keys are kept. */
export function ensureDkimKeys(sandbox: Sandbox): Promise<void> {
  let run = making.get(sandbox.dir);
  if (!run) {
    run = makeMissingKeys(sandbox).finally(() => making.delete(sandbox.dir));
    making.set(sandbox.dir, run);
  }
  return run;
}

async function makeMissingKeys(sandbox: Sandbox): Promise<void> {
  await makeDirsBelow(sandbox.dir, join(sandbox.dir, 'dkim'), PRIVATE_DIR);
  await Promise.all(
    sandbox.definition.domains.map(async (domain) => {
      const path = keyPath(sandbox, domain);
      try {
        await readFile(path);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      // Written under a temporary name and renamed: a key file is whole or absent.
      await writeFileAtomic(path, await newDkimPrivateKey(), PRIVATE_FILE);
    }),
  );
}

/** Keys already read, by file and its modification time (deriving p= costs more than signing). */
const loaded = new Map<string, { mtimeMs: number; key: DkimKey }>();

/** A domain's key in this sandbox (made now if the sandbox predates DKIM). */
export async function dkimKey(sandbox: Sandbox, domain: string): Promise<DkimKey> {
  const path = keyPath(sandbox, domain);
  let info = await stat(path).catch(() => undefined);
  if (!info) {
    await ensureDkimKeys(sandbox);
    info = await stat(path);
  }
  const cached = loaded.get(path);
  if (cached && cached.mtimeMs === info.mtimeMs) return cached.key;
  const pem = await readFile(path, 'utf8');
  const key = { domain: domain.toLowerCase(), selector: DKIM_SELECTOR, privateKey: pem, publicKey: publicKeyValue(pem) };
  loaded.set(path, { mtimeMs: info.mtimeMs, key });
  return key;
}

/**
 * The lab's TLS certificate: a self-signed one for mail.example.com, made on first start and
 * kept in <data>/tls/ so clients see the same certificate every time; or a real one given with
 * --tls-cert/--tls-key.
 */
import { constants, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { makePrivate, PRIVATE_DIR, PRIVATE_FILE, type NotOwned } from '../files/privateModes.js';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import selfsigned from 'selfsigned';

/**
 * Options every TLS server of the lab uses. No renegotiation (as Postfix and Dovecot run with
 * OpenSSL's SSL_OP_NO_RENEGOTIATION): each one is a full handshake's CPU that no rate of new
 * sessions counts, the THC-SSL-DOS kind of attack; TLS 1.3 has none anyway.
 */
export const SERVER_TLS_OPTIONS = { secureOptions: constants.SSL_OP_NO_RENEGOTIATION } as const;

export interface TlsMaterial {
  key: string;
  cert: string;
  context: SecureContext;
  /** The certificate's subject, e.g. "CN=mail.example.com". */
  subject: string;
  selfSigned: boolean;
}

export interface TlsFiles {
  certPath?: string;
  keyPath?: string;
}

/** `tell` hears of each path another user owns, left with its mode (files/privateModes.ts). */
export async function loadTlsMaterial(dataDir: string, hostName: string, files: TlsFiles = {}, tell: (left: NotOwned) => void = () => {}): Promise<TlsMaterial> {
  if (files.certPath || files.keyPath) {
    if (!files.certPath || !files.keyPath) throw new Error('--tls-cert and --tls-key must be given together');
    return material(await readFile(files.keyPath, 'utf8'), await readFile(files.certPath, 'utf8'));
  }
  const dir = join(dataDir, 'tls');
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  for (const left of await makePrivate({ dirs: [dir], files: [keyPath] })) tell(left);
  try {
    return material(await readFile(keyPath, 'utf8'), await readFile(certPath, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  const notAfter = new Date(notBefore.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: hostName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: hostName }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  await writeFile(keyPath, pems.private, { mode: PRIVATE_FILE });
  await writeFile(certPath, pems.cert);
  return material(pems.private, pems.cert);
}

function material(key: string, cert: string): TlsMaterial {
  const x509 = new X509Certificate(cert);
  return {
    key,
    cert,
    context: createSecureContext({ key, cert, ...SERVER_TLS_OPTIONS }),
    subject: x509.subject.replace(/\n/g, ', '),
    selfSigned: x509.subject === x509.issuer,
  };
}

/**
 * A certificate for mail.example.com, signed by a throw-away CA, made once per test run with
 * openssl: the judges give it to the real Postfix and Dovecot under the paths the exercises
 * name (/etc/ssl/mail/fullchain.pem and privkey.pem).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './process.js';

export interface MailCert {
  /** The server certificate followed by the CA's: what fullchain.pem holds. */
  fullchain: string;
  key: string;
}

let made: Promise<MailCert> | undefined;

async function make(): Promise<MailCert> {
  const dir = await mkdtemp(join(tmpdir(), 'maillab-certs-'));
  const run = async (args: string[]): Promise<void> => {
    const out = await runTool('openssl', args, { cwd: dir });
    if (out.code !== 0) throw new Error(`openssl ${args[0]}: ${out.stderr}`);
  };
  await run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=MailLab judge CA']);
  await run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'privkey.pem', '-out', 'server.csr', '-subj', '/CN=mail.example.com', '-addext', 'subjectAltName=DNS:mail.example.com']);
  await run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem', '-days', '2', '-copy_extensions', 'copy']);
  const [cert, ca, key] = await Promise.all(['cert.pem', 'ca.pem', 'privkey.pem'].map((f) => readFile(join(dir, f), 'utf8')));
  return { fullchain: cert! + ca!, key: key! };
}

export function mailCert(): Promise<MailCert> {
  made ??= make();
  return made;
}

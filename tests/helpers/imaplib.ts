/**
 * Python's imaplib as a test client: a script body runs after connecting (M is the client),
 * fills `out`, and its JSON comes back with bytes decoded as UTF-8.
 */
import { expect } from 'vitest';
import { python } from './clients.js';

export async function imaplib(port: number, body: string, params: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const script = `
import imaplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def d(x):
    if isinstance(x, bytes): return x.decode('utf8', 'replace')
    if isinstance(x, (list, tuple)): return [d(i) for i in x]
    if isinstance(x, dict): return {k: d(v) for k, v in x.items()}
    return x
if P.get('implicit'):
    M = imaplib.IMAP4_SSL('127.0.0.1', P['port'], ssl_context=ctx, timeout=10)
else:
    M = imaplib.IMAP4('127.0.0.1', P['port'], timeout=10)
out = {}
${body}
print(json.dumps(d(out)))
`;
  const r = await python(script, { port, ...params });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, any>;
}

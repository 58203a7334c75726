/**
 * Writes the web port refuses, seen by curl and Python's raw sockets: a CSP report past 16 KB is
 * answered 413 and nothing more of it is read (before, a 300 MB upload was read to its end), and
 * a POST a browser marks as from another site (Sec-Fetch-Site: cross-site or same-site) without
 * an Origin header is refused as CSRF, while curl, which sends neither header, keeps working.
 * An upload that asks first (Expect: 100-continue) and is larger than any route reads is refused
 * before its body is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CSP_REPORT } from '../../lab-server/src/http/routes/inspector.js';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

describe('CSP reports past the limit', () => {
  it('answers 413 to a chunked upload without reading it to the end', async () => {
    // Sends 64 KB chunks while reading what comes back, until the lab answers and closes or 300 MB went out.
    const r = await python(
      `
import select, socket
s = socket.create_connection(('127.0.0.1', P['port'])); s.setblocking(False)
s.sendall(b'POST /csp-report HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/csp-report\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n')
chunk = b'10000\\r\\n' + b'a' * 0x10000 + b'\\r\\n'
sent, got = 0, b''
while sent < 300 * 1024 * 1024:
    readable, writable, _ = select.select([s], [s], [], 30)
    if not readable and not writable: break
    if readable:
        try: data = s.recv(65536)
        except OSError: break
        if not data: break
        got += data
    elif writable:
        try: sent += s.send(chunk)
        except OSError: break
print(json.dumps({'sent': sent, 'answer': got.decode('utf-8', 'replace')}))
`,
      { port: lab.httpPort },
      120_000,
    );
    expect(r.stderr).toBe('');
    const { sent, answer } = JSON.parse(r.stdout) as { sent: number; answer: string };
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/Connection: close/i);
    expect(answer).toContain('16 KB');
    expect(answer).toContain('请求超过 16 KB');
    // What the sockets' buffers hold, not the upload (300 MB before).
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);

  it('answers 413 to a declared size past the limit, and still counts a report of exactly 16 KB', async () => {
    const url = `http://127.0.0.1:${lab.httpPort}/csp-report`;
    const huge = await python(`import os\nf = open(P['file'], 'wb'); f.truncate(200 * 1024 * 1024); f.close()`, { file: `${lab.dataDir}/huge-report` });
    expect(huge.stderr).toBe('');
    const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_upload}', '-H', 'content-type: application/csp-report', '--data-binary', `@${lab.dataDir}/huge-report`, url], undefined, 120_000);
    const [code, uploaded] = r.stdout.split(' ');
    expect(code).toBe('413');
    expect(Number(uploaded)).toBeLessThan(64 * 1024 * 1024);
    const report = (size: number): string => {
      const head = '{"csp-report":{"effective-directive":"img-src","blocked-uri":"';
      return `${head}${'x'.repeat(size - head.length - 3)}"}}`;
    };
    for (const [size, status] of [[MAX_CSP_REPORT, '204'], [MAX_CSP_REPORT + 1, '413']] as const) {
      const sent = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'content-type: application/csp-report', '--data-binary', '@-', url], report(size));
      expect(sent.stdout, `${size} bytes`).toBe(status);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${lab.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^maillab_csp_reports_total\{directive="img-src"\} 1$/m);
  }, 120_000);
});

describe('uploads that ask first (Expect: 100-continue)', () => {
  it('are refused with 413 before a byte of the body is sent when larger than any route reads, and go ahead otherwise', async () => {
    const url = `http://127.0.0.1:${lab.httpPort}/api/exercises/ports/attempts`;
    const post = (body: string): Promise<{ stdout: string }> =>
      run('curl', ['-s', '-w', '\n%{http_code} %{size_upload}', '-H', 'content-type: application/json', '-H', 'Expect: 100-continue', '--expect100-timeout', '30', '--data-binary', '@-', url], body);
    const big = await post(`{"answer": "${'x'.repeat(100 * 1024)}"}`);
    const [answer, status] = [big.stdout.slice(0, big.stdout.lastIndexOf('\n')), big.stdout.slice(big.stdout.lastIndexOf('\n') + 1)];
    expect(status).toBe('413 0');
    expect(answer).toContain('64 KB');
    expect(answer).toContain('请求超过 64 KB');
    const small = await post('{"answer": {}}');
    expect(small.stdout.slice(small.stdout.lastIndexOf('\n') + 1)).toMatch(/^200 \d+$/);
  });
});

describe('CSRF by what the browser says of the request', () => {
  it('refuses a POST from another site without Origin, and keeps curl and the lab\'s own pages working', async () => {
    const attempt = async (headers: string[]): Promise<{ status: string; body: string }> => {
      const r = await run('curl', ['-s', '-w', '\n%{http_code}', '-X', 'POST', '-H', 'content-type: application/json', ...headers.flatMap((h) => ['-H', h]), '--data', '{"answer": {}}', `http://127.0.0.1:${lab.httpPort}/api/exercises/ports/attempts`]);
      const cut = r.stdout.lastIndexOf('\n');
      return { status: r.stdout.slice(cut + 1), body: r.stdout.slice(0, cut) };
    };
    for (const from of ['cross-site', 'same-site']) {
      const refused = await attempt([`Sec-Fetch-Site: ${from}`]);
      expect(refused.status, from).toBe('403');
      expect(refused.body, from).toContain("Use the lab's own pages");
      expect(refused.body, from).toContain('其他网站');
    }
    expect((await attempt([])).status).toBe('200');
    expect((await attempt(['Sec-Fetch-Site: same-origin'])).status).toBe('200');
    expect((await attempt(['Sec-Fetch-Site: none'])).status).toBe('200');
    expect((await attempt([`Origin: http://127.0.0.1:${lab.httpPort}`, 'Sec-Fetch-Site: same-origin'])).status).toBe('200');
    // Origin, when sent, is what counts.
    expect((await attempt(['Origin: https://evil.example', 'Sec-Fetch-Site: same-origin'])).status).toBe('403');
  });
});

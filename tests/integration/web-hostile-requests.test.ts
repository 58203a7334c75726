/**
 * Hostile and careless requests on the web port, sent as raw bytes by Python: whatever the
 * request line, headers or body, the lab answers with a clear status and keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { keptMemory } from '../helpers/neighbour.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/** Sends each request on a connection of its own; returns what came back (UTF-8) for each. */
async function rawRequests(requests: string[]): Promise<string[]> {
  const r = await python(
    `
import socket
out = []
for req in P['requests']:
    s = socket.create_connection(('127.0.0.1', P['port'])); s.settimeout(5)
    s.sendall(req.encode('latin1')); got = b''
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            got += c
    except socket.timeout: pass
    s.close(); out.append(got.decode('utf-8', 'replace'))
print(json.dumps(out))
`,
    { port: lab.httpPort, requests },
  );
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as string[];
}

const health = async (): Promise<number> => (await fetch(`http://127.0.0.1:${lab.httpPort}/api/health`)).status;

describe('request targets that are no URL', () => {
  it('answers 400 to an absolute-form target the URL standard refuses, on a page, an API route and a terminal upgrade, and keeps serving', async () => {
    const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const answers = await rawRequests([
      'GET http://[ HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n',
      'POST http://[/api/join HTTP/1.1\r\nHost: lab\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
      'GET http://a:99999/ HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n',
      `GET http://[/api/terminal?service=smtp HTTP/1.1\r\nHost: lab\r\n${upgrade}\r\n`,
    ]);
    for (const answer of answers.slice(0, 3)) {
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('not a valid URL');
      expect(answer).toContain('不是合法的 URL');
    }
    expect(answers[3]).toMatch(/^HTTP\/1\.1 400 Bad Request: the request target is not a URL\r\n/);
    expect(await health()).toBe(200);
  });
});

describe('upgrades the lab will not make', () => {
  it('closes each refused upgrade once answered, so clients that never close keep nothing open', async () => {
    // 300 upgrades the bridge refuses (no such path, another origin, not a URL), each from a
    // client that reads the answer and then holds its side open, as a slowloris would.
    const r = await python(
      `
import os, socket, time
lab_fds = lambda: len(os.listdir('/proc/%d/fd' % P['pid']))
before = lab_fds()
held, answers, closed = [], set(), 0
for i in range(300):
    s = socket.create_connection(('127.0.0.1', P['port'])); s.settimeout(5)
    target, origin = [('/nope', 'http://127.0.0.1:%d' % P['port']), ('/api/terminal?service=smtp', 'http://evil.test'), ('http://[', 'http://127.0.0.1')][i % 3]
    s.sendall(('GET %s HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nOrigin: %s\\r\\nConnection: Upgrade\\r\\nUpgrade: websocket\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n' % (target, origin)).encode())
    got = b''
    while True:
        c = s.recv(4096)
        if not c: break
        got += c
    answers.add(got.split(b'\\r\\n')[0].decode())
    held.append(s)
time.sleep(1)
print(json.dumps({'answers': sorted(answers), 'before': before, 'holding': lab_fds()}))
`,
      { port: lab.httpPort, pid: process.pid },
      60_000,
    );
    expect(r.stderr).toBe('');
    const { answers, before, holding } = JSON.parse(r.stdout) as { answers: string[]; before: number; holding: number };
    expect(answers).toEqual(['HTTP/1.1 400 Bad Request: the request target is not a URL', "HTTP/1.1 403 Forbidden: terminals open only from the lab's own pages", 'HTTP/1.1 404 Not Found']);
    // The lab holds no descriptor for the 300 connections its clients still hold.
    expect(holding - before).toBeLessThan(30);
  });

  it('cuts off a refused terminal whose client never answers the close within seconds, not after 30', async () => {
    const r = await python(
      `
import os, socket, time
lab_fds = lambda: len(os.listdir('/proc/%d/fd' % P['pid']))
before = lab_fds()
held = []
for i in range(200):
    s = socket.create_connection(('127.0.0.1', P['port'])); s.settimeout(5)
    s.sendall(('GET /api/terminal?service=nope HTTP/1.1\\r\\nHost: 127.0.0.1:%d\\r\\nOrigin: http://127.0.0.1:%d\\r\\nConnection: Upgrade\\r\\nUpgrade: websocket\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n' % (P['port'], P['port'])).encode())
    held.append(s)
got = b''
while b'Connection refused' not in got:
    got += held[-1].recv(4096)
started = time.time()
while lab_fds() - before >= 20 and time.time() - started < 20:
    time.sleep(0.2)
print(json.dumps({'told': 'Unknown service' in got.decode('utf-8', 'replace'), 'left': lab_fds() - before, 'seconds': time.time() - started}))
`,
      { port: lab.httpPort, pid: process.pid },
      60_000,
    );
    expect(r.stderr).toBe('');
    const { told, left, seconds } = JSON.parse(r.stdout) as { told: boolean; left: number; seconds: number };
    expect(told).toBe(true);
    expect(left).toBeLessThan(20);
    // ws itself would wait 30 s for each answer; the lab gives a second (a busy machine: some more).
    expect(seconds).toBeLessThan(15);
  });
});

describe('reports anyone may post', () => {
  it('counts CSP reports naming made-up directives as "other": a flood of them adds no series to /metrics', async () => {
    const r = await python(
      `
import http.client, random, string
c = http.client.HTTPConnection('127.0.0.1', P['port'])
for i in range(500):
    made_up = ''.join(random.choice(string.ascii_lowercase) for _ in range(30))
    for d in ([made_up] if i else [made_up, 'img-src']):
        c.request('POST', '/csp-report', json.dumps({'csp-report': {'effective-directive': d}}), {'content-type': 'application/csp-report'})
        resp = c.getresponse(); resp.read(); assert resp.status == 204, resp.status
print('ok')
`,
      { port: lab.httpPort },
    );
    expect(r.stderr).toBe('');
    const metrics = await (await fetch(`http://127.0.0.1:${lab.httpPort}/metrics`)).text();
    const series = [...metrics.matchAll(/^maillab_csp_reports_total\{directive="([^"]*)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(series)).toEqual({ other: 500, 'img-src': 1 });
  });
});

describe('the inspector asked for folders that are not there', () => {
  it('answers 404 to 2,000 made-up folder names without keeping anything for them', async () => {
    const base = `http://127.0.0.1:${lab.httpPort}/api/inspect?user=alice@example.com&uid=1&folder=`;
    await run('curl', ['-s', '-o', '/dev/null', `${base}Warmup[1-200]`], undefined, 60_000);
    const before = (await keptMemory()).heapUsed;
    const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}\\n', `${base}Nowhere[1-2000]`], undefined, 60_000);
    const after = (await keptMemory()).heapUsed;
    expect(new Set(r.stdout.trim().split('\n'))).toEqual(new Set(['404']));
    // Kept for good, each name cost some 3.5 KB: 7 MB here.
    expect(after - before).toBeLessThan(3 * 1024 * 1024);
    // A folder that is there is still found, whatever the case of INBOX.
    expect((await fetch(`${base}inbox`)).status).toBe(200);
  }, 60_000);

  it('reads only the start of each message when searching by Message-ID: 40 searches at once through 16 MB of mail take little memory', async () => {
    const sent = await python(
      "import smtplib\ns = smtplib.SMTP('127.0.0.1', P['port'])\nfor i in range(4): s.sendmail('a@example.com', ['bob@example.com'], ('Subject: big %d\\r\\nMessage-ID: <big%d@example.com>\\r\\n\\r\\n' % (i, i) + ('z' * 998 + '\\r\\n') * 4096).encode())\ns.quit()",
      { port: lab.port('smtp') },
    );
    expect(sent.stderr).toBe('');
    let peak = 0;
    const before = process.memoryUsage().arrayBuffers;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)), 5);
    const base = `http://127.0.0.1:${lab.httpPort}/api/inspect?user=bob@example.com`;
    const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}\\n', '--parallel', '--parallel-max', '40', `${base}&messageId=nowhere&n=[1-40]`], undefined, 60_000);
    clearInterval(sampler);
    expect(new Set(r.stdout.trim().split('\n'))).toEqual(new Set(['404']));
    // Read whole, the messages took some 350 MB at once.
    expect(peak).toBeLessThan(32 * 1024 * 1024);
    // The message searched for is still found, by its header.
    expect((await fetch(`${base}&messageId=big2@example.com`)).status).toBe(200);
  }, 60_000);

  it('takes apart a few messages of a sandbox at once and streams downloads: 40 requests at once for an 8 MB message take little memory', async () => {
    const sent = await python(
      "import smtplib\ns = smtplib.SMTP('127.0.0.1', P['port'])\ns.sendmail('a@example.com', ['alice@example.com'], ('Subject: eight\\r\\nMessage-ID: <eight@example.com>\\r\\n\\r\\n' + ('e' * 998 + '\\r\\n') * 8192).encode())\ns.quit()",
      { port: lab.port('smtp') },
    );
    expect(sent.stderr).toBe('');
    const base = `http://127.0.0.1:${lab.httpPort}/api/inspect`;
    const atOnce = async (path: string): Promise<{ codes: string[]; peak: number }> => {
      let peak = 0;
      const before = process.memoryUsage().arrayBuffers;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)), 5);
      const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}\\n', '--parallel', '--parallel-max', '40', `${base}${path}&n=[1-40]`], undefined, 120_000);
      clearInterval(sampler);
      return { codes: r.stdout.trim().split('\n').sort(), peak };
    };
    const raw = await atOnce('/raw?user=alice@example.com&messageId=eight@example.com');
    expect(new Set(raw.codes.map((c) => c.split(' ')[0]))).toEqual(new Set(['200']));
    expect(raw.codes.every((c) => Number(c.split(' ')[1]) > 8_000_000)).toBe(true);
    const taken = await atOnce('?user=alice@example.com&messageId=eight@example.com');
    const answered = taken.codes.filter((c) => c.startsWith('200 ')).length;
    expect(answered).toBeGreaterThanOrEqual(4);
    expect(taken.codes.filter((c) => !c.startsWith('200 ')).every((c) => c.startsWith('503 '))).toBe(true);
    // Read whole, 40 of them were 320 MB at once, and more.
    expect(raw.peak).toBeLessThan(48 * 1024 * 1024);
    expect(taken.peak).toBeLessThan(96 * 1024 * 1024);
    const busy = await fetch(`${base}?user=alice@example.com&messageId=eight@example.com`);
    expect(busy.status).toBe(200);
  }, 120_000);
});

/** Status, JSON body and Set-Cookie of an answer, as Python's http.client saw them. */
type Answer = [number, { error?: { en: string; 'zh-CN': string } }, string | null];

describe('JSON no answer needs', () => {
  it('refuses an answer nested 10,000 levels deep with a clear 400, and records nothing', async () => {
    const r = await python(
      `
import http.client
out = []
for body in ['{"answer":' + '{"a":' * 10000 + '1' + '}' * 10001, '{"answer": {"smtp": 25, "note": "' + '[' * 100 + '"}}']:
    c = http.client.HTTPConnection('127.0.0.1', P['port'])
    c.request('POST', '/api/exercises/ports/attempts', body, {'content-type': 'application/json'})
    resp = c.getresponse(); out.append([resp.status, json.loads(resp.read()), resp.getheader('set-cookie')])
print(json.dumps(out))
`,
      { port: lab.httpPort },
    );
    expect(r.stderr).toBe('');
    const [deep, brackets] = JSON.parse(r.stdout) as [Answer, Answer];
    expect(deep[0]).toBe(400);
    expect(deep[1].error!.en).toMatch(/more than 64 levels deep/);
    expect(deep[1].error!['zh-CN']).toMatch(/嵌套超过 64 层/);
    // Nothing recorded: the visitor was not made a learner.
    expect(deep[2]).toBeNull();
    // Brackets inside a string are text, not nesting: graded as usual.
    expect(brackets[0]).toBe(200);
  });
});

/**
 * One login penalty per remote address across SMTP AUTH, POP3 and IMAP (world/authPenalty.ts):
 * a guesser with many parallel, reconnecting connections gets no more tries checked than on
 * one; a classmate behind the same address whose login already worked logs in at once
 * meanwhile; another address is untouched; the table stays bounded; the loop never stalls.
 * Real clients: Python's imaplib, poplib and smtplib, from 127.0.0.2 (the "NAT address").
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

const FREE = 4;
const MAX_DELAY_MS = 8000;
/**
 * A login made to wait behind the guesser waits about MAX_DELAY_MS (the queue is that long while
 * 30 connections guess) or is refused: half of it tells "waited its turn" from "a busy machine
 * was slow" with seconds to spare either way (a login took 1.07 s once on a loaded machine).
 */
const QUEUED_S = MAX_DELAY_MS / 2000;
const ADDRESSES = 5;
const WINDOW_S = 8;
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab({
    limits: {
      mailAuthFailureDelayMs: 100,
      mailAuthFreeFailures: FREE,
      mailAuthPenaltyMaxDelayMs: MAX_DELAY_MS,
      mailAuthPenaltyAddresses: ADDRESSES,
    },
  });
});
afterAll(async () => {
  await lab?.dispose();
});

/** Python: one login of each protocol from `src`, returning 'in', 'wrong' or the refusal's text. */
const LOGINS = `
import imaplib, poplib, smtplib, ssl, socket, time, json, threading
_connect = socket.create_connection
def imap(user, password, src):
    class C(imaplib.IMAP4):
        def _create_socket(self, timeout):
            return _connect((self.host, self.port), timeout, (src, 0))
    m = C('127.0.0.1', P['imap'], timeout=30)
    try:
        m.login(user, password); return 'in'
    except imaplib.IMAP4.error as e:
        t = str(e)
        return 'wrong' if 'AUTHENTICATIONFAILED' in t else t
    finally:
        m.shutdown()
def pop3(user, password, src):
    class C(poplib.POP3):
        def _create_socket(self, timeout):
            return _connect((self.host, self.port), timeout, (src, 0))
    p = C('127.0.0.1', P['pop3'], timeout=30)
    try:
        p.user(user); p.pass_(password); return 'in'
    except poplib.error_proto as e:
        t = e.args[0].decode()
        return 'wrong' if t.startswith('-ERR [AUTH]') else t
    finally:
        p.close()
def smtp(user, password, src):
    s = smtplib.SMTP('127.0.0.1', P['submission'], timeout=30, source_address=(src, 0))
    s.starttls(context=ssl._create_unverified_context()); s.ehlo()
    try:
        s.login(user, password); return 'in'
    except smtplib.SMTPAuthenticationError as e:
        return 'wrong' if e.smtp_code == 535 else '%d %s' % (e.smtp_code, e.smtp_error.decode())
    finally:
        s.close()
def login(proto, user, password, src='127.0.0.2'):
    return {'imap': imap, 'pop3': pop3, 'smtp': smtp}[proto](user, password, src)
`;

const GUESSER = `
results = []
lock = threading.Lock()
began = time.time()
end = began + P['window']
def guesser(n):
    i = 0
    while time.time() < end:
        proto = ('imap', 'pop3', 'smtp')[(n + i) % 3]
        r = login(proto, 'alice@example.com', 'guess%d.%d' % (n, i))
        with lock: results.append([proto, r, round(time.time() - began, 2)])
        i += 1
threads = [threading.Thread(target=guesser, args=(n,)) for n in range(30)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(results))
`;

/** The classmate (same address, a login that worked before) and someone at another address; a process of its own. */
const CLASSMATE = `
time.sleep(1)
classmate, other = [], []
end = time.time() + P['window'] - 2
i = 0
while time.time() < end:
    proto = ('imap', 'pop3', 'smtp')[i % 3]
    t = time.time(); r = login(proto, 'alice@example.com', 'secret')
    classmate.append([proto, r, time.time() - t])
    i += 1; time.sleep(0.3)
# Someone at another address mistypes once, then gets it right.
for proto in ('imap', 'pop3', 'smtp'):
    t = time.time(); r = login(proto, 'bob@example.com', 'typo', '127.0.0.3'); other.append([proto, r, time.time() - t])
    t = time.time(); r = login(proto, 'bob@example.com', 'secret', '127.0.0.3'); other.append([proto, r, time.time() - t])
print(json.dumps({'classmate': classmate, 'other': other}))
`;

describe('the login penalty per address', () => {
  it('slows a guesser on 30 parallel connections over IMAP, POP3 and SMTP, while a classmate behind the same address logs in at once', async () => {
    const ports = { imap: lab.port('imap'), pop3: lab.port('pop3'), submission: lab.port('submission'), window: WINDOW_S };
    // The classmate's mail client logged in from that address before the guessing started.
    const first = await python(LOGINS + "print(json.dumps([login(p, 'alice@example.com', 'secret') for p in ('imap', 'pop3', 'smtp')]))", ports);
    expect(JSON.parse(first.stdout)).toEqual(['in', 'in', 'in']);

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const [g, c] = await Promise.all([python(LOGINS + GUESSER, ports, 90_000), python(LOGINS + CLASSMATE, ports, 90_000)]);
    delay.disable();
    expect(g.stderr + c.stderr).toBe('');
    const results = JSON.parse(g.stdout) as Array<[string, string, number]>;
    const { classmate, other } = JSON.parse(c.stdout) as { classmate: Array<[string, string, number]>; other: Array<[string, string, number]> };

    // Tries actually checked (answered "wrong password") in the window: the free ones, then one
    // per turn (1 s, 2 s, 4 s, then every 8 s): at most FREE + 1 + WINDOW_S / 1 here. Unthrottled, 30
    // connections at 100 ms a wrong answer get hundreds checked.
    const checked = results.filter(([, result]) => result === 'wrong');
    expect(checked.length).toBeGreaterThanOrEqual(FREE);
    expect(checked.length).toBeLessThanOrEqual(FREE + 1 + WINDOW_S);
    expect(results.some(([, result]) => result === 'in')).toBe(false);
    // The rest were told, in each protocol's words, to come back later.
    const refused = results.filter(([, result]) => result !== 'wrong');
    expect(refused.length).toBeGreaterThan(30);
    const words: Record<string, RegExp> = {
      imap: /\[UNAVAILABLE\] Too many wrong passwords from your address\. Wait \d+ s, then log in again with the right password/,
      pop3: /^-ERR \[SYS\/TEMP\] Too many wrong passwords from your address\. Wait \d+ s/,
      smtp: /^454 4\.7\.0 Too many wrong passwords from your address\. Wait \d+ s/,
    };
    for (const [proto, result] of refused) expect(result, proto).toMatch(words[proto]!);

    // The classmate behind the same address: every login in (one per protocol at least, however
    // slow the machine), none made to wait its turn.
    expect(classmate.length).toBeGreaterThanOrEqual(3);
    for (const [proto, result, seconds] of classmate) {
      expect(result, proto).toBe('in');
      expect(seconds, proto).toBeLessThan(QUEUED_S);
    }
    // Another address is not slowed: a wrong password gets the connection's own short delay, the right one is in.
    expect(other.map(([, result]) => result)).toEqual(['wrong', 'in', 'wrong', 'in', 'wrong', 'in']);
    for (const [, , seconds] of other) expect(seconds).toBeLessThan(QUEUED_S);
    // Turns are timers: turns spent sleeping would stall the loop 1, 3, then 7 s and more at a time.
    expect(delay.max / 1e6).toBeLessThan(2500);
  }, 120_000);

  it('remembers at most its number of addresses, however many guess', async () => {
    const r = await python(
      LOGINS +
        `
out = [login('imap', 'alice@example.com', 'guess', '127.0.0.%d' % n) for n in range(10, 30)]
print(json.dumps(out))
`,
      { imap: lab.port('imap'), pop3: lab.port('pop3'), submission: lab.port('submission') },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(Array(20).fill('wrong'));
    expect(lab.access.penalty.size).toBe(ADDRESSES);
  });
});

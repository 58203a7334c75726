/**
 * A client's first sync of a big folder (issue 15): 600 messages dropped into new/ as an MDA
 * would, then `FETCH 1:* (UID FLAGS ENVELOPE)` from Python's imaplib, the headers read by the
 * file reader thread and the event loop, while a second session renames every file (STORE
 * +FLAGS) under it. Every ENVELOPE must equal what the full parser gives (BODYSTRUCTURE's path).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';

const COUNT = 600;

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/** Headers of several shapes: folded, CRLF, encoded words, groups, quoted names, no body (8-bit ones, sent as literals, are the unit tests'). */
function message(n: number): string {
  const shapes = [
    `From: "Sender ${n}" <s${n}@example.com>\nTo: Alice <alice@example.com>\nSubject: Message ${n}\nMessage-ID: <m${n}@example.com>\n\nbody ${n}\n`,
    `From: s${n}@example.com\r\nSubject: CRLF ${n}\r\n\r\nbody\r\n`,
    `From: =?UTF-8?B?5Y2h572X5bCU?= <c${n}@example.com>\nSubject: =?ISO-8859-1?Q?caf=E9?= ${n}\nCc: Team: a@example.com, "B, the second" <b@example.com>;\n\nx\n`,
    // (A subject folded before two blanks has two together, and goes out as a literal, as Dovecot sends it.)
    `From: Alice\n  Long Name <a${n}@example.com>\nSubject: one\n two ${n}\nTo: a@example.com,\n b@example.com\n\nx\n`,
    `From: "Doe, J." <j${n}@example.com>\nSubject: only a header ${n}\n`,
  ];
  return shapes[n % shapes.length]!;
}

describe('first FETCH ENVELOPE of a big folder', () => {
  it('gives every message the ENVELOPE a full parse gives, while another session renames them all', async () => {
    const inbox = maildirPath(lab.dataDir, 'default', 'alice@example.com');
    await mkdir(join(inbox, 'new'), { recursive: true });
    const now = Math.floor(Date.now() / 1000);
    for (let n = 0; n < COUNT; n++) await writeFile(join(inbox, 'new', `${now}.M${n}P1Q${n}.mda`), Buffer.from(message(n), 'latin1'));
    const out = await imaplib(
      lab.port('imap'),
      `
import threading
M.login('alice@example.com', 'secret')
M.select('INBOX')
other = imaplib.IMAP4('127.0.0.1', P['port'], timeout=10)
other.login('alice@example.com', 'secret')
other.select('INBOX')
def rename_all():
    out['store'] = other.store('1:*', '+FLAGS.SILENT', '(\\\\Flagged)')[0]
t = threading.Thread(target=rename_all)
t.start()
typ, first = M.fetch('1:*', '(UID FLAGS ENVELOPE)')
t.join()
# Flag changes the other session made may come as FETCH responses of their own: only ENVELOPEs count.
out['first'] = [typ, [x for x in first if isinstance(x, bytes) and b'ENVELOPE' in x]]
typ, full = M.fetch('1:*', '(UID ENVELOPE BODYSTRUCTURE)')
out['full'] = [typ, [x for x in full if isinstance(x, bytes) and b'ENVELOPE' in x]]
`,
    );
    expect(out.store).toBe('OK');
    expect(out.first[0]).toBe('OK');
    const envelopeOf = (line: string): [string, string] => [/UID (\d+)/.exec(line)![1]!, /ENVELOPE (\(.*\))(?: BODYSTRUCTURE|\)$)/.exec(line)![1]!];
    const first = new Map<string, string>(out.first[1].map((line: string) => envelopeOf(line)));
    const full = new Map<string, string>(out.full[1].map((line: string) => envelopeOf(line.replace(/ BODYSTRUCTURE .*$/, ' BODYSTRUCTURE'))));
    // Ours and the sandbox's seed messages.
    expect(first.size).toBeGreaterThanOrEqual(COUNT);
    expect(full.size).toBe(first.size);
    expect(first).toEqual(full);
    expect([...first.values()].filter((envelope) => /"(Message|CRLF|one two|only a header) \d+"|caf=E9/.test(envelope)).length).toBe(COUNT);
  });
});

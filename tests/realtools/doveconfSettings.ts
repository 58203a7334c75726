/**
 * doveconf's own list of its settings, by the kind of section they stand in, and a file that
 * places one setting in a section of that kind: what the tests of the grader's Dovecot parser
 * ask the real doveconf with (dovecot-booleans, dovecot-values).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './process.js';

/** A file with the setting inside a section of each kind doveconf prints a default for. */
export const PLACED: Record<string, (line: string) => string> = {
  '': (line) => line,
  namespace: (line) => `namespace inbox {\n  inbox = yes\n  ${line}\n}`,
  mailbox: (line) => `namespace inbox {\n  inbox = yes\n  mailbox Sent {\n    ${line}\n  }\n}`,
  passdb: (line) => `passdb {\n  driver = static\n  ${line}\n}`,
  userdb: (line) => `userdb {\n  driver = static\n  ${line}\n}`,
  service: (line) => `service imap {\n  ${line}\n}`,
  inet_listener: (line) => `service imap-login {\n  inet_listener imap {\n    ${line}\n  }\n}`,
  unix_listener: (line) => `service auth {\n  unix_listener auth-userdb {\n    ${line}\n  }\n}`,
  fifo_listener: (line) => `service old-stats {\n  fifo_listener old-stats-mail {\n    ${line}\n  }\n}`,
  metric: (line) => `metric m {\n  filter = event=x\n  ${line}\n}`,
  event_exporter: (line) => `event_exporter e {\n  format = json\n  format_args = time-rfc3339\n  transport = log\n  ${line}\n}`,
};

/** A metric and an event_exporter, whose settings doveconf prints only when the file has one. */
export const STATS_SECTIONS = PLACED.metric!('') + '\n' + PLACED.event_exporter!('');

/** doveconf without -n: every setting, defaults included, also inside the file's sections (-d leaves those out). */
async function doveconfAll(conf: string, hidden: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'maillab-doveconf-'));
  try {
    await writeFile(join(dir, 'dovecot.conf'), conf);
    const r = await runTool('doveconf', [...(hidden ? ['-s'] : []), '-c', join(dir, 'dovecot.conf')]);
    if (r.code !== 0) throw new Error(`doveconf: ${r.stderr}`);
    return r.stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Every setting doveconf prints, with its default as printed, by the kind of section it stands in
 * ('' for the top level); `hidden`: also those it prints only with -s; `extra`: more sections in the file.
 */
export async function doveconfSettings(options: { hidden?: boolean; extra?: string } = {}): Promise<Map<string, Map<string, string>>> {
  const all = ['namespace inbox {', '  inbox = yes', '  mailbox Sent {', '  }', '}', 'passdb {', '  driver = static', '}', 'userdb {', '  driver = static', '}', options.extra ?? ''].join('\n');
  const found = new Map<string, Map<string, string>>();
  const stack: string[] = [];
  for (const raw of (await doveconfAll(all, options.hidden === true)).split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if (line === '' || line.startsWith('#')) continue;
    if (line === '}') stack.pop();
    else if ((m = /^(\S+)(?:\s.*)?\{$/.exec(line))) stack.push(m[1]!);
    else if ((m = /^(\S+) =(?: (.*))?$/.exec(line))) {
      const kind = stack.at(-1) ?? '';
      if (!found.has(kind)) found.set(kind, new Map());
      found.get(kind)!.set(m[1]!, m[2] ?? '');
    }
  }
  return found;
}

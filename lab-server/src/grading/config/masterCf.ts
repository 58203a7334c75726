/**
 * A parser for Postfix master.cf as master(5) describes it: one service per line — name, type,
 * private, unpriv, chroot, wakeup, maxproc, command + arguments — a line starting with blanks
 * continues the one before, `#` lines are comments, and `-o name=value` arguments override
 * main.cf for that service only. Never throws.
 */
import { text, type Text } from '../feedback.js';
import { MainCf } from './mainCf.js';

export interface MasterService {
  /** As written: "submission", "127.0.0.1:587", "smtp". */
  name: string;
  type: string;
  command: string;
  /** The -o overrides, in order (the last one of a name wins). */
  overrides: Array<{ name: string; value: string }>;
  /**
   * What the daemon stops on at its first connection: a word after the options ("#" of a
   * trailing "# note": master.cf has comments only at the start of a line), which smtpd refuses
   * ("fatal: unexpected command-line argument: #"), or an option it lacks ("invalid option").
   */
  refused?: { word: string; kind: 'argument' | 'option' };
  line: number;
}

export interface MasterCf {
  services: MasterService[];
  problems: Array<{ line: number; message: Text }>;
  /** Entries a later one of the same name and type replaces (master runs the last one). */
  replaced: MasterService[];
}

const TYPES = new Set(['inet', 'unix', 'unix-dgram', 'fifo', 'pass']);
/** The options of Postfix's daemons (getopt "cdDi:lm:n:o:s:St:uvVz" in its *_server.c). */
const FLAGS = new Set('cdDlSuvVz');
const WITH_VALUE = new Set('imnost');

/** Splits arguments as master(8) does: on blanks, with { } grouping values that contain blanks. */
function args(textOf: string): string[] {
  const out: string[] = [];
  let token = '';
  let depth = 0;
  for (const c of textOf) {
    if (c === '{') depth++;
    if (c === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && /\s/.test(c)) {
      if (token) out.push(token);
      token = '';
    } else token += c;
  }
  if (token) out.push(token);
  return out.map((a) => (a.startsWith('{') && a.endsWith('}') ? a.slice(1, -1).trim() : a));
}

export function parseMasterCf(source: string): MasterCf {
  const services: MasterService[] = [];
  const problems: MasterCf['problems'] = [];
  const replaced: MasterService[] = [];
  const logical: Array<{ text: string; line: number }> = [];
  source.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*(#|$)/.test(line)) return;
    if (/^\s/.test(line) && logical.length > 0) logical[logical.length - 1]!.text += ` ${line.trim()}`;
    else if (/^\s/.test(line)) problems.push({ line: i + 1, message: text('This line starts with blanks, which continues the service above, but there is none.', '这一行以空白开头，表示续接上面的服务，但上面没有服务。') });
    else logical.push({ text: line.trim(), line: i + 1 });
  });
  for (const { text: entry, line } of logical) {
    const fields = args(entry);
    if (fields.length < 8 || !TYPES.has(fields[1]!)) {
      problems.push({ line, message: text(`"${entry.slice(0, 60)}" is not a service line: name, type (inet, unix, ...), private, unpriv, chroot, wakeup, maxproc, command.`, `"${entry.slice(0, 60)}" 不是服务行：名字、类型（inet、unix……）、private、unpriv、chroot、wakeup、maxproc、命令。`) });
      continue;
    }
    const service: MasterService = { name: fields[0]!, type: fields[1]!, command: fields[7]!, overrides: [], line };
    const rest = fields.slice(8);
    // Options as getopt reads them: clustered flags (-vv), a value joined (-oname=value) or next.
    for (let i = 0; i < rest.length && !service.refused; i++) {
      const a = rest[i]!;
      // "--" ends the options; a word after it is an argument all the same.
      const word = a === '--' ? rest[i + 1] : !a.startsWith('-') || a === '-' ? a : undefined;
      if (word !== undefined) service.refused = { word, kind: 'argument' };
      if (a === '--' || word !== undefined) break;
      for (let j = 1; j < a.length; j++) {
        const letter = a[j]!;
        if (FLAGS.has(letter)) continue;
        if (!WITH_VALUE.has(letter)) {
          service.refused = { word: `-${letter}`, kind: 'option' };
          break;
        }
        const value = j + 1 < a.length ? a.slice(j + 1) : rest[++i];
        // getopt answers "?" for an option missing its value: smtpd stops as for an unknown one.
        if (value === undefined) service.refused = { word: `-${letter}`, kind: 'option' };
        else if (letter === 'o') override(service, value, line, problems);
        break;
      }
    }
    // Postfix runs the last entry of a name and type (postconf -P shows its -o values).
    const twin = services.findIndex((s) => s.name === service.name && s.type === service.type);
    if (twin >= 0) replaced.push(...services.splice(twin, 1));
    services.push(service);
  }
  return { services, problems, replaced };
}

function override(service: MasterService, value: string, line: number, problems: MasterCf['problems']): void {
  const eq = value.indexOf('=');
  if (eq <= 0) problems.push({ line, message: text(`"-o ${value}" needs name=value.`, `"-o ${value}" 需要写成 name=value。`) });
  else service.overrides.push({ name: value.slice(0, eq).trim(), value: value.slice(eq + 1).trim() });
}

/** The service listening on a port: by name ("submission") or as "host:port". */
export function serviceFor(master: MasterCf, name: string, port: number): MasterService | undefined {
  return master.services.find((s) => s.type === 'inet' && (s.name === name || s.name.endsWith(`:${name}`) || s.name === String(port) || s.name.endsWith(`:${port}`)));
}

/** main.cf as that service sees it: main.cf's settings, then its -o overrides. */
export function withOverrides(cf: MainCf, service: MasterService | undefined): MainCf {
  if (!service) return cf;
  return new MainCf([...cf.entries, ...service.overrides.map((o) => ({ name: o.name, value: o.value, line: service.line }))], cf.problems);
}

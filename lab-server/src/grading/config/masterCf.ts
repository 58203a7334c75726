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
  line: number;
}

export interface MasterCf {
  services: MasterService[];
  problems: Array<{ line: number; message: Text }>;
}

const TYPES = new Set(['inet', 'unix', 'unix-dgram', 'fifo', 'pass']);

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
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      const value = a === '-o' ? rest[++i] : a.startsWith('-o') ? a.slice(2) : undefined;
      if (value === undefined) continue;
      const eq = value.indexOf('=');
      if (eq <= 0) problems.push({ line, message: text(`"-o ${value}" needs name=value.`, `"-o ${value}" 需要写成 name=value。`) });
      else service.overrides.push({ name: value.slice(0, eq).trim(), value: value.slice(eq + 1).trim() });
    }
    services.push(service);
  }
  return { services, problems };
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

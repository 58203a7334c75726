/**
 * Highlighting for the answer editor and the given material: zone files (as BIND reads them),
 * Postfix main.cf and Dovecot dovecot.conf. A line-by-line lexer small enough to run on every
 * keystroke; it colours, it does not judge — the graders' real parsers do that.
 */
import { escapeHtml } from './promptText';
import type { EditorMode } from './exercises';

type Token = [cls: string | undefined, text: string];

const RR_TYPES = new Set(['A', 'AAAA', 'MX', 'TXT', 'CNAME', 'NS', 'SOA', 'PTR', 'SRV', 'CAA', 'TLSA', 'SPF', 'DS', 'DNSKEY', 'SSHFP', 'NAPTR', 'HINFO']);
const CLASSES = new Set(['IN', 'CH', 'HS']);

/** Splits off a double-quoted string (with \" escapes) at the start of `s`. */
function quoted(s: string): string {
  const m = /^"(?:[^"\\]|\\.)*"?/.exec(s);
  return m ? m[0] : s;
}

function zoneLine(line: string): Token[] {
  const out: Token[] = [];
  let rest = line;
  let first = true;
  while (rest.length) {
    const space = /^\s+/.exec(rest);
    if (space) {
      out.push([undefined, space[0]]);
      rest = rest.slice(space[0].length);
      first = false;
      continue;
    }
    let tok: string;
    let cls: string | undefined;
    if (rest[0] === ';') [cls, tok] = ['hl-comment', rest];
    else if (rest[0] === '"') [cls, tok] = ['hl-string', quoted(rest)];
    else if (rest[0] === '(' || rest[0] === ')') [cls, tok] = ['hl-punct', rest[0]];
    else {
      tok = /^[^\s;"()]+/.exec(rest)![0];
      const upper = tok.toUpperCase();
      if (first && tok.startsWith('$')) cls = 'hl-keyword';
      else if (first) cls = 'hl-name';
      else if (RR_TYPES.has(upper) || CLASSES.has(upper)) cls = 'hl-keyword';
      else if (/^\d[\d.:a-f]*$/i.test(tok) || /^\d+[smhdw]?$/i.test(tok)) cls = 'hl-number';
    }
    out.push([cls, tok]);
    rest = rest.slice(tok.length);
    first = false;
  }
  return out;
}

/** Values of main.cf and dovecot.conf: $expansions, %variables, quoted strings, words. */
function valueTokens(value: string, dovecot: boolean): Token[] {
  const out: Token[] = [];
  const pattern = dovecot
    ? /(%\{[^}\n]*\}?|%[a-zA-Z]|\$\{?[A-Za-z_][\w]*\}?|"(?:[^"\\]|\\.)*"?|\s#.*$|[{}=,])/
    : /(\$\{?[A-Za-z_][\w]*\}?|\$\([A-Za-z_][\w]*\)|[A-Za-z0-9]+:(?=\S)|\b(?:permit|reject|check|defer|warn_if)\w*|[,=])/;
  let rest = value;
  while (rest.length) {
    const m = pattern.exec(rest);
    if (!m) {
      out.push([undefined, rest]);
      break;
    }
    if (m.index > 0) out.push([undefined, rest.slice(0, m.index)]);
    const tok = m[0];
    let cls: string;
    if (tok.startsWith('%') || tok.startsWith('$')) cls = 'hl-var';
    else if (tok.startsWith('"')) cls = 'hl-string';
    else if (/^\s#/.test(tok)) cls = 'hl-comment';
    else if (/^[{}=,]$/.test(tok)) cls = 'hl-punct';
    else if (tok.endsWith(':')) cls = 'hl-type';
    else cls = 'hl-keyword';
    out.push([cls, tok]);
    rest = rest.slice(m.index + tok.length);
  }
  return out;
}

function mainCfLine(line: string): Token[] {
  if (/^\s*#/.test(line)) return [['hl-comment', line]];
  // A line that starts with white space continues the previous parameter's value.
  if (/^\s/.test(line)) return valueTokens(line, false);
  const m = /^([^\s=]+)(\s*=\s*)?([\s\S]*)$/.exec(line);
  if (!m) return valueTokens(line, false);
  return [['hl-name', m[1]!], ...(m[2] ? [['hl-punct', m[2]] as Token] : []), ...valueTokens(m[3]!, false)];
}

function dovecotLine(line: string): Token[] {
  const lead = /^\s*/.exec(line)![0];
  const body = line.slice(lead.length);
  const out: Token[] = lead ? [[undefined, lead]] : [];
  if (body.startsWith('#')) return [...out, ['hl-comment', body]];
  if (body.startsWith('!include')) return [...out, ['hl-keyword', body.split(/\s/)[0]!], ...valueTokens(body.slice(body.split(/\s/)[0]!.length), true)];
  const setting = /^([\w/-]+)(\s*=\s*)([\s\S]*)$/.exec(body);
  if (setting) return [...out, ['hl-name', setting[1]!], ['hl-punct', setting[2]!], ...valueTokens(setting[3]!, true)];
  const section = /^([\w-]+)((?:\s+[^{\s]+)?\s*)(\{[\s\S]*)$/.exec(body);
  if (section) return [...out, ['hl-keyword', section[1]!], [undefined, section[2]!], ...valueTokens(section[3]!, true)];
  return [...out, ...valueTokens(body, true)];
}

/** master.cf: a service line (name, type, ... command) or a continuation with -o name=value. */
function masterCfLine(line: string): Token[] {
  if (/^\s*#/.test(line)) return [['hl-comment', line]];
  if (/^\s/.test(line)) {
    const m = /^(\s*)(-o)(\s*)([\w.-]+)(=?)([\s\S]*)$/.exec(line);
    if (!m) return valueTokens(line, false);
    return [[undefined, m[1]!], ['hl-keyword', m[2]!], [undefined, m[3]!], ['hl-name', m[4]!], ['hl-punct', m[5]!], ...valueTokens(m[6]!, false)];
  }
  const m = /^(\S+)(\s+)(\S+)([\s\S]*)$/.exec(line);
  if (!m) return [['hl-name', line]];
  return [['hl-name', m[1]!], [undefined, m[2]!], ['hl-type', m[3]!], ...valueTokens(m[4]!, false)];
}

type LineLexer = (line: string) => Token[];
const LEXERS: Record<Exclude<EditorMode, 'files'>, LineLexer> = { zone: zoneLine, 'main.cf': mainCfLine, 'master.cf': masterCfLine, 'dovecot.conf': dovecotLine };
const FILE_HEADER = /^==>\s*(\S+)\s*<==\s*$/;

/** In a several-files answer, the lexer for the file a "==> path <==" line opens. */
function lexerForPath(path: string): LineLexer {
  if (path.endsWith('master.cf')) return masterCfLine;
  if (path.includes('dovecot')) return dovecotLine;
  return mainCfLine;
}

/** The text as HTML with <span class="hl-..."> around the coloured parts; lines kept as they are. */
export function highlight(mode: EditorMode, source: string): string {
  let lexer: LineLexer = mode === 'files' ? mainCfLine : LEXERS[mode];
  return source
    .split('\n')
    .map((line) => {
      const header = mode === 'files' ? FILE_HEADER.exec(line) : null;
      if (header) lexer = lexerForPath(header[1]!);
      const tokens: Token[] = header ? [['hl-keyword', line]] : lexer(line);
      return tokens.map(([cls, tok]) => (cls ? `<span class="${cls}">${escapeHtml(tok)}</span>` : escapeHtml(tok))).join('');
    })
    .join('\n');
}

/** Material that is not a config or zone text (a base64 key) is shown plain. */
export function isPlainBlock(source: string): boolean {
  return source.split('\n').every((line) => /^[A-Za-z0-9+/=]*$/.test(line.trim()));
}

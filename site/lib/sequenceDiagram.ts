/**
 * A mermaid sequence diagram of a terminal session, drawn from what the learner really typed
 * and what the server really answered: the course's SMTP dialogue diagram, made personal.
 */
import { fill } from '../i18n/fill';

export interface SessionLine {
  dir: 'C' | 'S' | 'I';
  text: string;
}

/** The diagram's own words, in the page's language ({n} is a number, {n|line|lines} its noun). */
export interface DiagramWords {
  lang: string;
  client: string;
  moreLines: string;
  message: string;
  emptyLine: string;
  earlier: string;
}

export const ENGLISH: DiagramWords = {
  lang: 'en',
  client: 'You (client)',
  moreLines: '(+{n} {n|line|lines})',
  message: 'message ({n} {n|line|lines})',
  emptyLine: '(empty line)',
  earlier: '(earlier lines left out)',
};

/** Mermaid treats ; and # specially, and <, > would become HTML: use its entity codes. */
function escape(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/;/g, '#59;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .slice(0, 90);
}

const MAX_ARROWS = 80;

export function sequenceDiagram(lines: SessionLine[], server: string, words: DiagramWords = ENGLISH): string {
  const n = (text: string, count: number): string => escape(fill(text, { n: count }, words.lang));
  const arrows: string[] = [];
  let inData = false;
  let bodyLines = 0;
  let pendingReply: string[] = [];
  // The lines of one reply become one arrow, labelled with the line that carries the status:
  // SMTP's last line ("250 ..."), IMAP's tagged line, or else the first (POP3's "+OK ...").
  const flushReply = (): void => {
    if (pendingReply.length === 0) return;
    const status = [...pendingReply].reverse().find((l) => /^\d{3}( |$)/.test(l) || /^[^*+\s]+ (OK|NO|BAD)\b/i.test(l));
    const label = status ?? pendingReply[0]!;
    const more = pendingReply.length > 1 ? ` ${n(words.moreLines, pendingReply.length - 1)}` : '';
    arrows.push(`S-->>C: ${escape(label)}${more}`);
    pendingReply = [];
  };
  for (const line of lines) {
    if (line.dir === 'I') {
      flushReply();
      arrows.push(`Note over C,S: ${escape(line.text)}`);
    } else if (line.dir === 'C') {
      flushReply();
      if (inData) {
        if (line.text === '.') {
          arrows.push(`C->>S: ${n(words.message, bodyLines)}`, 'C->>S: .');
          inData = false;
        } else bodyLines++;
        continue;
      }
      arrows.push(`C->>S: ${escape(line.text) || escape(words.emptyLine)}`);
    } else {
      pendingReply.push(line.text);
      if (/^354[ -]/.test(line.text)) {
        inData = true;
        bodyLines = 0;
      }
    }
  }
  flushReply();
  const shown = arrows.length > MAX_ARROWS ? [`Note over C,S: ${escape(words.earlier)}`, ...arrows.slice(-MAX_ARROWS)] : arrows;
  return ['sequenceDiagram', `  participant C as ${escape(words.client)}`, `  participant S as ${escape(server)}`, ...shown.map((a) => `  ${a}`)].join('\n');
}

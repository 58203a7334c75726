/**
 * A mermaid sequence diagram of a terminal session, drawn from what the learner really typed
 * and what the server really answered: the course's SMTP dialogue diagram, made personal.
 */

export interface SessionLine {
  dir: 'C' | 'S' | 'I';
  text: string;
}

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

export function sequenceDiagram(lines: SessionLine[], server: string): string {
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
    const more = pendingReply.length > 1 ? ` (+${pendingReply.length - 1} lines)` : '';
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
          arrows.push(`C->>S: message (${bodyLines} lines)`, 'C->>S: .');
          inData = false;
        } else bodyLines++;
        continue;
      }
      arrows.push(`C->>S: ${escape(line.text) || '(empty line)'}`);
    } else {
      pendingReply.push(line.text);
      if (/^354[ -]/.test(line.text)) {
        inData = true;
        bodyLines = 0;
      }
    }
  }
  flushReply();
  const shown = arrows.length > MAX_ARROWS ? ['Note over C,S: (earlier lines left out)', ...arrows.slice(-MAX_ARROWS)] : arrows;
  return ['sequenceDiagram', '  participant C as You (client)', `  participant S as ${escape(server)}`, ...shown.map((a) => `  ${a}`)].join('\n');
}

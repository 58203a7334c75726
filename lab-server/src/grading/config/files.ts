/**
 * Answers made of several configuration files, one editor: each file starts with a header line
 * "==> /etc/postfix/main.cf <==" (what `tail -n +1 file1 file2` prints). Files are found by a
 * part of their path, so /etc/dovecot/dovecot.conf and /etc/dovecot/conf.d/10-master.conf both
 * serve as "the Dovecot configuration".
 */
import { error, text, type FeedbackLine } from '../feedback.js';

export interface AnswerFile {
  path: string;
  text: string;
  /** The line of the answer where the file's text begins (for messages). */
  firstLine: number;
}

const HEADER = /^==>\s*(\S+)\s*<==\s*$/;

export function splitFiles(answer: string): AnswerFile[] {
  const files: AnswerFile[] = [];
  let current: AnswerFile | undefined;
  answer.split('\n').forEach((line, i) => {
    const m = HEADER.exec(line.trim());
    if (m) {
      current = { path: m[1]!, text: '', firstLine: i + 2 };
      files.push(current);
    } else if (current) current.text += `${line}\n`;
    else if (line.trim() !== '') {
      current = { path: '', text: `${line}\n`, firstLine: i + 1 };
      files.push(current);
    }
  });
  return files;
}

/** Every file whose path contains one of `endings`, joined in order (several Dovecot files make one configuration). */
export function fileText(files: AnswerFile[], endings: string[]): string | undefined {
  const found = files.filter((f) => endings.some((e) => f.path.includes(e)));
  return found.length ? found.map((f) => f.text).join('\n') : undefined;
}

/** Feedback for text before the first header and for files the exercise asks for but the answer lacks. */
export function missingFiles(files: AnswerFile[], wanted: Array<{ endings: string[]; name: string }>): FeedbackLine[] {
  const lines: FeedbackLine[] = [];
  if (files.some((f) => f.path === '')) {
    lines.push(error('files.no-header', text('The answer starts without a file header, so it is not clear which file those lines belong to.', '答案开头没有文件标题，看不出那几行属于哪个文件。'), text('Begin each file with a line like "==> /etc/postfix/main.cf <==" (keep the headers of the starter).', '每个文件以一行 "==> /etc/postfix/main.cf <==" 这样的标题开头（保留初始内容里的标题）。')));
  }
  for (const w of wanted) {
    if (fileText(files, w.endings) === undefined) {
      lines.push(error('files.missing', text(`The answer has no ${w.name}.`, `答案里没有 ${w.name}。`), text(`Add it under a header "==> ${w.endings[0]} <==".`, `在标题 "==> ${w.endings[0]} <==" 下面写出它。`)));
    }
  }
  return lines;
}

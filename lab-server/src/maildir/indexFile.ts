/**
 * The folder index on disk (`maillab-index`), a text file a learner can read:
 *
 *   maillab-index 2
 *   V <uidvalidity> N <uidnext> M <highestmodseq> R <first recent uid> H <expunge horizon> U <uid list size> D <new/ mtime> <cur/ mtime> <1 if trusted> C <cache size>
 *   X <modseq> <uids>                                    one line per remembered expunge
 *   <uid> <modseq> <mtime> <size> <wire size> <cache offset> <n|c> <file name>   one line per message
 *   E <message count>
 *
 * The cache offset is where the message's newest record starts in `maillab-cache`, as Dovecot's
 * dovecot.index keeps offsets into dovecot.index.cache (-1: none); C is the cache file's size
 * they describe. Version 1 files (without them) are still read.
 * Written whole to a temporary file, fsynced and renamed over the old one. A file that does
 * not end with its E line, or does not parse, is ignored: the index is rebuilt from the uid
 * list and the files, as Dovecot rebuilds a damaged dovecot.index.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { FolderIndex } from './folderIndex.js';
import { StoredMessage } from './message.js';
import { baseOf, flagsOf } from './names.js';
import { compactUids, expandUids } from './uidRanges.js';

export const INDEX_FILE = 'maillab-index';
const MAGIC = 'maillab-index 2';
const MAGIC_V1 = 'maillab-index 1';

export async function writeIndexFile(folderDir: string, index: FolderIndex): Promise<void> {
  const s = index.stamp;
  const lines = [
    MAGIC,
    `V ${index.uidValidity} N ${index.nextUid} M ${index.highestModseq} R ${index.firstRecentUid} H ${index.expungeHorizon} U ${index.uidlistSize} D ${s ? `${s.newMtime} ${s.curMtime} ${s.trusted ? 1 : 0}` : '0 0 0'} C ${index.cacheSize}`,
  ];
  for (const r of index.expunged) lines.push(`X ${r.modseq} ${compactUids(r.uids)}`);
  for (const m of index.messages) {
    lines.push(`${m.uid} ${m.modseq} ${m.mtimeMs} ${m.size} ${m.wireSize} ${m.cacheAt} ${m.dir === 'new' ? 'n' : 'c'} ${m.fileName}`);
  }
  lines.push(`E ${index.messages.length}`, '');
  await writeFileAtomic(join(folderDir, INDEX_FILE), lines.join('\n'));
}

const HEADER = /^V (\d+) N (\d+) M (\d+) R (\d+) H (\d+) U (\d+) D (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) ([01])(?: C (-1|\d+))?$/;

/** The index as last written, or undefined when it is missing or damaged. */
export async function readIndexFile(folderDir: string): Promise<FolderIndex | undefined> {
  let text: string;
  try {
    text = await readFile(join(folderDir, INDEX_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  // Read line by line where it stands, not split: a 5,000-message index at LOGIN makes no
  // string per line and none per number.
  let at = text.indexOf('\n');
  const header = HEADER.exec(text.slice(at + 1, text.indexOf('\n', at + 1)));
  const first = text.slice(0, at);
  const version = first === MAGIC ? 2 : first === MAGIC_V1 ? 1 : 0;
  if (version === 0 || !header || (version === 2) !== (header[10] !== undefined)) return undefined;
  const n = header.slice(1, 10).map(Number);
  const index = new FolderIndex();
  [index.uidValidity, index.nextUid, index.highestModseq, index.firstRecentUid, index.expungeHorizon, index.uidlistSize] = n as [number, number, number, number, number, number];
  if (version === 2) index.cacheSize = Number(header[10]);
  if (n[6]! > 0) index.stamp = { newMtime: n[6]!, curMtime: n[7]!, trusted: n[8] === 1 };
  at = text.indexOf('\n', at + 1) + 1;
  for (; text.startsWith('X ', at); at = text.indexOf('\n', at) + 1) {
    const [, modseq, set] = text.slice(at, text.indexOf('\n', at)).split(' ');
    const uids = expandUids(set ?? '');
    if (!uids) return undefined;
    index.expunged.push({ modseq: Number(modseq), uids });
  }
  const messages: StoredMessage[] = [];
  const line = new IndexLine(text, folderDir, version === 2);
  for (; at > 0 && at < text.length && !text.startsWith('E ', at); at = line.end + 1) {
    const message = line.read(at);
    if (!message || message.uid <= (messages.at(-1)?.uid ?? 0) || message.uid >= index.nextUid) return undefined;
    messages.push(message);
  }
  if (at <= 0 || text.slice(at) !== `E ${messages.length}\n`) return undefined;
  index.add(messages);
  return index;
}

/** Reads message lines of the index text where they stand. */
class IndexLine {
  /** Where the line last read ends (its line break). */
  end = 0;
  private pos = 0;
  /** A number of the line did not parse. */
  private bad = false;

  constructor(
    private readonly text: string,
    private readonly folderDir: string,
    private readonly withCache: boolean,
  ) {}

  /** The message of the line at `at`, or undefined if it does not parse. */
  read(at: number): StoredMessage | undefined {
    const { text } = this;
    this.end = text.indexOf('\n', at);
    if (this.end === -1) return undefined;
    this.pos = at;
    this.bad = false;
    const uid = this.number();
    const modseq = this.number();
    const mtimeMs = this.number();
    const size = this.number();
    const wireSize = this.number();
    // The cache offset may be -1 (none); every other number is a count or a time.
    const cacheAt = !this.withCache ? -1 : text.startsWith('-1 ', this.pos) ? ((this.pos += 3), -1) : this.number();
    const letter = text[this.pos];
    const dir = letter === 'n' ? 'new' : letter === 'c' ? 'cur' : undefined;
    if (this.bad || !dir || text.charCodeAt(this.pos + 1) !== 0x20 || this.pos + 2 >= this.end) return undefined;
    const fileName = text.slice(this.pos + 2, this.end);
    const message = new StoredMessage(uid, baseOf(fileName), dir === 'cur' ? flagsOf(fileName) : '', dir, fileName, size, wireSize, modseq, mtimeMs, this.folderDir);
    message.cacheAt = cacheAt;
    return message;
  }

  /** The whole number at the read position, followed by a space (else the line is bad). */
  private number(): number {
    const { text } = this;
    const from = this.pos;
    let value = 0;
    let p = from;
    for (; p < this.end && p - from < 16; p++) {
      const digit = text.charCodeAt(p) - 48;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    this.pos = p + 1;
    if (p === from || text.charCodeAt(p) !== 0x20 || !Number.isSafeInteger(value)) this.bad = true;
    return value;
  }
}

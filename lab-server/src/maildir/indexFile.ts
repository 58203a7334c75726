/**
 * The folder index on disk (`maillab-index`), a text file a learner can read:
 *
 *   maillab-index 1
 *   V <uidvalidity> N <uidnext> M <highestmodseq> R <first recent uid> H <expunge horizon> U <uid list size> D <new/ mtime> <cur/ mtime> <1 if trusted>
 *   X <modseq> <uids>                                    one line per remembered expunge
 *   <uid> <modseq> <mtime> <size> <wire size> <n|c> <file name>   one line per message
 *   E <message count>
 *
 * Written whole to a temporary file, fsynced and renamed over the old one. A file that does
 * not end with its E line, or does not parse, is ignored: the index is rebuilt from the uid
 * list and the files, as Dovecot rebuilds a damaged dovecot.index.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { FolderIndex } from './folderIndex.js';
import { StoredMessage } from './message.js';
import { parseName } from './names.js';
import { compactUids, expandUids } from './uidRanges.js';

export const INDEX_FILE = 'maillab-index';
const MAGIC = 'maillab-index 1';

export async function writeIndexFile(folderDir: string, index: FolderIndex): Promise<void> {
  const s = index.stamp;
  const lines = [
    MAGIC,
    `V ${index.uidValidity} N ${index.nextUid} M ${index.highestModseq} R ${index.firstRecentUid} H ${index.expungeHorizon} U ${index.uidlistSize} D ${s ? `${s.newMtime} ${s.curMtime} ${s.trusted ? 1 : 0}` : '0 0 0'}`,
  ];
  for (const r of index.expunged) lines.push(`X ${r.modseq} ${compactUids(r.uids)}`);
  for (const m of index.messages) {
    lines.push(`${m.uid} ${m.modseq} ${m.mtimeMs} ${m.size} ${m.wireSize} ${m.dir === 'new' ? 'n' : 'c'} ${m.fileName}`);
  }
  lines.push(`E ${index.messages.length}`, '');
  await writeFileAtomic(join(folderDir, INDEX_FILE), lines.join('\n'));
}

const HEADER = /^V (\d+) N (\d+) M (\d+) R (\d+) H (\d+) U (\d+) D (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) ([01])$/;

/** The index as last written, or undefined when it is missing or damaged. */
export async function readIndexFile(folderDir: string): Promise<FolderIndex | undefined> {
  let text: string;
  try {
    text = await readFile(join(folderDir, INDEX_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const lines = text.split('\n');
  const header = HEADER.exec(lines[1] ?? '');
  if (lines[0] !== MAGIC || !header) return undefined;
  const n = header.slice(1).map(Number);
  const index = new FolderIndex();
  [index.uidValidity, index.nextUid, index.highestModseq, index.firstRecentUid, index.expungeHorizon, index.uidlistSize] = n as [number, number, number, number, number, number];
  if (n[6]! > 0) index.stamp = { newMtime: n[6]!, curMtime: n[7]!, trusted: n[8] === 1 };
  const messages: StoredMessage[] = [];
  let i = 2;
  for (; i < lines.length && lines[i]!.startsWith('X '); i++) {
    const [, modseq, set] = lines[i]!.split(' ');
    const uids = expandUids(set ?? '');
    if (!uids) return undefined;
    index.expunged.push({ modseq: Number(modseq), uids });
  }
  for (; i < lines.length && !lines[i]!.startsWith('E '); i++) {
    const message = parseMessageLine(lines[i]!, folderDir);
    if (!message || message.uid <= (messages.at(-1)?.uid ?? 0) || message.uid >= index.nextUid) return undefined;
    messages.push(message);
  }
  if (lines[i] !== `E ${messages.length}`) return undefined;
  index.add(messages);
  return index;
}

function parseMessageLine(line: string, folderDir: string): StoredMessage | undefined {
  const fields: number[] = [];
  let from = 0;
  for (let k = 0; k < 5; k++) {
    const space = line.indexOf(' ', from);
    if (space === -1) return undefined;
    fields.push(Number(line.slice(from, space)));
    from = space + 1;
  }
  const dir = line[from] === 'n' ? 'new' : line[from] === 'c' ? 'cur' : undefined;
  const fileName = line.slice(from + 2);
  if (!dir || line[from + 1] !== ' ' || fileName === '' || fields.some((f) => !Number.isSafeInteger(f) || f < 0)) return undefined;
  const [uid, modseq, mtimeMs, size, wireSize] = fields as [number, number, number, number, number];
  const parsed = parseName(fileName);
  return new StoredMessage(uid, parsed.base, dir === 'cur' ? parsed.flags : '', dir, fileName, size, wireSize, modseq, mtimeMs, folderDir);
}

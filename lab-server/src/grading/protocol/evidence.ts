/**
 * What protocol graders look at: the learner's sandbox through the Maildir store API (the same
 * one the servers use) and the transcripts the terminal bridge stored. Never anything the
 * learner claims.
 */
import { readTranscripts, type Transcript } from '../../bridge/transcript.js';
import type { ServiceId } from '../../services.js';
import type { Sandbox } from '../../world/sandbox.js';
import { readMail } from './readMail.js';

export interface StoredMessage {
  uid: number;
  flags: string;
  dir: 'new' | 'cur';
  fileName: string;
  subject: string;
  from: string[];
  messageId?: string;
  /** Raw header block, for Received: lines. */
  headerText: string;
  text: string;
}

/** Every message in one folder of a user's mailbox, parsed. Missing folders are empty. */
export async function messagesOf(sandbox: Sandbox, address: string, folder = 'INBOX'): Promise<StoredMessage[]> {
  const user = sandbox.userByAddress(address);
  if (!user) return [];
  const box = sandbox.mailbox(user).folder(folder);
  let infos;
  try {
    infos = await box.sync();
  } catch {
    return [];
  }
  const out: StoredMessage[] = [];
  for (const info of infos) {
    const raw = await box.read(info.uid);
    if (!raw) continue;
    const end = raw.indexOf('\n\n');
    out.push({
      uid: info.uid,
      flags: info.flags,
      dir: info.dir,
      fileName: info.fileName,
      ...(await readMail(raw, sandbox.id)),
      headerText: raw.subarray(0, end < 0 ? raw.length : end).toString('utf8'),
    });
  }
  return out;
}

/** Subjects compare by meaning: case, surrounding and repeated spaces do not matter. */
export function sameSubject(a: string, b: string): boolean {
  const norm = (s: string): string => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  return norm(a) === norm(b);
}

/** The sandbox's transcripts for some services, oldest first. */
export async function transcriptsFor(sandbox: Sandbox, services: ServiceId[]): Promise<Transcript[]> {
  return (await readTranscripts(sandbox)).filter((t) => services.includes(t.header.service));
}

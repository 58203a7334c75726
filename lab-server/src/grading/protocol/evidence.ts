/**
 * What protocol graders look at: the learner's sandbox through the Maildir store API (the same
 * one the servers use) and the transcripts the terminal bridge stored. Never anything the
 * learner claims.
 */
import { mailboxOf } from '../../maildir/sandboxMaildirs.js';
import { readTranscripts } from '../../world/transcriptFiles.js';
import type { Transcript } from '../../world/transcriptRecord.js';
import type { ServiceId } from '../../services.js';
import type { Sandbox } from '../../world/sandbox.js';
import { text } from '../feedback.js';
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
  const box = mailboxOf(sandbox, user).folder(folder);
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

/**
 * Which terminal sessions count for an exercise: the learner's own, opened on the exercise's
 * page, or opened anywhere else after the learner first opened the exercise — never one typed
 * earlier for something else, nor another learner's in a shared sandbox (single mode).
 */
export interface WorkScope {
  exerciseId: string;
  learnerId: string;
  /** When the learner first opened the exercise, if they have. */
  openedAt?: string;
}

export function inScope(t: Transcript, scope: WorkScope | undefined): boolean {
  if (!scope) return true;
  if (t.header.owner !== undefined && t.header.owner !== scope.learnerId) return false;
  if (t.header.exercise !== undefined) return t.header.exercise === scope.exerciseId;
  return scope.openedAt !== undefined && t.header.startedAt >= scope.openedAt;
}

/** Said with a "no session" error: which sessions count. */
export const COUNTED = text(
  'Sessions count when typed in the terminal on this exercise\'s page, or in any terminal after you opened the exercise; earlier ones do not.',
  '只有在本练习页面的终端里输入的会话，或者打开本练习之后在任何终端里输入的会话才算数；更早的会话不算。',
);

/** The sandbox's transcripts for some services that count for the exercise, oldest first. */
export async function transcriptsFor(sandbox: Sandbox, services: ServiceId[], scope?: WorkScope): Promise<Transcript[]> {
  return (await readTranscripts(sandbox)).filter((t) => services.includes(t.header.service) && inScope(t, scope));
}

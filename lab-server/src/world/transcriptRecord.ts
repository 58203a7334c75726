/**
 * What a transcript file holds: a header line describing the terminal session, then one line
 * per protocol line. Shared by the bridge that writes them (bridge/transcript.ts), the shelf
 * that keeps and reads them (transcriptFiles.ts) and the graders that judge them; it lives
 * with the sandbox, below all three, so none of them imports a layer above it.
 */
import type { ServiceId } from '../services.js';

/** What one terminal session may record: thousands of typed lines, a few big RETRs. */
export const SESSION_BYTES = 1024 * 1024;

export interface TranscriptHeader {
  session: string;
  service: ServiceId;
  startedAt: string;
  /** Who opened the terminal (learner id), when known. */
  owner?: string;
  /** The exercise page the terminal was opened on: its work counts for that exercise. */
  exercise?: string;
}

export interface TranscriptLine {
  /** ISO timestamp. */
  t: string;
  /** C = client (what the learner sent), S = server, I = information from the bridge (TLS). */
  dir: 'C' | 'S' | 'I';
  text: string;
  /** True once the connection is encrypted (after STARTTLS/STLS or on implicit TLS). */
  tls?: boolean;
}

export interface Transcript {
  header: TranscriptHeader;
  lines: TranscriptLine[];
}

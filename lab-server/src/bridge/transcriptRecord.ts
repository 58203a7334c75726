/**
 * What a transcript file holds: a header line describing the terminal session, then one line
 * per protocol line. Shared by the writer (transcript.ts) and the file keeper
 * (transcriptFiles.ts), which must not import each other.
 */
import type { ServiceId } from '../services.js';

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

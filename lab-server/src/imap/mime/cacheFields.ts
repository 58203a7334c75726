/**
 * The names the MIME summaries have in a folder's field cache (maildir/fieldCache.ts), stamped
 * with the parser's version. A fix that changes what the parser answers for a message parsed
 * before (its ENVELOPE, BODYSTRUCTURE or BODY) raises PARSER_STAMP: the records made before are
 * then not found, so each message is parsed once more the first time it is fetched, as in a
 * folder never fetched, and its new records are appended. Nothing is read or rewritten at start
 * or at SELECT, and appends are all it writes: a crash loses at most the newest records, which
 * are worked out again. The old records stay in the file until it is compacted (maildir/fieldStamps.ts).
 * Stamps: none (the names alone) up to round 13; 14: ENVELOPE names and subjects written as
 * Dovecot writes them for humans, local parts with dots read as Dovecot reads them; 15: RFC 2231
 * parameters in Dovecot's order, a text part's default charset last; 16: no Content-* field of a
 * message without MIME-Version and Content-Type.
 */
import { declareStamp } from '../../maildir/fieldStamps.js';

export const PARSER_STAMP = 16;

export const ENVELOPE_FIELD = `envelope.${PARSER_STAMP}`;
export const BODYSTRUCTURE_FIELD = `bodystructure.${PARSER_STAMP}`;
export const BODY_FIELD = `body.${PARSER_STAMP}`;

// The field cache drops records of a lower stamp at its next compaction, fetched again or not.
for (const family of ['envelope', 'bodystructure', 'body']) declareStamp(family, PARSER_STAMP);

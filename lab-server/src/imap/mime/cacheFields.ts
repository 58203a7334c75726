/**
 * The names the MIME summaries have in a folder's field cache (maildir/fieldCache.ts), stamped
 * with the version of the parser's answer for that field. A fix that changes what the parser
 * answers for a message parsed before raises the stamp of that field only: ENVELOPE_STAMP for
 * the ENVELOPE, STRUCTURE_STAMP for BODYSTRUCTURE and BODY (one parse makes both). The records
 * made before are then not found, so each message is parsed once more the first time it is
 * fetched, as in a folder never fetched, and its new records are appended; the other field's
 * records stay good (one stamp for all once threw every cached ENVELOPE away for a BODYSTRUCTURE
 * fix: the first FETCH ENVELOPE of every folder took the no-cache path again). Nothing is read
 * or rewritten at start or at SELECT, and appends are all it writes: a crash loses at most the
 * newest records, which are worked out again. The old records go at the next compaction
 * (maildir/fieldStamps.ts), so a stamp never goes down. tests/unit/imap-cache-stamps.test.ts
 * fails when an answer changes without its stamp, or a stamp is raised without its answer changing.
 * ENVELOPE: none (the bare name) up to round 13; 14: names and subjects written as Dovecot
 * writes them for humans, local parts with dots read as Dovecot reads them; 15, 16: raised with
 * the structure's while one stamp served all three (no change); 17: blanks at the end of the
 * date, subject, In-Reply-To and Message-ID kept, as Dovecot keeps them (a subject's make it a
 * literal); a tab or control character in those three quoted, not a literal; 18: a string with
 * more than four quotes and backslashes a literal, a long one quoted, as Dovecot writes them.
 * BODYSTRUCTURE and BODY: none up to round 13; 14: raised with the ENVELOPE's (no change); 15:
 * RFC 2231 parameters in Dovecot's order, a text part's default charset last; 16: no Content-*
 * field of a message without MIME-Version and Content-Type; 17: the type, subtype, parameter names
 * and disposition as written ("TEXT" "PLAIN" ("CHARSET" ...)), as Dovecot keeps them; 18: a
 * Content-Type Dovecot cannot read ("TEXT", "text/plain x") shown as Dovecot shows it; 19: nor
 * read as a multipart ("multipart/mixed x; boundary=b": one leaf); 20: a whole
 * plain 7-bit us-ascii text/plain message in lower case, a single Content-Language a list, as Dovecot.
 */
import { declareStamp } from '../../maildir/fieldStamps.js';

export const ENVELOPE_STAMP = 18;
export const STRUCTURE_STAMP = 20;

/** Each field's stamp, by the field's name in the cache. */
export const FIELD_STAMPS = { envelope: ENVELOPE_STAMP, bodystructure: STRUCTURE_STAMP, body: STRUCTURE_STAMP } as const;

export const ENVELOPE_FIELD = `envelope.${ENVELOPE_STAMP}`;
export const BODYSTRUCTURE_FIELD = `bodystructure.${STRUCTURE_STAMP}`;
export const BODY_FIELD = `body.${STRUCTURE_STAMP}`;

// The field cache drops records of a lower stamp at its next compaction, fetched again or not.
for (const [family, stamp] of Object.entries(FIELD_STAMPS)) declareStamp(family, stamp);

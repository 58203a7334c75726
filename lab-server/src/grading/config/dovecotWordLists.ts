/**
 * Dovecot 2.3 settings that hold a list of words it knows (client workarounds, imapc and pop3c
 * features, attachment detection options, cache fields): doveconf refuses the whole file for a
 * word not on the list, once the file is read ("imap_client_workarounds: Unknown workaround:
 * foo"). The words are Dovecot 2.3.19's own; split on blanks and commas, any case, unless said.
 */
import { text, type Text } from '../feedback.js';

/** doveconf's complaint, the setting it stands on, and what to write instead. */
export interface DovecotRefusal {
  key: string;
  /** Where to point when `key` is left at its default. */
  also?: string;
  said: string;
  next: Text;
}

/** A scope's values: the last one written, or Dovecot's default. */
export type ScopeValue = (key: string) => string;

export const wordsOf = (value: string, split: RegExp): string[] => value.split(split).filter(Boolean);

interface WordList {
  key: string;
  words: readonly string[];
  /** doveconf's complaint about one word. */
  said: (word: string) => string;
  /** Words beginning so are taken with their argument (content-type=..., throttle:...). */
  accepts?: (word: string) => boolean;
  split?: RegExp;
  caseSensitive?: boolean;
}

const workarounds = (key: string, words: string): WordList => ({ key, words: words.split(' '), said: (w) => `${key}: Unknown workaround: ${w}` });
const features = (key: string, words: string, accepts?: (w: string) => boolean): WordList => ({ key, words: words.split(' '), said: (w) => `${key}: Unknown feature: ${w}`, ...(accepts ? { accepts } : {}) });

/** "throttle:<init>:<max>:<shrink-min>", three numbers of milliseconds; anything else after "throttle:" is its own complaint. */
const throttle = (w: string): boolean => /^throttle:/i.test(w);
const THROTTLE = /^throttle:\d+:\d+:\d+$/i;

const LISTS: readonly WordList[] = [
  features('dsync_features', 'empty-header-workaround'),
  workarounds('imap_client_workarounds', 'delay-newmail tb-extra-mailbox-sep tb-lsub-flags'),
  features('imapc_features', 'rfc822.size guid-forced fetch-headers gmail-migration search zimbra-workarounds no-examine proxyauth fetch-msn-workarounds fetch-fix-broken-mails modseq delay-login fetch-bodystructure send-id fetch-empty-is-expunged no-msn-updates acl', throttle),
  features('pop3c_features', 'no-pipelining'),
  {
    key: 'mail_attachment_detection_options',
    words: ['add-flags', 'add-flags-on-save', 'no-flags-on-fetch', 'exclude-inlined'],
    said: (w) => `mail_attachment_detection_options: Unknown option: ${w}`,
    accepts: (w) => w.startsWith('content-type='),
    split: / +/,
    caseSensitive: true,
  },
  workarounds('lmtp_client_workarounds', 'whitespace-before-path mailbox-for-path'),
  workarounds('pop3_client_workarounds', 'outlook-no-nuls oe-ns-eoh'),
  workarounds('submission_client_workarounds', 'whitespace-before-path mailbox-for-path implicit-auth-external exotic-backend'),
];

/** A header name as RFC 5322 has it: printable US-ASCII but ":" (message_header_name_is_valid). */
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]*$/;

function listCheck(list: WordList): (get: ScopeValue) => DovecotRefusal | undefined {
  const known = new Set(list.caseSensitive ? list.words : list.words.map((w) => w.toLowerCase()));
  return (get) => {
    for (const w of wordsOf(get(list.key), list.split ?? /[ ,]+/)) {
      if (list.key === 'imapc_features' && throttle(w) && !THROTTLE.test(w)) return refusal(list.key, 'imapc_features: Invalid throttle settings', ['throttle:<init>:<max>:<shrink-min>']);
      if (known.has(list.caseSensitive ? w : w.toLowerCase()) || list.accepts?.(w)) continue;
      // doveconf drops these two old words itself, with a warning (old-set-parser.c).
      if (list.key === 'imap_client_workarounds' && (w === 'outlook-idle' || w === 'netscape-eoh')) continue;
      return refusal(list.key, list.said(w), list.words);
    }
    return undefined;
  };
}

function refusal(key: string, said: string, words: readonly string[]): DovecotRefusal {
  return { key, said, next: text(`${key} takes only ${words.join(', ')}; remove the other words (an empty value is the default).`, `${key} 只接受 ${words.join('、')}；删掉其他的词（留空就是默认值）。`) };
}

/** mail_*cache_fields: "hdr.<name>" needs a valid header name (mail_cache_fields_parse). */
function cacheFieldsCheck(key: string): (get: ScopeValue) => DovecotRefusal | undefined {
  return (get) => {
    const bad = wordsOf(get(key), /[ ,]+/).find((w) => /^hdr\./i.test(w) && !HEADER_NAME.test(w.slice(4)));
    if (bad === undefined) return undefined;
    return { key, said: `Invalid ${key}: ${bad} is not a valid header name`, next: text(`After "hdr." write a header's name as it stands before its colon, e.g. "hdr.subject".`, `"hdr." 后面写邮件头的名字（冒号前的部分），例如 "hdr.subject"。`) };
  };
}

/** In the order Dovecot's settings checks meet them. */
export const DOVECOT_LIST_CHECKS: ReadonlyArray<(get: ScopeValue) => DovecotRefusal | undefined> = [
  ...LISTS.map(listCheck),
  ...['mail_cache_fields', 'mail_always_cache_fields', 'mail_never_cache_fields'].map(cacheFieldsCheck),
];

/**
 * How much MIME structure the lab reads in one message (documented in the README). Past a
 * limit the rest is not parsed: a part nested too deeply, or everything after the last part
 * counted, is shown as one opaque application/octet-stream part, as Dovecot's message parser
 * does with its max_nested_mime_parts and max_total_mime_parts (same defaults).
 */
export interface MimeLimits {
  /** Parts in all, the message itself included. */
  maxParts: number;
  /** Multipart and message/rfc822 levels. */
  maxDepth: number;
  /** Header fields read in one header block; the rest of that header is not indexed. */
  maxFieldsPerHeader: number;
  /** Header fields read in the whole message. */
  maxFields: number;
}

export const MIME_LIMITS: MimeLimits = {
  maxParts: 10_000,
  maxDepth: 100,
  maxFieldsPerHeader: 1_000,
  maxFields: 50_000,
};

/**
 * Small messages are parsed on the main thread when they stay within these much smaller
 * limits (a few milliseconds at most); anything bigger or busier goes to a worker thread.
 */
export const INLINE_BYTES = 32 * 1024;
export const INLINE_LIMITS: MimeLimits = { maxParts: 100, maxDepth: 20, maxFieldsPerHeader: 300, maxFields: 1_000 };

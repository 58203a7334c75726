/** A partial range, <first octet.count>, of FETCH's BODY[...]<…> and BINARY[...]<…> and of an IMAP URL's ;PARTIAL=. */
export interface PartialRange {
  start: number;
  /** Undefined: to the end. */
  length?: number;
}

/** The octets a partial range names; a range past the end gives what is there (maybe nothing). */
export function cut(data: Buffer, partial: PartialRange | undefined): Buffer {
  if (!partial) return data;
  const { start, length } = partial;
  return data.subarray(Math.min(start, data.length), length === undefined ? data.length : Math.min(data.length, start + length));
}

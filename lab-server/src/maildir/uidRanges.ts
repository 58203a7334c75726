/** Sets of UIDs written compactly, "1:3,7,9:12", for the index file and its log. */

export function compactUids(uids: Iterable<number>): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const low = sorted[i]!;
    let high = low;
    while (sorted[i + 1] === high + 1) high = sorted[++i]!;
    parts.push(low === high ? `${low}` : `${low}:${high}`);
  }
  return parts.join(',');
}

/** The UIDs of a compact set; undefined when the text is not one. */
export function expandUids(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(part);
    if (!m) return undefined;
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    if (high < low || high - low > 10_000_000) return undefined;
    for (let uid = low; uid <= high; uid++) out.push(uid);
  }
  return out;
}

/**
 * The known name closest to a misspelt one, for "did you mean": Postfix's parameters, Dovecot's
 * settings. Levenshtein distance, within three edits (or fewer, when asked: "foo" is no typo of "ssl").
 */

/** Two rows of the edit-distance table, kept between calls: one call per known name, hundreds per answer. */
let above = new Uint16Array(64);
let row = new Uint16Array(64);

/**
 * Levenshtein distance of `a` and `b`, or any number above `most` once it must be: a row whose
 * every cell is past `most` can only grow, so the rest of the table is not worked out.
 */
function editDistance(a: string, b: string, most: number): number {
  if (above.length <= b.length) {
    above = new Uint16Array(b.length + 1);
    row = new Uint16Array(b.length + 1);
  }
  for (let j = 0; j <= b.length; j++) above[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let least = i;
    for (let j = 1; j <= b.length; j++) {
      const cell = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1));
      row[j] = cell;
      if (cell < least) least = cell;
    }
    if (least > most) return most + 1;
    [above, row] = [row, above];
  }
  return above[b.length]!;
}

/** The name of `known` within `most` (three) edits of `name`, the closest first found; undefined if none is. */
export function closestName(name: string, known: Iterable<string>, most = 3): string | undefined {
  let best: string | undefined;
  let bestDistance = most + 1;
  for (const candidate of known) {
    // The length difference is a lower bound of the distance: a long made-up name costs nothing.
    if (Math.abs(candidate.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, candidate, bestDistance - 1);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The known name closest to a misspelt one, for "did you mean": Postfix's parameters, Dovecot's
 * settings. Levenshtein distance, within three edits (or fewer, when asked: "foo" is no typo of "ssl").
 */

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length]![b.length]!;
}

/** The name of `known` within `most` (three) edits of `name`, the closest first found; undefined if none is. */
export function closestName(name: string, known: Iterable<string>, most = 3): string | undefined {
  let best: string | undefined;
  let bestDistance = most + 1;
  for (const candidate of known) {
    // The length difference is a lower bound of the distance: a long made-up name costs nothing.
    if (Math.abs(candidate.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Information measures over contingency counts. DuckDB does the counting (GROUP BY feature key, target
 * key); these turn the few hundred cells it returns into bits. Pure functions, no data access.
 */

/** One cell of a feature x target cross-tab. */
export interface CrossTabCell {
  readonly key: string;
  readonly target: string;
  readonly count: number;
}

/**
 * Shannon entropy, in bits, of a distribution given by counts (zeros allowed).
 * @example entropyBits([1, 1]) // 1
 */
export function entropyBits(counts: readonly number[]): number {
  let total = 0;
  for (const count of counts) total += count;
  if (total <= 0) return 0;
  let h = 0;
  for (const count of counts) if (count > 0) h -= (count / total) * Math.log2(count / total);
  return h;
}

/**
 * Mutual information I(X; Y), in bits, of the joint distribution given by cross-tab counts:
 * H(X) + H(Y) - H(X, Y). The plug-in estimate: biased upwards by about (|X|-1)(|Y|-1) / (2 n ln 2),
 * which is why the profile caps the number of feature keys (see ./profile.ts).
 * @example mutualInformationBits([{ key: "a", target: "0", count: 5 }, { key: "b", target: "1", count: 5 }]) // 1
 */
export function mutualInformationBits(cells: readonly CrossTabCell[]): number {
  const byKey = new Map<string, number>();
  const byTarget = new Map<string, number>();
  // Cells may repeat a (key, target) pair (keys merged into "(other)"), so the joint counts are summed.
  const merged = new Map<string, number>();
  for (const { key, target, count } of cells) {
    const id = JSON.stringify([key, target]);
    merged.set(id, (merged.get(id) ?? 0) + count);
    byKey.set(key, (byKey.get(key) ?? 0) + count);
    byTarget.set(target, (byTarget.get(target) ?? 0) + count);
  }
  const mi = entropyBits([...byKey.values()]) + entropyBits([...byTarget.values()]) - entropyBits([...merged.values()]);
  // Rounding can leave -1e-16 for independent variables.
  return Math.max(0, mi);
}

/**
 * ROC AUC of scores against binary labels, the naive O(n log n) way (average ranks for ties), as
 * scikit-learn's roc_auc_score defines it. The oracle for the SQL version in ./profile.ts.
 */
export function rocAucNaive(scores: readonly number[], positive: readonly boolean[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let nPos = 0;
  let rankSum = 0;
  positive.forEach((p, i) => {
    if (p) {
      nPos++;
      rankSum += ranks[i]!;
    }
  });
  const nNeg = scores.length - nPos;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

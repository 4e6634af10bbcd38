/**
 * Category dictionaries. Categories are sorted by Unicode code point, which is the order DuckDB's
 * `list_sort` gives VARCHARs (UTF-8 bytes compare in code point order): both readers then produce the
 * same codes for the same values. JavaScript's default `<` compares UTF-16 code units instead, which
 * differs for characters beyond U+FFFF, hence the comparator below.
 */

/** Compares two strings by Unicode code point: negative, zero or positive. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800-0xDFFF) starts a code point above 0xFFFF, so it sorts after every other unit.
    const xHigh = x >= 0xd800 && x <= 0xdfff;
    const yHigh = y >= 0xd800 && y <= 0xdfff;
    if (xHigh !== yHigh) return xHigh ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Sorts distinct categories in place by code point and returns them. */
export function sortCategories(categories: string[]): string[] {
  return categories.sort(compareCodePoints);
}

/**
 * Merges the categories found after a dictionary was fixed (`extra`, coded from `known.length` up) into
 * one sorted dictionary, and rewrites `codes` to it in place. Missing codes (-1) stay -1.
 */
export function mergeCategories(known: readonly string[], extra: readonly string[], codes: Int32Array): string[] {
  const all = [...known, ...extra];
  const order = all.map((_, index) => index).sort((i, j) => compareCodePoints(all[i]!, all[j]!));
  const remap = new Int32Array(all.length);
  for (let rank = 0; rank < order.length; rank++) remap[order[rank]!] = rank;
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code >= 0) codes[i] = remap[code]!;
  }
  return order.map((index) => all[index]!);
}

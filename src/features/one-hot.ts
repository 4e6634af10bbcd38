/**
 * One-hot encoding of one categorical column: one 0/1 column per category seen in training.
 *
 * A missing value, or a category without a column (unknown, or in the dictionary but never seen in
 * training), encodes as all zeros. There is no separate "missing" column: with every seen category kept
 * (none dropped), the all-zeros row is already a level of its own, whose effect the intercept carries.
 * Categories never seen in training get no column because their coefficient could only be zero.
 */
import { ModelFormatError } from "../core/errors.js";
import { MISSING_CODE } from "../core/types.js";

/** The JSON state of a fitted OneHotEncoder. */
export interface OneHotState {
  /** The dictionary codes that have a column, in increasing order: column c encodes code codes[c]. */
  readonly codes: readonly number[];
  /** Their labels, for column names. */
  readonly labels: readonly string[];
}

/**
 * A fitted one-hot encoder for one categorical column.
 *
 * @example
 * const enc = OneHotEncoder.fit(new Int32Array([0, 2, -1]), ["a", "b", "c"]); // columns for "a" and "c"
 */
export class OneHotEncoder {
  readonly codes: readonly number[];
  readonly labels: readonly string[];
  /** code -> column slot, or -1: built once so encoding is one array read per row. */
  readonly #slot: Int32Array;

  constructor(state: OneHotState) {
    this.codes = [...state.codes];
    this.labels = [...state.labels];
    const size = this.codes.length > 0 ? this.codes[this.codes.length - 1]! + 1 : 0;
    this.#slot = new Int32Array(size).fill(-1);
    this.codes.forEach((code, c) => (this.#slot[code] = c));
  }

  /**
   * Fits on training codes (MISSING_CODE for missing) into the dictionary `categories`, keeping a column
   * for at most `maxCategories` categories: the most frequent (ties to the smaller code). The rest encode
   * as all zeros, like an unknown category: a 20,000-level column (a timestamp read as text, an id)
   * would otherwise make the linear solvers' p x p systems too big to solve.
   */
  static fit(codes: Int32Array, categories: readonly string[], maxCategories = Infinity): OneHotEncoder {
    const counts = new Float64Array(categories.length);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code >= 0 && code < categories.length) counts[code]++;
    }
    let kept: number[] = [];
    for (let code = 0; code < categories.length; code++) if (counts[code]! > 0) kept.push(code);
    if (kept.length > maxCategories) {
      kept = kept
        .sort((a, b) => counts[b]! - counts[a]! || a - b)
        .slice(0, maxCategories)
        .sort((a, b) => a - b);
    }
    return new OneHotEncoder({ codes: kept, labels: kept.map((code) => categories[code]!) });
  }

  /** Number of output columns. */
  get nColumns(): number {
    return this.codes.length;
  }

  /**
   * Writes the encoding of each row i to out[offset + i * stride + c], c < nColumns: zeros, then a 1 in
   * the slot of the row's category if it has one.
   */
  transformInto(codes: Int32Array, out: Float64Array, offset: number, stride: number): void {
    const slot = this.#slot;
    const width = this.codes.length;
    for (let i = 0, o = offset; i < codes.length; i++, o += stride) {
      out.fill(0, o, o + width);
      const code = codes[i]!;
      if (code === MISSING_CODE || code < 0 || code >= slot.length) continue;
      const c = slot[code]!;
      if (c >= 0) out[o + c] = 1;
    }
  }

  /**
   * Writes, for each row i, `base` plus the column slot of its category to out[offset + i * stride], or
   * -1 when it has none: the compact form of the encoding (see kernels/mixed.ts).
   */
  columnsInto(codes: Int32Array, out: Int32Array, offset: number, stride: number, base: number): void {
    const slot = this.#slot;
    for (let i = 0, o = offset; i < codes.length; i++, o += stride) {
      const code = codes[i]!;
      const c = code >= 0 && code < slot.length ? slot[code]! : -1;
      out[o] = c >= 0 ? base + c : -1;
    }
  }

  /** The state to save in a model file. */
  toJSON(): OneHotState {
    return { codes: [...this.codes], labels: [...this.labels] };
  }

  /** Rebuilds from saved state; a malformed state is a ModelFormatError. */
  static fromJSON(state: unknown): OneHotEncoder {
    const s = state as OneHotState;
    const ok =
      s && Array.isArray(s.codes) && Array.isArray(s.labels) && s.codes.length === s.labels.length &&
      s.codes.every((code, c) => Number.isInteger(code) && code >= 0 && code < 1 << 26 && (c === 0 || code > s.codes[c - 1]!)) &&
      s.labels.every((label) => typeof label === "string");
    if (!ok) throw new ModelFormatError("corrupt_header", "a one-hot encoder's state is invalid");
    return new OneHotEncoder(s);
  }
}

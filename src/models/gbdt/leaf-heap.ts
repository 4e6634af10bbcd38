/**
 * The leaves of a best-first tree that may split, best first: a binary max-heap of leaf indices by their
 * split's gain, ties to the lower leaf index (the leaf a scan for the first maximum would take). Shared
 * by the boosting grower (./grower.ts) and the forest's Gini grower (../forest/gini-grower.ts). Gains are
 * read from `splits` when leaves are compared, so a waiting leaf's split must not change.
 */
export class LeafHeap {
  readonly #leaves: Int32Array;
  readonly #splits: readonly { readonly gain: number }[];
  /** Leaves waiting. */
  size = 0;

  /** `splits[leaf]` is leaf's best split; at most `capacity` leaves wait at once. */
  constructor(splits: readonly { readonly gain: number }[], capacity: number) {
    this.#splits = splits;
    this.#leaves = new Int32Array(capacity);
  }

  /** The i-th waiting leaf in the heap's storage order (0 is the best; the rest in no particular order). */
  at(i: number): number {
    return this.#leaves[i]!;
  }

  /** Heap order: larger gain first, then the lower leaf index. */
  before(a: number, b: number): boolean {
    const ga = this.#splits[a]!.gain;
    const gb = this.#splits[b]!.gain;
    return ga > gb || (ga === gb && a < b);
  }

  push(leaf: number): void {
    const heap = this.#leaves;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(leaf, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = leaf;
  }

  /** Takes the best leaf out (the heap must not be empty). */
  pop(): number {
    const heap = this.#leaves;
    const top = heap[0]!;
    const last = heap[--this.size]!;
    const n = this.size;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    if (n > 0) heap[i] = last;
    return top;
  }
}

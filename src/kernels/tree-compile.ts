/**
 * One-row prediction by generated code: a model's trees written out as JavaScript expressions (each
 * split a comparison with its threshold as a literal, each leaf its value as a literal) and compiled
 * once by the engine, the way tree compilers (treelite, m2cgen) turn a model into code.
 *
 * Why: a prediction service answers one row at a time, between which the HTTP stack evicts the node
 * arrays from the caches; walking findLeaf then costs 3-5 us a row for 100 trees of 31 leaves, of
 * which the loads of six arrays per visited node are a large part. Compiled, a visit is a compare and
 * a branch on a value already in a register: 0.5 against 1.6 us a row in a loop, 2.0 against 3.7 us
 * with the caches evicted (bench/serve/RESULTS.md). Batches (batchPredictorSources) use the same
 * expressions inside a loop over rows that reads the dataset's columns: 2x the packed 4-row walk of
 * ./tree-predict.ts once optimised (see bench/gbdt/RESULTS.md). Batches now go to the trees compiled to
 * WebAssembly (./tree-wasm.ts) first, which V8 compiles once per process instead of once per thread and
 * runs faster; these are the fallback where WebAssembly is missing, and the packed walk the last one and
 * the naive twin.
 *
 * V8 optimises the generated functions only once they have run a few thousand times; until then (the
 * first requests after a model is loaded) they run in the interpreter, several times slower than
 * findLeaf.
 *
 * The generated code only ever holds numbers written by `literal` (digits, ".", "e", "+", "-",
 * "Infinity", "NaN") and indices, never text from the model file, and it decides every split exactly as
 * findLeaf does; trees are added in tree order per output, so the sums equal predictRaw's bit for bit.
 */
import { FLAG_CATEGORICAL, FLAG_MISSING_LEFT, type TreeArrays } from "./tree-predict.js";

/** Adds each tree's leaf value for `row` (features in model order) to raw[treeOutput[t]], trees in order. */
export type CompiledRowPredictor = (row: Float64Array, raw: Float64Array) => void;

/** Limits of compileRowPredictor; beyond them it returns undefined (the caller walks findLeaf). */
export interface CompileLimits {
  /**
   * Nodes per generated function (default 2000). Trees are grouped into functions of at most this many
   * nodes: V8 optimises a function only up to a size (one function for 100 trees of 61 nodes ran
   * interpreted, 2.5 us a row), while a function per tree makes the calls cost more than the walk.
   */
  readonly nodesPerFunction?: number;
  /**
   * Nodes in all (default 25,000). Past some size the compiled code no longer fits the caches the node
   * arrays fit, and it stays slower than findLeaf (measured on random trees, under load: 200,000 nodes
   * 3-5x slower; 6,100 and 20,000 nodes 3-10x faster once optimised).
   */
  readonly maxNodes?: number;
  /**
   * Characters of tree expressions per function (default 30,000; a tree longer than that gets a function
   * of its own). For one row (compileRowPredictor) this comes on top of nodesPerFunction: flights'
   * categorical splits made 2000-node functions too large to optimise (11 us a row; see the commit). V8 optimises no function whose bytecode is
   * over 60 KB, and its optimising compiler takes time growing with a function's size: on 1M x 28's model
   * (100 trees of 31 leaves) groups of 15,000 / 30,000 / 60,000 characters gave a first batch of 0.68 / 0.66 /
   * 0.82 s CPU and later ones 0.32 / 0.31 / 0.35 s; on flights' (categorical splits, longer per node)
   * 1.79 / 1.95 / 4.42 s and 0.75-0.78 / 0.75-0.77 / 0.84 s (200k and 600k rows, loaded machine).
   */
  readonly charsPerFunction?: number;
  /** Deepest tree (default 64 levels): the expressions nest as deep as the tree. */
  readonly maxDepth?: number;
}

/** A number as JavaScript source that evaluates to exactly it (String round-trips a double; -0 kept). */
function literal(x: number): string {
  return Object.is(x, -0) ? "-0" : String(x);
}

/**
 * The trees of `trees` as one function for one row, or undefined when the model is past `limits`
 * (too many nodes in all or in one tree, or too deep) or the process may not generate code.
 */
export function compileRowPredictor(trees: TreeArrays, limits: CompileLimits = {}): CompiledRowPredictor | undefined {
  const nodesPerFunction = limits.nodesPerFunction ?? 2000;
  const maxNodes = limits.maxNodes ?? 25_000;
  const maxDepth = limits.maxDepth ?? 64;
  const { catBits, treeRoot, treeOutput } = trees;
  const nTrees = treeRoot.length;

  const treeNodes = countTreeNodes(trees, nodesPerFunction, maxNodes, maxDepth);
  if (!treeNodes) return undefined;

  const charsPerFunction = limits.charsPerFunction ?? 30_000;
  const { sums: allSums, usedOf } = treeStatements(trees);

  const parts: CompiledRowPredictor[] = [];
  for (let begin = 0; begin < nTrees; ) {
    let end = begin;
    let nodes = 0;
    let chars = 0;
    while (end < nTrees && (end === begin || (nodes + treeNodes[end]! <= nodesPerFunction && chars + allSums[end]!.length <= charsPerFunction))) {
      nodes += treeNodes[end]!;
      chars += allSums[end++]!.length;
    }
    const used = new Set<number>();
    const outputs = new Set<number>();
    const sums = allSums.slice(begin, end);
    for (let t = begin; t < end; t++) {
      outputs.add(treeOutput[t]!);
      for (const f of usedOf[t]!) used.add(f);
    }
    const source = [
      '"use strict";',
      "return function predictTrees(x, raw) {",
      ...[...used].map((f) => `const x${f} = x[${f}];`),
      ...[...outputs].map((k) => `let s${k} = raw[${k}];`),
      ...sums,
      ...[...outputs].map((k) => `raw[${k}] = s${k};`),
      "};",
    ].join("\n");
    try {
      parts.push(new Function("cb", source)(catBits) as CompiledRowPredictor);
    } catch {
      // Code generation is switched off (node --disallow-code-generation-from-strings): findLeaf it is.
      return undefined;
    }
    begin = end;
  }
  if (parts.length === 1) return parts[0]!;
  return (row, raw) => {
    for (let i = 0; i < parts.length; i++) parts[i]!(row, raw);
  };
}

/**
 * Nodes of each tree, or undefined when a tree is deeper than maxDepth or has more than nodesPerFunction
 * nodes, or all trees more than maxNodes: checked before any code is written.
 */
function countTreeNodes(trees: TreeArrays, nodesPerFunction: number, maxNodes: number, maxDepth: number): Int32Array | undefined {
  const { nodeFeature, nodeLeft, nodeRight, treeRoot } = trees;
  const nTrees = treeRoot.length;
  const treeNodes = new Int32Array(nTrees);
  let total = 0;
  for (let t = 0; t < nTrees; t++) {
    const stack = [treeRoot[t]!, 0];
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const node = stack.pop()!;
      treeNodes[t]!++;
      if (depth > maxDepth || treeNodes[t]! > nodesPerFunction) return undefined;
      if (nodeFeature[node]! >= 0) stack.push(nodeLeft[node]!, depth + 1, nodeRight[node]!, depth + 1);
    }
    total += treeNodes[t]!;
    if (total > maxNodes) return undefined;
  }
  return treeNodes;
}

/**
 * The expression of the leaf value that `node`'s subtree gives a row whose feature f is read by the
 * expression `read(f)` (a plain load, evaluated at most once per node on the path). Decides each split as
 * findLeaf does.
 */
function treeExpression(trees: TreeArrays, node: number, used: Set<number>, read: (f: number) => string): string {
  const { nodeFeature, nodeThreshold, nodeLeft, nodeRight, nodeFlags, nodeCatOffset, nodeValue } = trees;
  const f = nodeFeature[node]!;
  if (f < 0) return literal(nodeValue[node]!);
  used.add(f);
  const x = read(f);
  const missingLeft = (nodeFlags[node]! & FLAG_MISSING_LEFT) !== 0;
  const threshold = nodeThreshold[node]!;
  let goesLeft: string;
  if ((nodeFlags[node]! & FLAG_CATEGORICAL) !== 0) {
    // A code inside the bitset's range goes left when its bit is set; others (NaN, -1, unseen) follow the missing direction.
    goesLeft = `(${x} >= 0 && ${x} < ${literal(threshold)} ? ((cb[${nodeCatOffset[node]!} + (${x} >>> 5)] >>> (${x} & 31)) & 1) === 1 : ${missingLeft})`;
  } else if (threshold !== threshold) {
    goesLeft = `(${x} === ${x} ? false : ${missingLeft})`;
  } else {
    // NaN fails every comparison: `!(x > t)` sends it left, `x <= t` right; other values go as x <= t.
    goesLeft = missingLeft ? `!(${x} > ${literal(threshold)})` : `${x} <= ${literal(threshold)}`;
  }
  return `(${goesLeft} ? ${treeExpression(trees, nodeLeft[node]!, used, read)} : ${treeExpression(trees, nodeRight[node]!, used, read)})`;
}

/**
 * Adds, for rows start..end-1 of `columns` (a dataset's columns in model order: numeric values, or
 * categorical codes with -1 for missing), the leaf values of a group of trees to the raw scores
 * out[r * nOutputs + treeOutput[t]], trees in order.
 */
export type CompiledRowsPredictor = (columns: readonly (Float64Array | Int32Array)[], start: number, end: number, out: Float64Array) => void;

/**
 * The sources of batch prediction by generated code: one function body per group of trees (at most
 * `charsPerFunction` characters of expressions), each a loop over a range of rows that reads the columns directly (no
 * row-major copy; each row's features used by the group loaded once into locals) and adds the group's
 * trees to each row's scores in tree order. Where the packed 4-row walk hides its dependent loads behind
 * each other, here every split is a compare against a literal and a branch, with no node array to load. Running the groups one
 * after the other over the same rows gives predictRaw's sums bit for bit. Undefined past `limits`.
 * The sources are plain strings so that worker threads can compile them too (compileRowsPredictors).
 */
export function batchPredictorSources(trees: TreeArrays, nOutputs: number, limits: CompileLimits = {}): string[] | undefined {
  const treeNodes = countTreeNodes(trees, limits.nodesPerFunction ?? 2000, limits.maxNodes ?? 25_000, limits.maxDepth ?? 64);
  if (!treeNodes) return undefined;
  const { treeRoot, treeOutput } = trees;
  const nTrees = treeRoot.length;
  const maxChars = limits.charsPerFunction ?? 30_000;
  const { sums, usedOf } = treeStatements(trees);
  const sources: string[] = [];
  for (let begin = 0; begin < nTrees; ) {
    let end = begin;
    let chars = 0;
    while (end < nTrees && (end === begin || chars + sums[end]!.length <= maxChars)) chars += sums[end++]!.length;
    const used = new Set<number>();
    const outputs = new Set<number>();
    for (let t = begin; t < end; t++) {
      for (const f of usedOf[t]!) used.add(f);
      outputs.add(treeOutput[t]!);
    }
    sources.push(
      [
        '"use strict";',
        "return function predictRows(c, start, end, out) {",
        ...[...used].map((f) => `const c${f} = c[${f}];`),
        "for (let r = start; r < end; r++) {",
        ...[...used].map((f) => `const x${f} = c${f}[r];`),
        `const at = r * ${nOutputs};`,
        ...[...outputs].map((k) => `let s${k} = out[at + ${k}];`),
        ...sums.slice(begin, end),
        ...[...outputs].map((k) => `out[at + ${k}] = s${k};`),
        "}",
        "};",
      ].join("\n"),
    );
    begin = end;
  }
  return sources;
}

/**
 * Compiles batchPredictorSources' bodies (cb: the model's category bitsets), or undefined when the process
 * may not generate code. Self-contained, so that worker threads run it from its source text.
 */
export function compileRowsPredictors(sources: readonly string[], catBits: Uint32Array): CompiledRowsPredictor[] | undefined {
  try {
    return sources.map((source) => new Function("cb", source)(catBits) as CompiledRowsPredictor);
  } catch {
    return undefined;
  }
}

/** Each tree as one statement adding its leaf value to its output's sum (`s<k> += ...;`), and the features it reads. */
function treeStatements(trees: TreeArrays): { sums: string[]; usedOf: Set<number>[] } {
  const { treeRoot, treeOutput } = trees;
  const sums: string[] = [];
  const usedOf: Set<number>[] = [];
  for (let t = 0; t < treeRoot.length; t++) {
    const used = new Set<number>();
    sums.push(`s${treeOutput[t]!} += ${treeExpression(trees, treeRoot[t]!, used, (f) => `x${f}`)};`);
    usedOf.push(used);
  }
  return { sums, usedOf };
}

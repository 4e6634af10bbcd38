/**
 * The bin mapper of a fit: per feature, the numeric edges or the category-to-bin map, and the layout of
 * the flat histogram (featureOffset, nBins). Used only while training: a fitted model predicts from raw
 * values with thresholds taken from the edges (see src/kernels/binning.ts), so the model file does not
 * need the mapper and prediction skips the binary search per value.
 */
import type { Column } from "../../core/types.js";
import type { Random } from "../../core/rng.js";
import { binCategoricalColumn, binNumericColumn, computeNumericEdges } from "../../kernels/binning.js";
import { type CategoryTarget, computeCategoryBinsByTarget } from "../../kernels/category-order.js";
import type { HistogramThreads } from "./histogram-threads.js";

/**
 * Rows to bin (output rows) above which fitTransform hands numeric columns to a worker thread: below,
 * copying a column for the worker and waking it costs about what it saves.
 */
export const MIN_PARALLEL_BINNING_ROWS = 50000;

/** Binning of every feature, fitted on training rows. */
export class BinMapper {
  /** Bins per feature, the missing bin (last) included. */
  readonly nBins: Int32Array;
  /** First global bin of each feature in a flat histogram. */
  readonly featureOffset: Int32Array;
  /** 1 for a categorical feature. */
  readonly isCategorical: Uint8Array;
  /** Numeric edges per feature (empty for categorical). */
  readonly edges: readonly Float64Array[];
  /** Category code -> bin per feature (-1: unseen, goes to the missing bin); empty for numeric. */
  readonly codeToBin: readonly Int32Array[];
  /** Sum of nBins: the length of a histogram in bins. */
  readonly totalBins: number;

  private constructor(edges: Float64Array[], codeToBin: Int32Array[], nValueBins: number[], isCategorical: Uint8Array) {
    const n = nValueBins.length;
    this.edges = edges;
    this.codeToBin = codeToBin;
    this.isCategorical = isCategorical;
    this.nBins = new Int32Array(n);
    this.featureOffset = new Int32Array(n);
    let offset = 0;
    for (let f = 0; f < n; f++) {
      this.nBins[f] = nValueBins[f]! + 1;
      this.featureOffset[f] = offset;
      offset += this.nBins[f]!;
    }
    this.totalBins = offset;
  }

  /**
   * Fits bins on the training rows `rows` (all nRows rows when null). Numeric edges come from a seeded sample
   * of at most `sampleSize` rows: quantiles of 200k rows are within a fraction of a bin of the full
   * data's, and sorting 1M x 28 values would dominate a short fit. `target`: the training target, by row
   * (as the columns), that orders a categorical column of more than maxBins categories into its bins
   * (src/kernels/category-order.ts); null, or at most maxBins categories: bins by frequency.
   */
  static fit(features: readonly Column[], rows: Int32Array | null, nRows: number, maxBins: number, sampleSize: number, rng: Random, target: CategoryTarget | null = null): BinMapper {
    const sample = BinMapper.#sample(rows, nRows, sampleSize, rng);
    const edges: Float64Array[] = [];
    for (const column of features) edges.push(column.kind === "numeric" ? computeNumericEdges(column.values, sample, maxBins) : new Float64Array(0));
    return BinMapper.#fromEdges(features, rows, maxBins, edges, target);
  }

  /**
   * fit, then transform of the same rows, into `out` when given (features.length x rows, e.g. shared
   * memory). With `threads` and enough rows, every other numeric column is fitted and binned on a worker
   * thread while this one does the rest: the same edges and bins (the same functions on the same values),
   * 1M x 28 binning in about half the time. `workerColumns`: the columns the worker binned (0 when it
   * failed and this thread binned them).
   */
  static fitTransform(features: readonly Column[], rows: Int32Array | null, nRows: number, maxBins: number, sampleSize: number, rng: Random, threads: HistogramThreads | null, out?: Uint8Array, target: CategoryTarget | null = null): { mapper: BinMapper; bins: Uint8Array; workerColumns: number } {
    const nOut = rows ? rows.length : nRows;
    const numeric = features.flatMap((column, f) => (column.kind === "numeric" ? [f] : []));
    if (!threads || threads.workers < 1 || nOut < MIN_PARALLEL_BINNING_ROWS || numeric.length < 2) {
      const mapper = BinMapper.fit(features, rows, nRows, maxBins, sampleSize, rng, target);
      const bins = mapper.transform(features, rows, nRows, out);
      return { mapper, bins, workerColumns: 0 };
    }
    const sample = BinMapper.#sample(rows, nRows, sampleSize, rng);
    const bins = out ?? new Uint8Array(new SharedArrayBuffer(features.length * nOut));
    const theirs = numeric.filter((_, i) => i % 2 === 1);
    const finish = threads.startBinning({
      features: theirs,
      // Copies the worker owns (a column may be a view of a larger buffer that cloning would copy whole).
      values: theirs.map((f) => (features[f] as Extract<Column, { kind: "numeric" }>).values.slice()),
      sample: sample ? sample.slice() : null,
      rows,
      nOut,
      maxBins,
      out: bins,
    });
    const edges: Float64Array[] = features.map(() => new Float64Array(0));
    const onWorker = new Set(theirs);
    for (const f of numeric) {
      if (onWorker.has(f)) continue;
      const values = (features[f] as Extract<Column, { kind: "numeric" }>).values;
      edges[f] = computeNumericEdges(values, sample, maxBins);
      binNumericColumn(values, rows, nOut, edges[f]!, edges[f]!.length + 1, bins, f * nOut);
    }
    const answer = finish();
    theirs.forEach((f, i) => {
      const values = (features[f] as Extract<Column, { kind: "numeric" }>).values;
      edges[f] = answer ? answer[i]! : computeNumericEdges(values, sample, maxBins);
      if (!answer) binNumericColumn(values, rows, nOut, edges[f]!, edges[f]!.length + 1, bins, f * nOut);
    });
    const mapper = BinMapper.#fromEdges(features, rows, maxBins, edges, target);
    mapper.transform(features, rows, nRows, bins, "categorical");
    return { mapper, bins, workerColumns: answer ? theirs.length : 0 };
  }

  /** A sorted sample of at most sampleSize of `rows` (0..nRows-1 when null), or the rows themselves. */
  static #sample(rows: Int32Array | null, nRows: number, sampleSize: number, rng: Random): Int32Array | null {
    let sample: Int32Array | null = rows;
    const nCandidates = rows ? rows.length : nRows;
    if (nCandidates > sampleSize) {
      // A sorted sample: Floyd's algorithm would do too; a partial shuffle of the row ids is simpler.
      const ids = rows ? Int32Array.from(rows) : Int32Array.from({ length: nRows }, (_, i) => i);
      for (let i = 0; i < sampleSize; i++) {
        const j = i + rng.int(nCandidates - i);
        const t = ids[i]!;
        ids[i] = ids[j]!;
        ids[j] = t;
      }
      sample = ids.subarray(0, sampleSize).sort();
    }
    return sample;
  }

  /** The mapper of numeric `edges` (empty for categoricals), with the category bins fitted on `rows`. */
  static #fromEdges(features: readonly Column[], rows: Int32Array | null, maxBins: number, edges: Float64Array[], target: CategoryTarget | null): BinMapper {
    const codeToBin: Int32Array[] = [];
    const nValueBins: number[] = [];
    const isCategorical = new Uint8Array(features.length);
    for (const [f, column] of features.entries()) {
      if (column.kind === "numeric") {
        codeToBin.push(new Int32Array(0));
        nValueBins.push(edges[f]!.length + 1);
      } else {
        isCategorical[f] = 1;
        const bins = computeCategoryBinsByTarget(column.codes, rows, column.categories.length, maxBins, target);
        codeToBin.push(bins.codeToBin);
        nValueBins.push(bins.nValueBins);
      }
    }
    return new BinMapper(edges, codeToBin, nValueBins, isCategorical);
  }

  /**
   * Bins the rows `rows` (all when null) of `features` into a column-major matrix (nFeatures x nOut), into
   * `out` when given; `only` "categorical": the categorical columns alone.
   */
  transform(features: readonly Column[], rows: Int32Array | null, nRows: number, out?: Uint8Array, only?: "categorical"): Uint8Array {
    const nOut = rows ? rows.length : nRows;
    out ??= new Uint8Array(features.length * nOut);
    for (const [f, column] of features.entries()) {
      if (only === "categorical" && column.kind === "numeric") continue;
      const missingBin = this.nBins[f]! - 1;
      if (column.kind === "numeric") binNumericColumn(column.values, rows, nOut, this.edges[f]!, missingBin, out, f * nOut);
      else binCategoricalColumn(column.codes, rows, nOut, this.codeToBin[f]!, missingBin, out, f * nOut);
    }
    return out;
  }
}

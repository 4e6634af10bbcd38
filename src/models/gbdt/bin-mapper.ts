/**
 * The bin mapper of a fit: per feature, the numeric edges or the category-to-bin map, and the layout of
 * the flat histogram (featureOffset, nBins). Used only while training: a fitted model predicts from raw
 * values with thresholds taken from the edges (see src/kernels/binning.ts), so the model file does not
 * need the mapper and prediction skips the binary search per value.
 */
import type { Column } from "../../core/types.js";
import type { Random } from "../../core/rng.js";
import { binCategoricalColumn, binNumericColumn, computeCategoryBins, computeNumericEdges } from "../../kernels/binning.js";

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
   * data's, and sorting 1M x 28 values would dominate a short fit.
   */
  static fit(features: readonly Column[], rows: Int32Array | null, nRows: number, maxBins: number, sampleSize: number, rng: Random): BinMapper {
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
    const edges: Float64Array[] = [];
    const codeToBin: Int32Array[] = [];
    const nValueBins: number[] = [];
    const isCategorical = new Uint8Array(features.length);
    for (const [f, column] of features.entries()) {
      if (column.kind === "numeric") {
        const e = computeNumericEdges(column.values, sample, maxBins);
        edges.push(e);
        codeToBin.push(new Int32Array(0));
        nValueBins.push(e.length + 1);
      } else {
        isCategorical[f] = 1;
        const bins = computeCategoryBins(column.codes, rows, column.categories.length, maxBins);
        edges.push(new Float64Array(0));
        codeToBin.push(bins.codeToBin);
        nValueBins.push(bins.nValueBins);
      }
    }
    return new BinMapper(edges, codeToBin, nValueBins, isCategorical);
  }

  /** Bins the rows `rows` (all when null) of `features` into a column-major matrix (nFeatures x nOut). */
  transform(features: readonly Column[], rows: Int32Array | null, nRows: number): Uint8Array {
    const nOut = rows ? rows.length : nRows;
    const out = new Uint8Array(features.length * nOut);
    for (const [f, column] of features.entries()) {
      const missingBin = this.nBins[f]! - 1;
      if (column.kind === "numeric") binNumericColumn(column.values, rows, nOut, this.edges[f]!, missingBin, out, f * nOut);
      else binCategoricalColumn(column.codes, rows, nOut, this.codeToBin[f]!, missingBin, out, f * nOut);
    }
    return out;
  }
}

/** A dense row-major matrix of float64: element (i, j) is `data[i * nCols + j]`. */
export interface Matrix {
  readonly nRows: number;
  readonly nCols: number;
  readonly data: Float64Array;
}

/** A zero-filled nRows x nCols matrix. */
export function zeros(nRows: number, nCols: number): Matrix {
  return { nRows, nCols, data: new Float64Array(nRows * nCols) };
}

/** Column j of a row-major matrix, copied into a new Float64Array. */
export function column(matrix: Matrix, j: number): Float64Array {
  const out = new Float64Array(matrix.nRows);
  for (let i = 0, k = j; i < matrix.nRows; i++, k += matrix.nCols) out[i] = matrix.data[k]!;
  return out;
}

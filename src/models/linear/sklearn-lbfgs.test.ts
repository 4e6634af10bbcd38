/**
 * The L-BFGS path against scikit-learn 1.2 on a many-class problem with a real one-hot column: 600
 * airports of the 12 states with the most, latitude and longitude (standardized) and city (557
 * categories), target state (every city a one-hot column, as sklearn; fixtures/make_airports_fixture.py made the fixture, newton-cg to a gradient
 * of 1e-11). The objective is strictly convex, so the optimum is unique and ours must match it: the
 * probabilities of every row within 1e-6, the numeric coefficients and intercepts within 1e-5 (relative
 * above 1), the same agreement the other sklearn fixtures ask (1e-4) and tighter.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Dataset } from "../../core/types.js";
import { LogisticRegression } from "./index.js";

interface AirportsFixture {
  readonly C: number;
  readonly nRows: number;
  readonly classes: string[];
  readonly y: number[];
  readonly latitude: number[];
  readonly longitude: number[];
  readonly cities: string[];
  readonly cityCodes: number[];
  readonly coefLatitude: number[];
  readonly coefLongitude: number[];
  readonly intercept: number[];
  readonly proba: number[][];
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/airports-by-state.json", import.meta.url), "utf8")) as AirportsFixture;

const data: Dataset = {
  nRows: fixture.nRows,
  features: [
    { kind: "numeric", name: "latitude", values: Float64Array.from(fixture.latitude) },
    { kind: "numeric", name: "longitude", values: Float64Array.from(fixture.longitude) },
    { kind: "categorical", name: "city", codes: Int32Array.from(fixture.cityCodes), categories: fixture.cities },
  ],
  target: { name: "state", task: "multiclass", values: Float64Array.from(fixture.y), classes: fixture.classes },
  fingerprint: "airports-by-state",
};

test("airports by state (12 classes, 559 columns): the automatic choice is L-BFGS and it matches scikit-learn", (t) => {
  const model = new LogisticRegression({ C: fixture.C, penalty: "l2", standardize: false, maxCategories: 1000, tol: 1e-9, maxIter: 10000 }).fit(data);
  t.diagnostic(`${model.fitInfo.solver}: ${model.fitInfo.nIter} iterations, violation ${model.fitInfo.violation.toExponential(1)}`);
  assert.equal(model.fitInfo.solver, "lbfgs");
  assert.equal(model.fitInfo.converged, true);

  const proba = model.predictProba(data);
  assert.equal(proba.nCols, fixture.classes.length);
  let worst = 0;
  fixture.proba.forEach((row, i) => row.forEach((p, k) => (worst = Math.max(worst, Math.abs(proba.data[i * proba.nCols + k]! - p)))));
  t.diagnostic(`largest probability difference ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-6, `probabilities differ by ${worst}`);

  const { weights, intercepts, columns } = model.coefficients();
  assert.equal(columns[0], "latitude");
  assert.equal(columns[1], "longitude");
  const close = (ours: number, theirs: number, what: string): void => assert.ok(Math.abs(ours - theirs) <= 1e-5 * Math.max(1, Math.abs(theirs)), `${what}: ${ours} vs ${theirs}`);
  fixture.classes.forEach((state, k) => {
    close(weights[k]![0]!, fixture.coefLatitude[k]!, `${state} latitude`);
    close(weights[k]![1]!, fixture.coefLongitude[k]!, `${state} longitude`);
    close(intercepts[k]!, fixture.intercept[k]!, `${state} intercept`);
  });
});

/**
 * The audit: every metric of the registry on 119 random and adversarial cases (ties, constant and
 * one-class predictions, classes absent from y_true or from the predictions, zero division, weights of
 * every kind, unnormalised probabilities, clipping, constant y_true, zeros in y_true) against the values
 * scikit-learn 1.2 computed on the labels as a user types them (tools/fixtures/make_metrics_audit_fixtures.py).
 * Values agree to 1e-9 relative; where sklearn raises, learnloop throws a MetricError.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MetricError } from "../core/errors.js";
import { assertClose, isError, loadAuditCases, type AuditCase } from "../../test/fixtures/metrics/fixtures.js";
import { computeMetrics, metricNamesFor } from "./registry.js";

const cases = loadAuditCases();

function inputOf(c: AuditCase) {
  const sampleWeight = c.sampleWeight ?? undefined;
  if (c.task === "regression") return { yTrue: c.yTrue, yPred: c.yPred, sampleWeight };
  return { yTrue: c.yTrue, yPred: c.yPred, proba: c.task === "binary" ? c.score! : c.proba!, nClasses: c.nClasses ?? 2, sampleWeight };
}

for (const task of ["binary", "multiclass", "regression"] as const) {
  test(`${task}: every registry metric agrees with scikit-learn 1.2 on every audit case`, () => {
    const failures: string[] = [];
    let checked = 0;
    for (const c of cases.filter((x) => x.task === task)) {
      const input = inputOf(c);
      for (const [name, expected] of Object.entries(c.expected)) {
        const what = `${c.name} ${name}`;
        checked++;
        try {
          if (isError(expected)) {
            assert.throws(() => computeMetrics(task, [name], input), MetricError, `${what}: sklearn raises "${expected.error}"`);
          } else {
            assertClose(computeMetrics(task, [name], input)[name]!, expected as number, what);
          }
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${checked} disagree`);
    const metricsChecked = new Set(cases.filter((x) => x.task === task).flatMap((x) => Object.keys(x.expected)));
    assert.deepEqual([...metricsChecked].sort(), metricNamesFor(task).filter((name) => name !== "mse" || task === "regression").sort(), "every metric of the task is audited");
  });
}

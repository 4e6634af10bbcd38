/**
 * The figures of a model card, as data: what the model is (schema, params, training fingerprint), how it
 * scores on labelled rows (metrics with bootstrap intervals beside a baseline, curves, the confusion
 * matrix, permutation importance, the decision threshold's effect) and what the model file recorded at
 * training time (metrics, decision rule, audit findings). `renderReportHtml` (./html.ts) turns it into a
 * page; the CLI prints it as `--json`.
 */
import { InvalidParameterError } from "../../core/errors.js";
import type { Dataset } from "../../core/types.js";
import { computeMetrics, confusionMatrix, primaryMetric, type MetricInput } from "../../metrics/index.js";
import type { ModelHeader } from "../../models/format.js";
import type { DecisionRule, Model } from "../../models/types.js";
import { formatFinding, type AuditFinding } from "../audit/index.js";
import { scoreModel } from "../score-model.js";
import { baselinePredictions, bootstrapIntervals } from "../stats/index.js";
import { calibrationCurve, rankingCurves, type CalibrationBin, type CurvePoints } from "./curves.js";
import { permutationImportance, type PermutationReport } from "./permutation.js";

/** Options of `buildModelReport`. */
export interface ReportOptions {
  /** Where the model was read from, for the card's title. */
  readonly modelFile: string;
  /** Where the labelled data was read from. */
  readonly dataFile?: string;
  /** Seed of the bootstrap and the permutations. Default 42. */
  readonly seed?: number;
  /** Bootstrap resamples of every metric's 95% interval; 0 for none. Default: `defaultResamples(nRows)`. */
  readonly bootstrap?: number;
  /** Shuffles per feature for permutation importance. Default 3. */
  readonly repeats?: number;
  /** Rows permutation importance scores at most. Default 50,000. */
  readonly maxRows?: number;
}

/** One feature of the model. */
export interface ReportFeature {
  readonly name: string;
  readonly kind: "numeric" | "categorical";
  readonly categories?: number;
  /** "date.month" when the feature is a part of a date column of the input. */
  readonly derivedFrom?: string;
}

/** A chart or a section left out, and why. */
export interface Omission {
  readonly section: string;
  readonly reason: string;
}

/** The figures of a model card. */
export interface ModelReport {
  readonly modelFile: string;
  readonly model: {
    readonly kind: string;
    readonly task: string;
    readonly target: string;
    readonly classes?: readonly string[];
    readonly features: readonly ReportFeature[];
    readonly params: Readonly<Record<string, unknown>>;
    /** Fingerprint of the training data, as the model file recorded it. */
    readonly fingerprint: string | null;
    readonly createdAt: string;
    readonly learnloopVersion: string;
    /** What training recorded beside the model (rows, source file...), audit findings left out. */
    readonly training: Readonly<Record<string, unknown>>;
  };
  /** The labelled data the card was measured on; null without --data. */
  readonly data: {
    readonly file: string;
    readonly rows: number;
    readonly droppedRows: number;
    readonly fingerprint: string;
    /** Whether it is the very data the model was trained on (same fingerprint): the figures are then optimistic. */
    readonly sameAsTraining: boolean;
    readonly classes?: readonly { readonly label: string; readonly count: number; readonly share: number }[];
    readonly targetMean?: number;
  } | null;
  readonly metrics: {
    /** "data": measured on the labelled data; "model file": the held-out figures stored at training time. */
    readonly measuredOn: "data" | "model file";
    readonly headline: string;
    readonly values: Record<string, number>;
    /** 95% bootstrap percentile intervals, per metric (data only, bootstrap > 0). */
    readonly intervals: Record<string, { readonly low: number; readonly high: number; readonly level: number; readonly resamples: number }> | null;
    /** The trivial predictor on the same rows: the labelled data's own class prior, or its mean. */
    readonly baseline: { readonly kind: string; readonly note: string; readonly metrics: Record<string, number> } | null;
  };
  readonly curves: { readonly roc: readonly CurvePoints[]; readonly pr: readonly CurvePoints[]; readonly calibration: readonly CalibrationBin[] | null } | null;
  /** Rows: true class; columns: predicted class (labels as Model.predict gives them). */
  readonly confusion: { readonly labels: readonly string[]; readonly matrix: readonly (readonly number[])[] } | null;
  readonly importance: {
    /** The model's own importance (total split gain for trees, the std of each feature's margin contribution for linear), with its share of the total. */
    readonly gain: readonly { readonly feature: string; readonly importance: number; readonly share: number }[];
    readonly permutation: PermutationReport | null;
    /** The features named in the card's text, most important first. */
    readonly top: readonly string[];
  };
  /** The stored decision rule and, with data, what it does on those rows. */
  readonly decision: {
    readonly stored: Omit<DecisionRule, "threshold"> & { readonly threshold: number | null };
    readonly onData: { readonly precision: number; readonly recall: number; readonly expectedCost?: number; readonly confusion: { tp: number; fp: number; fn: number; tn: number } } | null;
  } | null;
  /** Audit findings stored in the model file; null when none were recorded. */
  readonly audit: readonly { readonly code: string; readonly message: string }[] | null;
  readonly omitted: readonly Omission[];
}

/**
 * Builds a model card from a model, its file header and, optionally, labelled data read with the model's
 * schema. Without data the card holds what the header recorded (metrics at training time, params,
 * importance) and says which sections need data.
 *
 * @example
 * const { model, header } = await readModelFile("weather.model");
 * const report = buildModelReport(model, header, test, { modelFile: "weather.model", dataFile: "test.csv" });
 * report.metrics.intervals?.accuracy; // { low: 0.81, high: 0.89, level: 0.95, resamples: 1000 }
 */
export function buildModelReport(model: Model, header: ModelHeader, data: Dataset | undefined, options: ReportOptions): ModelReport {
  const seed = options.seed ?? 42;
  const schema = model.schema;
  const classes = schema.target.classes;
  const { audit: storedAudit, ...training } = (header.info ?? {}) as Record<string, unknown>;
  const omitted: Omission[] = [];
  const gainTotal = model.importance().reduce((sum, item) => sum + Math.max(0, item.importance), 0);
  const gain = model.importance().map((item) => ({ feature: item.feature, importance: item.importance, share: gainTotal > 0 ? item.importance / gainTotal : 0 }));

  const modelPart: ModelReport["model"] = {
    kind: model.kind,
    task: model.task,
    target: schema.target.name,
    ...(classes ? { classes } : {}),
    features: schema.features.map((f) => ({
      name: f.name,
      kind: f.kind,
      ...(f.categories ? { categories: f.categories.length } : {}),
      ...(f.derivedFrom ? { derivedFrom: `${f.derivedFrom.column}.${f.derivedFrom.part}` } : {}),
    })),
    params: model.params,
    fingerprint: header.fingerprint ?? null,
    createdAt: header.createdAt,
    learnloopVersion: header.learnloopVersion,
    training,
  };
  const stored = header.decision ? { ...header.decision, threshold: typeof header.decision.threshold === "number" && Number.isFinite(header.decision.threshold) ? header.decision.threshold : null } : undefined;
  const audit = auditOf(storedAudit);

  if (!data) {
    const needData = (subject: string) => `${subject} labelled data: run learnloop report with --data <file>`;
    omitted.push(
      { section: "baseline and intervals", reason: `The baseline and the bootstrap intervals are not shown: ${needData("they need")}.` },
      ...(model.task === "regression"
        ? []
        : [{ section: "curves", reason: `The ROC, precision-recall and calibration curves and the confusion matrix are not drawn: ${needData("they need")}.` }]),
      { section: "permutation importance", reason: `Permutation importance is not measured: ${needData("it needs")}.` },
    );
    if (!header.metrics) omitted.push({ section: "metrics", reason: "The model file records no metrics, and no labelled data was given." });
    return {
      modelFile: options.modelFile,
      model: modelPart,
      data: null,
      metrics: { measuredOn: "model file", headline: primaryMetric(model.task), values: { ...(header.metrics ?? {}) }, intervals: null, baseline: null },
      curves: null,
      confusion: null,
      importance: { gain, permutation: null, top: gain.slice(0, 3).map((g) => g.feature) },
      decision: stored ? { stored, onData: null } : null,
      audit,
      omitted,
    };
  }

  const target = data.target;
  if (!target) throw new InvalidParameterError("data", `labelled rows with the target column "${schema.target.name}"`, "rows without it", "buildModelReport");
  // Metrics the rows leave undefined (ROC AUC where a class has no row) are left out, and said why.
  const { metrics: values, input, undefinedMetrics } = scoreModel(model, data);
  for (const { metric, reason } of undefinedMetrics) omitted.push({ section: "metrics", reason: `${metric} is not shown: ${reason}.` });
  const names = Object.keys(values);
  const headline = names.includes(primaryMetric(model.task)) ? primaryMetric(model.task) : names[0]!;
  const nBoot = options.bootstrap ?? defaultResamples(data.nRows);
  const intervals = nBoot > 0 ? intervalsOf(input, names, nBoot, seed) : null;
  const nClasses = input.nClasses ?? 1;
  const base = baselinePredictions(model.task, target.values, nClasses, data.nRows);
  const baselineInput: MetricInput = { yTrue: input.yTrue, yPred: base.yPred, nClasses: base.nClasses, ...(base.proba ? { proba: base.proba } : {}) };
  const baselineMetrics: Record<string, number> = {};
  for (const name of names) {
    try {
      baselineMetrics[name] = computeMetrics(model.task, [name], baselineInput)[name]!;
    } catch {
      // Undefined for a constant predictor (scikit-learn raises too): no baseline for that metric.
    }
  }
  const baselineNote =
    model.task === "regression"
      ? "the mean of the labelled data's own target (the model file does not record the training target's mean)"
      : "the class distribution of the labelled data itself (the model file does not record the training target's distribution)";

  let curves: ModelReport["curves"] = null;
  let confusion: ModelReport["confusion"] = null;
  if (model.task === "regression") {
    omitted.push({ section: "curves", reason: "ROC, precision-recall and calibration curves and the confusion matrix are for classifiers; this model is a regression." });
  } else {
    const labels = classes ?? ["0", "1"];
    const { roc, pr } = rankingCurves(input.yTrue, input.proba!, labels);
    const calibration = model.task === "binary" ? calibrationCurve(input.yTrue, input.proba!, 10) : null;
    if (roc.length === 0) omitted.push({ section: "curves", reason: "ROC and precision-recall curves need rows of both kinds for a class; the labelled data has a single class." });
    if (model.task === "multiclass") omitted.push({ section: "calibration", reason: "The calibration curve is drawn for binary classifiers only." });
    curves = { roc, pr, calibration };
    confusion = { labels, matrix: confusionMatrix(input.yTrue, input.yPred!, nClasses) };
  }

  const permutation = permutationImportance(model, data, { metric: headline, seed, repeats: options.repeats ?? 3, maxRows: options.maxRows ?? 50_000 });
  const top = permutation.features.filter((f) => f.importance > 0).slice(0, 3).map((f) => f.feature);
  const decision = stored ? { stored, onData: model.task === "binary" ? decisionOnData(stored, input) : null } : null;

  let classCounts: { label: string; count: number; share: number }[] | undefined;
  let targetMean: number | undefined;
  if (classes) {
    const counts = new Array<number>(classes.length).fill(0);
    for (const y of target.values) counts[y]!++;
    classCounts = classes.map((label, k) => ({ label, count: counts[k]!, share: counts[k]! / data.nRows }));
  } else {
    targetMean = target.values.reduce((sum, y) => sum + y, 0) / data.nRows;
  }

  return {
    modelFile: options.modelFile,
    model: modelPart,
    data: {
      file: options.dataFile ?? data.source ?? "",
      rows: data.nRows,
      droppedRows: data.droppedRows ?? 0,
      fingerprint: data.fingerprint,
      sameAsTraining: header.fingerprint !== undefined && header.fingerprint === data.fingerprint,
      ...(classCounts ? { classes: classCounts } : {}),
      ...(targetMean !== undefined ? { targetMean } : {}),
    },
    metrics: { measuredOn: "data", headline, values, intervals, baseline: { kind: base.kind, note: baselineNote, metrics: baselineMetrics } },
    curves,
    confusion,
    importance: { gain, permutation, top: top.length > 0 ? top : gain.slice(0, 3).map((g) => g.feature) },
    decision,
    audit,
    omitted,
  };
}

/**
 * Resamples for the intervals when none are asked for: 1000, and fewer above 300,000 rows, down to 200,
 * so that resamples x rows stays near 3e8 (each resample is a pass over the rows for every metric: the
 * full 1000 took 77 s on the 3 million rows of flights-3m, 200 take about 15 s). On that many rows the
 * intervals are narrow, and 200 resamples place their ends well enough.
 *
 * @example
 * defaultResamples(50_000); // 1000
 * defaultResamples(3_000_000); // 200
 */
export function defaultResamples(nRows: number): number {
  return Math.max(200, Math.min(1000, Math.floor(3e8 / Math.max(1, nRows))));
}

/** Every metric's interval from the same resamples; a metric the resamplers cannot take is left out. */
function intervalsOf(input: MetricInput, names: readonly string[], nBoot: number, seed: number): NonNullable<ModelReport["metrics"]["intervals"]> {
  const out: NonNullable<ModelReport["metrics"]["intervals"]> = {};
  const add = (found: ReturnType<typeof bootstrapIntervals>) => {
    for (const [name, interval] of Object.entries(found)) {
      out[name] = { low: interval.low, high: interval.high, level: interval.level, resamples: interval.nBoot - interval.skipped };
    }
  };
  try {
    add(bootstrapIntervals(input, names, { nBoot, seed }));
  } catch {
    for (const name of names) {
      try {
        add(bootstrapIntervals(input, [name], { nBoot, seed }));
      } catch {
        // No interval for this metric on these rows.
      }
    }
  }
  return out;
}

function decisionOnData(rule: { threshold: number | null; rule: string; options: Readonly<Record<string, number>> }, input: MetricInput): NonNullable<NonNullable<ModelReport["decision"]>["onData"]> {
  const threshold = rule.threshold ?? Infinity;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const n = input.yTrue.length;
  for (let i = 0; i < n; i++) {
    const positive = input.proba![i]! >= threshold;
    if (input.yTrue[i] === 1) positive ? tp++ : fn++;
    else positive ? fp++ : tn++;
  }
  const costs = rule.rule === "cost" ? { costFp: rule.options.costFp ?? 0, costFn: rule.options.costFn ?? 0 } : undefined;
  return {
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    ...(costs ? { expectedCost: (costs.costFp * fp + costs.costFn * fn) / n } : {}),
    confusion: { tp, fp, fn, tn },
  };
}

/** The audit findings a model file recorded (info.audit), in words; null when it recorded none. */
function auditOf(stored: unknown): ModelReport["audit"] {
  if (!Array.isArray(stored)) return null;
  return stored.map((item) => {
    const finding = item as Partial<AuditFinding> & { message?: unknown };
    const code = typeof finding.code === "string" ? finding.code : "finding";
    if (typeof finding.message === "string") return { code, message: finding.message };
    try {
      return { code, message: formatFinding(finding as AuditFinding) };
    } catch {
      return { code, message: JSON.stringify(item) };
    }
  });
}

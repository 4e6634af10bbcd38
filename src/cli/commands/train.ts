import { AuditFailedError, DataValidationError, InvalidParameterError, describeValue } from "../../core/errors.js";
import { formatError } from "../../core/messages.js";
import { auditTraining, formatFinding, instantOf, timeLabel, type AuditFinding, type AuditInput } from "../../evaluation/audit/index.js";
import type { Column, Dataset } from "../../core/types.js";
import { outputColumnOf, outputFormatOf, writeTable, type OutputColumn } from "../../data/write.js";
import { crossValidate, type CvMode, type CvReport } from "../../evaluation/cv.js";
import { chooseThreshold, thresholdRule, type ThresholdOptions } from "../../evaluation/threshold.js";
import { METRICS, metricNamesFor, primaryMetric } from "../../metrics/index.js";
import type { DecisionRule, Estimator, Model } from "../../models/types.js";
import type { Store } from "../../tracking/types.js";
import { groupKFold, holdoutSplit, readDataset, schemaOf, takeRows, timeSplit, type Split } from "../../data/index.js";
import { evaluateHoldout } from "../../evaluation/holdout.js";
import { lift } from "../../evaluation/stats/index.js";
import { DEFAULT_MODEL_KIND, modelFamily, type ModelFamily } from "../../models/registry.js";
import { toKebabCase } from "../../core/params.js";
import { listOption, numberOption, type CommandSpec, type OptionSpec, type ParsedArgs } from "../args.js";
import { DATA_OPTIONS, asFlagError, checkOutputDirectory, createEstimator, describeTarget, noSplitWarning, hyperparameterOptions, hyperparametersFrom, readDataFor, readOptionsFrom, roundSeconds, writeFileAtomic } from "../common.js";
import { type Console, formatNumber, formatSeconds, formatTable, notesTo, ProgressBar } from "../output.js";
import { checkModelName } from "../../tracking/index.js";
import { actorFrom, commandLine, compactSchema, openStoreFrom, startTracking, TRACKING_OPTIONS, type RunTracking } from "../tracking.js";

const BOOTSTRAP_OPTION: OptionSpec = {
  type: "string",
  value: "<n>",
  doc: 'bootstrap resamples for the headline metric\'s 95% interval (default 1000; 0 for none); a forest\'s own bagging is turned off with --params ({"bootstrap": false})',
};

/**
 * The hyperparameter flags but the forest's `bootstrap`, whose name is the command's own: --bootstrap stays
 * the interval's resamples, as in report and compare; the forest's bagging is turned off in --params.
 */
function modelOptions(): Record<string, OptionSpec> {
  const { bootstrap: _forestBagging, ...options } = hyperparameterOptions();
  return options;
}

export const trainCommand: CommandSpec = {
  name: "train",
  summary: "train a model, evaluate it on held-out rows and save it",
  usage: "learnloop train <data> --target <col> [options]",
  positionals: [1, 1],
  positionalNames: ["<data>"],
  options: {
    ...DATA_OPTIONS,
    model: { type: "string", value: "<kind>", doc: "the model family: gbdt (default), forest or linear" },
    valid: { type: "string", value: "<file>", doc: "evaluate on this labelled file instead of a held-out slice (with --time: a later period, which the audit checks)" },
    "test-size": { type: "string", value: "<fraction>", doc: "share of rows held out for evaluation (default 0.2; stratified for classification, the latest rows with --time)" },
    seed: { type: "string", value: "<int>", doc: "seed of the split, the bootstrap and the model's own randomness (default 42)" },
    out: { type: "string", value: "<file>", doc: "where to save the model (default <data name>.model)" },
    metrics: { type: "string", value: "<a,b>", doc: "metrics to report (default: the task's standard set; the first is the headline)", multiple: true },
    bootstrap: BOOTSTRAP_OPTION,
    cv: { type: "string", value: "<k>", doc: "k-fold cross-validation (stratified for classification), then refit on all rows" },
    group: { type: "string", value: "<col>", doc: "with --cv: group k-fold, rows of a group never on both sides (the column is not a feature)" },
    time: {
      type: "string",
      value: "<col>",
      doc:
        "split by time: the latest --test-size share of rows by this column is the test set, every training row strictly earlier (rows at the time of the cut all go to the test set); " +
        "a date or timestamp column stays a feature through its parts (year, month, day, weekday, hour), numbers or text are not a feature. " +
        "With --cv: time-ordered folds, training rows always before test rows. " +
        "With --valid: the --valid file is the later period; the column must be in both files, and the audit warns when --valid rows are not after the training rows",
    },
    weight: { type: "string", value: "<col>", doc: "sample weights from this numeric column (not a feature): a row of weight 2 counts as two copies of it; the metrics stay unweighted" },
    oof: { type: "string", value: "<file>", doc: "with --cv: write the out-of-fold predictions (.csv, .parquet, .json)" },
    strict: { type: "boolean", doc: "fail (exit 4, no model saved) when the audit finds leakage, identifiers, train/test duplicates, shift, imbalance..." },
    "cost-fp": { type: "string", value: "<cost>", doc: "binary: cost of a false positive; with --cost-fn, the decision threshold minimizes the expected cost" },
    "cost-fn": { type: "string", value: "<cost>", doc: "binary: cost of a false negative" },
    "min-precision": { type: "string", value: "<p>", doc: "binary: the threshold with the highest recall whose precision is at least p" },
    "min-recall": { type: "string", value: "<r>", doc: "binary: the threshold with the highest precision whose recall is at least r" },
    params: { type: "string", value: "<file.json>", doc: "hyperparameters from a JSON file (flags win)" },
    register: { type: "string", value: "<name>", doc: "register the saved model in the store as the next version of <name>, linked to this run" },
    promote: { type: "boolean", doc: "with --register: make the new version the champion" },
    description: { type: "string", value: "<text>", doc: "with --register: a description of the version" },
    actor: { type: "string", value: "<name>", doc: "who registers and promotes (default: the OS user name)" },
    ...TRACKING_OPTIONS,
    ...modelOptions(),
  },
  examples: [
    'learnloop train node_modules/vega-datasets/data/flights-3m.parquet --target delayed --derive "delayed=delay > 15" --ignore delay',
    "learnloop train penguins.json --target species --model linear --alpha 0.01 --json",
    "learnloop train flights.parquet --target delayed --register flights --promote",
  ],
};

/** The `--json` document of `learnloop train`. */
export interface TrainResult {
  task: string;
  model: string;
  target: string;
  classes?: readonly string[];
  metrics: Record<string, number>;
  /** The trivial predictor's metrics (class prior or training mean) on the same rows. */
  baseline: { kind: string; metrics: Record<string, number> };
  /** The headline metric with its 95% bootstrap interval. */
  headline: { metric: string; value: number; ci?: [number, number]; level?: number; resamples?: number };
  /** How the rows were split for evaluation (with --cv: the split the audit read, one of the folds). */
  split: SplitSummary;
  /** With --cv: the folds, each fold's metrics, and each metric's mean and standard deviation (ddof 1). */
  cv?: {
    folds: number;
    mode: string;
    perFold: { fold: number; rows: { train: number; test: number }; metrics: Record<string, number> }[];
    mean: Record<string, number>;
    std: Record<string, number>;
  };
  /** What the audit found before training: leakage suspects, identifiers, duplicates, shift, imbalance... */
  audit: (AuditFinding & { message: string })[];
  /** The headline metric when the model scores worse on it than the baseline does (printed as a warning). */
  worseThanBaseline?: { metric: string; value: number; baseline: number };
  /** The decision threshold chosen from costs or a precision / recall target (binary). */
  decision?: Omit<DecisionRule, "threshold"> & { threshold: number | null };
  rows: { train: number; test: number; dropped: number };
  features: number;
  params: Readonly<Record<string, unknown>>;
  /** How the fit went: boosting rounds run and the best iteration, or solver iterations and convergence. */
  training: Readonly<Record<string, number | string | boolean | null>>;
  importance: { feature: string; importance: number }[];
  out: string;
  fingerprint: string;
  timings: { load: number; audit: number; fit: number; evaluate: number; save: number; total: number };
  /** The id of the recorded run (absent with --no-track or when the store could not be opened). */
  run?: string;
  /** With --register: the registered version and its stage. */
  registered?: { name: string; version: number; stage: string };
}

export async function runTrain(args: ParsedArgs, console: Console): Promise<TrainResult> {
  const started = performance.now();
  const [file] = args.positionals as [string];
  const values = args.values;
  if (typeof values.target !== "string") throw new InvalidParameterError("--target", "the name of the column to predict", undefined);
  if (values.valid !== undefined && values["test-size"] !== undefined) {
    throw new InvalidParameterError("--test-size", "left out when --valid gives the evaluation rows", values["test-size"]);
  }
  const folds = values.cv !== undefined ? numberOption(values, "cv", 5, { integer: true, min: 2, max: 100 }) : 0;
  if (folds > 0 && values.valid !== undefined) throw new InvalidParameterError("--valid", "left out with --cv (every row is evaluated out of fold)", values.valid);
  if (folds > 0 && values["test-size"] !== undefined) throw new InvalidParameterError("--test-size", "left out with --cv (every row is evaluated out of fold)", values["test-size"]);
  for (const flag of ["group", "oof"] as const) {
    if (values[flag] !== undefined && folds === 0) throw new InvalidParameterError(`--${flag}`, "used with --cv", values[flag]);
  }
  if (values.group !== undefined && values.time !== undefined) throw new InvalidParameterError("--time", "left out when --group is given (one kind of folds)", values.time);
  for (const flag of ["group", "time", "weight"] as const) {
    if (values[flag] !== undefined && values[flag] === values.target) throw new InvalidParameterError(`--${flag}`, "a column other than the target", values[flag]);
  }
  for (const flag of ["group", "time", "weight"] as const) {
    if (typeof values[flag] === "string" && listOption(values.ignore).includes(values[flag])) throw new InvalidParameterError(`--${flag}`, "a column that --ignore does not drop", values[flag]);
  }
  if (values.weight !== undefined && folds > 0) throw new InvalidParameterError("--weight", "left out with --cv (cross-validation does not take weights yet)", values.weight);
  if (typeof values.oof === "string") outputFormatOf(values.oof);
  for (const flag of ["out", "oof"] as const) if (typeof values[flag] === "string") checkOutputDirectory(`--${flag}`, values[flag]);
  const family = modelFamily(typeof values.model === "string" ? values.model : DEFAULT_MODEL_KIND);
  const testSize = numberOption(values, "test-size", 0.2, { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true });
  const seed = numberOption(values, "seed", 42, { integer: true, min: 0 });
  // --bootstrap is the command's own (the interval's resamples), never the forest's hyperparameter.
  const modelValues = { ...values, bootstrap: undefined };
  const hyperparameters = await hyperparametersFrom(modelValues, family);
  // One seed for the whole run: the model's own randomness follows --seed unless --params set it.
  if ("seed" in family.params && hyperparameters.seed === undefined) hyperparameters.seed = seed;
  const estimator = createEstimator(family, hyperparameters, modelValues);
  const asGiven = (error: unknown): never => {
    throw hyperparameterAsGiven(asFlagError(error), family, modelValues);
  };
  const nBoot = numberOption(values, "bootstrap", 1000, { integer: true, min: 0, max: 100000 });
  const metricNames = listOption(values.metrics);
  const decisionOptions = thresholdOptionsFrom(values);
  const note = notesTo(console);

  if (typeof values.register === "string") checkModelName(values.register);
  for (const flag of ["promote", "description"] as const) {
    if (values[flag] !== undefined && values.register === undefined) throw new InvalidParameterError(`--${flag}`, "used with --register <name>", values[flag]);
  }

  // --register needs the store: when it cannot be opened, fail now rather than after the training.
  const registry = typeof values.register === "string" ? await openStoreFrom(values) : undefined;
  const tracking = await startTracking(values, console, {
    kind: "train",
    command: commandLine("train", args),
    params: {
      model: family.kind,
      target: values.target,
      ...estimator.params,
      seed,
      ...(folds > 0 ? { cv: folds } : values.valid !== undefined ? { valid: values.valid } : { testSize }),
      ...(typeof values.group === "string" ? { group: values.group } : {}),
      ...(typeof values.time === "string" ? { time: values.time } : {}),
      ...(typeof values.weight === "string" ? { weight: values.weight } : {}),
      ...(metricNames.length > 0 ? { metrics: metricNames } : {}),
      ...(decisionOptions ? { decision: decisionOptions } : {}),
    },
    data: { file },
  }, registry);
  try {
    // A regression loss says the target is a quantity, though counts 0-4 alone would read as five classes.
    const loss = estimator.params.loss;
    const impliedTask = values.task === undefined && typeof loss === "string" && loss !== "auto" && loss !== "log_loss" ? "regression" : undefined;
    const readOptions = readOptionsFrom(impliedTask ? { ...values, task: impliedTask } : values, note);
    const extraColumns = [values.group, values.time, values.weight].filter((name): name is string => typeof name === "string");
    const ids = readOptions.id ?? [];
    let keptRows: Int32Array | undefined;
    const data = await readDataFor(file, {
      ...readOptions,
      id: [...ids, ...extraColumns.filter((name) => !ids.includes(name))],
      // Split by time (holdout or folds), a date keeps its parts as features (the weekday or the hour still
      // describes the row), unless --id also names the column: then the user said it is not a feature.
      ...(typeof values.time === "string" && !ids.includes(values.time) ? { idDateParts: [values.time] } : {}),
      onRowsDropped: (kept) => void (keptRows = kept),
      // The audit's warning says it, with the share of the rows: no note besides.
      onTargetMissing: () => undefined,
    }).catch((error: unknown) => {
      // The user gave a loss, not a task: a text target refused as a regression is the loss's fault.
      if (impliedTask && error instanceof InvalidParameterError && error.code === "regression_on_text_target") {
        const given = typeof values.loss === "string" ? "--loss" : `loss in ${String(values.params)}`;
        throw new InvalidParameterError(given, `"log_loss" or "auto" for the text target "${String(values.target)}" (a regression loss needs numbers)`, loss);
      }
      throw error;
    });
    if (keptRows) fileRows.set(data, keptRows);
    const target = data.target!;
    // A model of no features is the class prior or the mean, which the baseline already reports.
    if (data.features.length === 0) {
      const left = [...(readOptions.ignore ?? []), ...ids, ...extraColumns];
      throw new DataValidationError({ code: "no_features", file, detail: left.length > 0 ? `every column but the target "${target.name}" is ignored or an id (${left.join(", ")})` : `the target "${target.name}" is its only usable column` });
    }
    const sampleWeight = typeof values.weight === "string" ? weightsOf(data, values.weight, file) : undefined;
    if (loss === "poisson") checkPoissonTarget(data, file);
    // Checked before the fit, not after it.
    const validMetrics: readonly string[] = metricNamesFor(target.task);
    for (const name of metricNames) {
      if (!validMetrics.includes(name)) throw new InvalidParameterError("--metrics", `metrics of a ${target.task} target (${validMetrics.join(", ")})`, name);
    }
    if (decisionOptions && target.task !== "binary") {
      throw new InvalidParameterError("--cost-fp, --cost-fn, --min-precision, --min-recall", `used with a binary target ("${target.name}" is ${target.task})`, Object.keys(decisionOptions).join(", "));
    }
    const split = await evaluatedSplit(data, { folds, seed, testSize, values, file, note }).catch((error: unknown) => {
      // Under --cv the split is the audit's alone: a split that cannot be made is the folds' to report.
      if (folds === 0 || error instanceof DataValidationError || asFlagError(error) !== error) throw asFlagError(error);
      return { error };
    });
    const loaded = performance.now();
    console.err(
      `read ${file}: ${data.nRows.toLocaleString("en-US")} rows, ${data.features.length} feature${data.features.length === 1 ? "" : "s"}, target "${target.name}" (${describeTarget(target)}) in ${formatSeconds((loaded - started) / 1000)}\n`,
    );
    if (estimator.params.classWeight === "balanced" && target.task === "regression") {
      note(`--class-weight balanced weighs the classes of a classification; the regression target "${target.name}" has none, so it is left out`);
    }
    const findings = audit(data, split, { folds, seed }, console);
    if (values.strict && findings.length > 0) throw new AuditFailedError(findings.length, formatFinding(findings[0]!));
    const audited = performance.now();
    const evaluation =
      folds > 0
        ? await crossValidated(estimator, data, { folds, seed, metricNames, values, console, decisionOptions, file }).catch(asGiven)
        : await heldOut(estimator, data, split as EvaluatedSplit, { testSize, seed, nBoot, metricNames, values, console, decisionOptions, note, sampleWeight }).catch(asGiven);
    // Ctrl-C during the fit takes effect here: nothing printed or saved after it.
    await tracking.checkpoint();
    const { model, metrics, baseline, headline, rows, decision } = evaluation;
    const unsplit = noSplitWarning(model, rows.train);
    if (unsplit) console.err(`warning: ${unsplit}\n`);
    const belowBaseline = worseThanBaseline(metrics, baseline, headline.metric);
    if (belowBaseline) {
      const on = evaluation.cv ? `as the mean of ${evaluation.cv.folds} folds` : `on the ${rows.test.toLocaleString("en-US")} held-out row${rows.test === 1 ? "" : "s"}`;
      console.err(
        `warning: the model scores worse than the baseline (${baseline.kind}) ${on}: ${belowBaseline.metric} ${formatNumber(belowBaseline.value)} against ${formatNumber(belowBaseline.baseline)}; ` +
          `what it learnt from the training rows does not hold on these (too few rows, or features that say little about "${target.name}")\n`,
      );
    }
    const evaluated = performance.now();

    const out = typeof values.out === "string" ? values.out : defaultModelPath(file);
    const cvColumn = typeof values.time === "string" ? values.time : typeof values.group === "string" ? values.group : undefined;
    // By time, the audit's split knows the latest time of the rows the model is refit on.
    const auditedSplit = "summary" in split ? split.summary : undefined;
    const lastTrain = auditedSplit?.kind === "cv" ? auditedSplit.lastTrain : undefined;
    const splitSummary: SplitSummary = evaluation.cv
      ? { kind: "cv", mode: evaluation.cv.mode as CvMode, folds: evaluation.cv.folds, ...(cvColumn ? { column: cvColumn } : {}), ...(lastTrain !== undefined ? { lastTrain } : {}) }
      : (split as EvaluatedSplit).summary;
    const modelBytes = model.toBytes({
      fingerprint: data.fingerprint,
      metrics,
      // The split goes with the model, so its card says what the stored metrics were measured on.
      info: { rows, source: file, split: splitSummary, audit: findings.map((finding) => ({ ...finding, message: formatFinding(finding) })) },
      ...(decision ? { decision } : {}),
    });
    await writeFileAtomic(out, modelBytes);
    const saved = performance.now();

    const result: TrainResult = {
      task: model.task,
      model: family.kind,
      target: target.name,
      ...(target.classes ? { classes: target.classes } : {}),
      metrics,
      baseline,
      headline,
      split: splitSummary,
      ...(evaluation.cv ? { cv: evaluation.cv } : {}),
      ...(decision ? { decision: { ...decision, threshold: Number.isFinite(decision.threshold) ? decision.threshold : null } } : {}),
      audit: findings.map((finding) => ({ ...finding, message: formatFinding(finding) })),
      ...(belowBaseline ? { worseThanBaseline: belowBaseline } : {}),
      rows,
      features: data.features.length,
      params: model.params,
      training: model.fitSummary(),
      importance: model.importance().slice(0, 10),
      out,
      fingerprint: data.fingerprint,
      timings: {
        load: roundSeconds((loaded - started) / 1000),
        audit: roundSeconds((audited - loaded) / 1000),
        fit: roundSeconds(evaluation.fitSeconds),
        evaluate: roundSeconds((evaluated - audited) / 1000 - evaluation.fitSeconds),
        save: roundSeconds((saved - evaluated) / 1000),
        total: roundSeconds((saved - started) / 1000),
      },
    };
    const registered = await recordTraining(tracking, result, { file, modelBytes, data, values, registry });
    if (tracking.runId) result.run = tracking.runId;
    if (registered) result.registered = registered;
    const how = evaluation.cv
      ? `${evaluation.cv.folds}-fold cross-validation (${evaluation.cv.mode}) on ${rows.train.toLocaleString("en-US")} rows, then refit on all of them`
      : result.split.kind === "time"
        ? `trained on ${rows.train.toLocaleString("en-US")} rows up to ${result.split.lastTrain}, evaluated on the ${rows.test.toLocaleString("en-US")} latest rows by "${result.split.column}" (from ${result.split.firstTest})`
        : result.split.kind === "valid" && result.split.column !== undefined
          ? `trained on ${rows.train.toLocaleString("en-US")} rows up to ${result.split.lastTrain}, evaluated on the ${rows.test.toLocaleString("en-US")} rows of ${result.split.file} (from ${result.split.firstTest} by "${result.split.column}")`
          : `trained on ${rows.train.toLocaleString("en-US")} rows, evaluated on ${rows.test.toLocaleString("en-US")} held-out rows${result.split.kind === "valid" ? ` of ${result.split.file}` : ""}`;
    const table = evaluation.cv
      ? formatTable(
          ["metric", "mean", "std", `baseline (${baseline.kind})`],
          Object.entries(metrics).map(([name, value]) => [name, value, evaluation.cv!.std[name] ?? "-", baseline.metrics[name] ?? "-"]),
        )
      : formatTable(["metric", "value", `baseline (${baseline.kind})`], Object.entries(metrics).map(([name, value]) => [name, value, baseline.metrics[name] ?? "-"]));
    console.err(
      `\n${family.kind} model, ${model.task}; ${how}\n\n` +
        table +
        (headline.ci ? `\n${headline.metric} ${formatNumber(headline.value)}, 95% bootstrap interval [${formatNumber(headline.ci[0])}, ${formatNumber(headline.ci[1])}] (${headline.resamples} resamples)\n` : "") +
        (decision ? `\n${describeDecision(decision, target.classes ?? ["0", "1"])}\n` : "") +
        `\ntop features\n` +
        formatTable(["feature", "importance"], result.importance.map((item) => [item.feature, item.importance])) +
        `\ntimings: load ${formatSeconds(result.timings.load)}, audit ${formatSeconds(result.timings.audit)}, fit ${formatSeconds(result.timings.fit)}, evaluate ${formatSeconds(result.timings.evaluate)}, total ${formatSeconds(result.timings.total)}\n` +
        `saved ${out}\n` +
        (result.run ? `recorded run ${result.run}\n` : "") +
        (result.registered ? `registered ${result.registered.name} version ${result.registered.version} (${result.registered.stage})\n` : ""),
    );
    return result;
  } catch (error) {
    await tracking.fail(error);
    throw error;
  } finally {
    await registry?.close();
  }
}

/**
 * Keeps the model file in the store, registers it with --register (champion with --promote) and records
 * the run as finished. Registering is what the user asked for, so its failure fails the command; the
 * run's own record is best effort.
 */
async function recordTraining(
  tracking: RunTracking,
  result: TrainResult,
  context: { file: string; modelBytes: Uint8Array; data: Dataset; values: ParsedArgs["values"]; registry: Store | undefined },
): Promise<TrainResult["registered"]> {
  const { modelBytes, data, values, registry } = context;
  let sha256: string | undefined;
  let registered: TrainResult["registered"];
  if (!registry) sha256 = await tracking.keep(modelBytes);
  // With --no-track the version is registered all the same, linked to no run.
  if (typeof values.register === "string" && registry) {
    const actor = actorFrom(values);
    const version = await registry.registerModel({
      name: values.register,
      modelFile: modelBytes,
      kind: result.model,
      task: result.task,
      metrics: result.metrics,
      ...(tracking.runId ? { runId: tracking.runId } : {}),
      ...(typeof values.description === "string" ? { description: values.description } : {}),
      actor,
    });
    sha256 = version.sha256;
    registered = { name: version.name, version: version.version, stage: version.stage };
    if (values.promote) {
      const change = await registry.promote(version.name, version.version, { actor, reason: "trained by learnloop train" });
      registered = { ...registered, stage: change.to };
    }
  }
  await tracking.finish({
    metrics: result.metrics,
    ...(result.cv ? { folds: result.cv.perFold.map((fold) => fold.metrics) } : {}),
    durations: Object.fromEntries(Object.entries(result.timings).map(([phase, seconds]) => [phase, Math.round(seconds * 1000)])),
    artifacts: [
      { role: "model", path: result.out, bytes: modelBytes.byteLength, ...(sha256 ? { sha256 } : {}) },
      ...(typeof values.oof === "string" ? [{ role: "oof", path: values.oof }] : []),
    ],
    data: { file: context.file, fingerprint: data.fingerprint, rows: data.nRows, schema: compactSchema(schemaOf(data)) },
    details: {
      task: result.task,
      target: result.target,
      ...(result.classes ? { classes: result.classes } : {}),
      baseline: result.baseline,
      headline: result.headline,
      ...(result.cv ? { cv: { folds: result.cv.folds, mode: result.cv.mode, std: result.cv.std } } : {}),
      ...(result.decision ? { decision: result.decision } : {}),
      audit: result.audit.map((finding) => finding.message),
      rows: result.rows,
      features: result.features,
      training: result.training,
      ...(registered ? { registered } : {}),
    },
  });
  return registered;
}

/**
 * The headline metric when the model does worse on it than the trivial baseline (class prior or training
 * mean) on the same rows: a model that learnt nothing that holds on rows it has not seen.
 */
export function worseThanBaseline(
  metrics: Readonly<Record<string, number>>,
  baseline: { readonly metrics: Readonly<Record<string, number>> },
  metric: string,
): { metric: string; value: number; baseline: number } | undefined {
  const value = metrics[metric];
  const base = baseline.metrics[metric];
  const spec = (METRICS as Readonly<Record<string, { greaterIsBetter: boolean } | undefined>>)[metric];
  if (value === undefined || base === undefined || !spec || !Number.isFinite(value) || !Number.isFinite(base)) return undefined;
  return lift(value, base, spec.greaterIsBetter).improvement < 0 ? { metric, value, baseline: base } : undefined;
}

/** What either kind of evaluation hands back to runTrain. */
interface Evaluation {
  model: Model;
  metrics: Record<string, number>;
  baseline: { kind: string; metrics: Record<string, number> };
  headline: TrainResult["headline"];
  rows: TrainResult["rows"];
  decision?: DecisionRule;
  cv?: NonNullable<TrainResult["cv"]>;
  fitSeconds: number;
}

interface EvaluationContext {
  seed: number;
  metricNames: string[];
  values: ParsedArgs["values"];
  console: Console;
  decisionOptions: ThresholdOptions | undefined;
}

/** Fit on a training part, score on held-out rows (a --test-size slice or the --valid file). */
async function heldOut(
  estimator: Estimator,
  data: Dataset,
  split: EvaluatedSplit,
  context: EvaluationContext & { testSize: number; nBoot: number; note: (message: string) => void; sampleWeight: Float64Array | undefined },
): Promise<Evaluation> {
  const { values, seed } = context;
  const { train, test } = split;
  let sampleWeight = context.sampleWeight;
  if (sampleWeight && split.rows) sampleWeight = Float64Array.from(split.rows.train, (row) => sampleWeight![row]!);
  const fitStarted = performance.now();
  let model: Model;
  try {
    model = fitWithProgress(estimator, train, context.console, sampleWeight);
  } catch (error) {
    // The model counts the training part's rows, which the user never saw: say where they went.
    const issue = error instanceof DataValidationError ? error.issues[0] : undefined;
    if (issue?.code !== "too_few_rows" || typeof values.valid === "string") throw error;
    throw new DataValidationError({ ...issue, detail: `the training part: --test-size ${values["test-size"] ?? "0.2"} holds out ${test.nRows} of the ${data.nRows} rows` });
  }
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  const report = evaluateHoldout(model, train, test, { ...(context.metricNames.length > 0 ? { metrics: context.metricNames } : {}), bootstrap: context.nBoot, seed });
  for (const { metric, reason } of report.undefinedMetrics) context.note(`${metric} is left out: ${reason}`);
  const interval = report.headline.interval;
  const headline = {
    metric: report.headline.metric,
    value: report.metrics[report.headline.metric]!,
    ...(interval ? { ci: [interval.low, interval.high] as [number, number], level: interval.level, resamples: interval.nBoot - interval.skipped } : {}),
  };
  const decision = context.decisionOptions
    ? decisionRule(report.input.yTrue, report.input.proba!, context.decisionOptions, `the ${test.nRows.toLocaleString("en-US")} held-out rows`)
    : undefined;
  return {
    model,
    metrics: report.metrics,
    baseline: report.baseline,
    headline,
    rows: { train: train.nRows, test: test.nRows, dropped: data.droppedRows ?? 0 },
    ...(decision ? { decision } : {}),
    fitSeconds,
  };
}

/** k-fold cross-validation, out-of-fold predictions (--oof), then the final model refit on every row. */
async function crossValidated(estimator: Estimator, data: Dataset, context: EvaluationContext & { folds: number; file: string }): Promise<Evaluation> {
  const { values, seed } = context;
  const extra = (name: unknown) => (typeof name === "string" ? data.extras?.find((column) => column.name === name) : undefined);
  const groupColumn = extra(values.group);
  const timeColumn = extra(values.time);
  const time = timeColumn ? timeOrder(timeColumn, context.file, data, "--time orders the folds") : undefined;
  if (groupColumn) checkGroups(groupColumn, context.file, data);
  const fitStarted = performance.now();
  const bar = new ProgressBar(context.console, "cross-validate", "fold");
  const report = crossValidate(estimator, data, {
    folds: context.folds,
    seed,
    ...(context.metricNames.length > 0 ? { metrics: context.metricNames } : {}),
    ...(groupColumn ? { group: groupColumn.kind === "numeric" ? groupColumn.values : groupColumn.codes } : {}),
    ...(time ? { time } : {}),
    onFold: (fold, nFolds) => bar.update(fold.index + 1, nFolds),
  });
  bar.finish();
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  const model = report.model!;
  const metrics: Record<string, number> = {};
  const std: Record<string, number> = {};
  for (const [name, summary] of Object.entries(report.summary)) {
    metrics[name] = summary.mean;
    std[name] = summary.std;
  }
  const baselineMetrics: Record<string, number> = {};
  for (const [name, summary] of Object.entries(report.baseline.summary)) baselineMetrics[name] = summary.mean;
  const heldOutRows = Array.from(report.oof.fold).filter((fold) => fold >= 0).length;
  const headlineMetric = context.metricNames[0] ?? primaryMetric(report.task);
  let decision: DecisionRule | undefined;
  if (context.decisionOptions) {
    const rows = Int32Array.from(Array.from(report.oof.fold.keys()).filter((i) => report.oof.fold[i]! >= 0));
    const yTrue = Float64Array.from(rows, (i) => data.target!.values[i]!);
    const positive = Float64Array.from(rows, (i) => report.oof.proba!.data[i * 2 + 1]!);
    decision = decisionRule(yTrue, positive, context.decisionOptions, `the ${rows.length.toLocaleString("en-US")} out-of-fold predictions`);
  }
  if (typeof values.oof === "string") await writeOutOfFold(values.oof, data, report, context.console);
  return {
    model,
    metrics,
    baseline: { kind: report.baseline.kind, metrics: baselineMetrics },
    headline: { metric: headlineMetric, value: metrics[headlineMetric]! },
    rows: { train: data.nRows, test: heldOutRows, dropped: data.droppedRows ?? 0 },
    ...(decision ? { decision } : {}),
    cv: {
      folds: report.nFolds,
      mode: report.mode,
      perFold: report.folds.map((fold) => ({ fold: fold.index, rows: fold.rows, metrics: fold.metrics })),
      mean: metrics,
      std,
    },
    fitSeconds,
  };
}

/** How the rows were split for evaluation, as `--json` reports it. */
export type SplitSummary =
  | { kind: "stratified" | "random"; testSize: number; seed: number }
  /** The latest rows by `column`: the last training row's time and the first test row's, as read. */
  | { kind: "time"; column: string; testSize: number; lastTrain: string; firstTest: string }
  /** With --time too: the column, the latest training time and the earliest --valid time, as read. */
  | { kind: "valid"; file: string; column?: string; lastTrain?: string; firstTest?: string }
  /**
   * --cv: the folds' kind; the audit reads one fold (the last of time folds, the first of group folds).
   * By time, also the latest time of all the rows, which the model is refit on.
   */
  | { kind: "cv"; mode: CvMode; folds: number; column?: string; lastTrain?: string };

/** The split the evaluation uses, decided once so that the audit reads the rows the metrics come from. */
interface EvaluatedSplit {
  train: Dataset;
  test: Dataset;
  /** The rows of the data on each side (absent with --valid, whose test rows are another file's). */
  rows?: Split;
  /** With --group: each side's group ids, for the audit's shared-groups check. */
  groups?: AuditInput["groups"];
  /** With --valid and --time: each side's times, for the audit's check that the --valid rows are later. */
  times?: AuditInput["times"];
  summary: SplitSummary;
}

/**
 * The evaluation's split: the --valid file (with --time, each side's times for the audit to check that the
 * --valid rows are the later ones), the latest rows by --time, or a seeded holdout (stratified for
 * classification). Under --cv, the split the audit reads: the last time fold with --time (the one trained
 * on the most rows), the first group fold with --group, else a seeded 1/k slice as the folds' own.
 */
async function evaluatedSplit(
  data: Dataset,
  how: { folds: number; seed: number; testSize: number; values: ParsedArgs["values"]; file: string; note: (message: string) => void },
): Promise<EvaluatedSplit> {
  const { folds, seed, values, file } = how;
  const target = data.target!;
  const extra = (name: unknown) => (typeof name === "string" ? data.extras?.find((column) => column.name === name) : undefined);
  const timeColumn = extra(values.time);
  const groupColumn = extra(values.group);
  const taken = (rows: Split, summary: SplitSummary, groups?: ArrayLike<number>): EvaluatedSplit => ({
    train: takeRows(data, rows.train),
    test: takeRows(data, rows.test),
    rows,
    summary,
    ...(groups && groupColumn
      ? { groups: { column: groupColumn.name, train: Float64Array.from(rows.train, (row) => groups[row]!), test: Float64Array.from(rows.test, (row) => groups[row]!) } }
      : {}),
  });
  if (typeof values.valid === "string") {
    const validFile = values.valid;
    let keptRows: Int32Array | undefined;
    const test = await readDataset(validFile, {
      schema: schemaOf(data),
      requireTarget: true,
      onWarning: how.note,
      // The --time column, not a feature of the model's schema, is carried along to order the rows.
      ...(timeColumn ? { id: [timeColumn.name], onRowsDropped: (kept: Int32Array) => void (keptRows = kept) } : {}),
    });
    if (!timeColumn) return { train: data, test, summary: { kind: "valid", file: validFile } };
    if (keptRows) fileRows.set(test, keptRows);
    const validColumn = test.extras!.find((column) => column.name === timeColumn.name)!;
    const why = "--time checks the --valid rows come after the training rows";
    const trainTimes = timeOrder(timeColumn, file, data, why);
    const validTimes = timeOrderLike(validColumn, timeColumn, file, validFile, test, why);
    const label = timeLabel([timeColumn, validColumn]);
    const times = { train: trainTimes, test: validTimes, label };
    const lastTrain = label(trainTimes.reduce((latest, time) => Math.max(latest, time), -Infinity));
    const firstTest = label(validTimes.reduce((earliest, time) => Math.min(earliest, time), Infinity));
    return { train: data, test, times, summary: { kind: "valid", file: validFile, column: timeColumn.name, lastTrain, firstTest } };
  }
  if (timeColumn) {
    const time = timeOrder(timeColumn, file, data, folds > 0 ? "--time orders the folds" : "--time puts the latest rows in the test set");
    if (folds > 0) {
      if (folds > data.nRows - 1) return stratifiedOrRandom();
      // The model is refit on every row: its last training time is the latest of them all.
      const latest = time.reduce((best, value, row) => (value > time[best]! ? row : best), 0);
      return taken(timeSplit(time, { nSplits: folds }).at(-1)!, { kind: "cv", mode: "time", folds, column: timeColumn.name, lastTrain: timeText(timeColumn, latest) });
    }
    let rows: Split;
    try {
      rows = timeSplit(time, { testSize: how.testSize });
    } catch (error) {
      if (error instanceof InvalidParameterError && error.parameter === "testSize") throw new InvalidParameterError("--test-size", error.expected, error.received);
      if (!(error instanceof InvalidParameterError && error.parameter === "time")) throw error;
      throw new DataValidationError({
        code: "invalid_value",
        file,
        column: timeColumn.name,
        expected: `some rows earlier than the latest --test-size ${values["test-size"] ?? "0.2"} share (rows at the time of the cut all go to the test set)`,
        received: `${timeText(timeColumn, earliestRow(time))} in every row up to the cut`,
      });
    }
    const lastTrain = rows.train.reduce((latest, row) => (time[row]! > time[latest]! ? row : latest), rows.train[0]!);
    const firstTest = rows.test.reduce((earliest, row) => (time[row]! < time[earliest]! ? row : earliest), rows.test[0]!);
    return taken(rows, { kind: "time", column: timeColumn.name, testSize: how.testSize, lastTrain: timeText(timeColumn, lastTrain), firstTest: timeText(timeColumn, firstTest) });
  }
  if (groupColumn && folds > 0) {
    checkGroups(groupColumn, file, data);
    const ids = groupColumn.kind === "numeric" ? groupColumn.values : Float64Array.from(groupColumn.codes);
    if (folds <= new Set(ids).size) return taken(groupKFold(ids, folds)[0]!, { kind: "cv", mode: "group", folds, column: groupColumn.name }, ids);
  }
  return stratifiedOrRandom();

  function stratifiedOrRandom(): EvaluatedSplit {
    const classification = target.task !== "regression";
    const testSize = folds > 0 ? 1 / folds : how.testSize;
    const rows = holdoutSplit(data.nRows, { testSize, seed, ...(classification ? { stratify: target.values } : {}) });
    const summary: SplitSummary =
      folds > 0 ? { kind: "cv", mode: classification ? "stratified" : "kfold", folds } : { kind: classification ? "stratified" : "random", testSize, seed };
    return taken(rows, summary);
  }
}

/** The row of the earliest time (the first such row). */
function earliestRow(time: Float64Array): number {
  let earliest = 0;
  for (let i = 1; i < time.length; i++) if (time[i]! < time[earliest]!) earliest = i;
  return earliest;
}

/** The time of row `row` of the --time column as the file gives it (a date's text, or the number). */
function timeText(column: Column, row: number): string {
  if (column.kind === "numeric") return String(column.values[row]);
  const code = column.codes[row]!;
  return code < 0 ? "a missing value" : column.categories[code]!;
}

/**
 * The audit before training, on the split the evaluation uses (see evaluatedSplit): the --valid file
 * against the training file, the time holdout, a group fold with the groups of each side. Findings are
 * printed as warnings; an audit that cannot run is a note, never the end of the training run.
 */
function audit(data: Dataset, split: EvaluatedSplit | { error: unknown }, how: { folds: number; seed: number }, console: Console): AuditFinding[] {
  try {
    if ("error" in split) throw split.error;
    const findings = auditTraining({
      train: split.train,
      test: split.test,
      data,
      seed: how.seed,
      ...(split.groups ? { groups: split.groups } : {}),
      ...(split.summary.kind === "time" || (split.summary.kind === "cv" && split.summary.mode === "time") ? { splitByTime: split.summary.column! } : {}),
      ...(split.summary.kind === "valid" && split.times ? { splitByTime: split.summary.column!, times: split.times } : {}),
      ...(how.folds > 0 ? { nFolds: how.folds } : {}),
    });
    for (const finding of findings) console.err(`warning: ${formatFinding(finding)}\n`);
    return findings;
  } catch (error) {
    console.err(`note: the audit could not run: ${formatError(error)}\n`);
    return [];
  }
}

/**
 * The --time column as numbers that order the rows. An id column keeps its text for the outputs, so a
 * date comes as its text: ordered by the instant it names, not by the text ("12/01/2020" before
 * "01/05/2021"; a date and time without a zone, as DuckDB writes a timestamp, is read as UTC), and text
 * that names no date, or a missing time, is an error rather than a guess.
 */
function timeOrder(column: Column, file: string, data: Dataset, why: string): Float64Array {
  const missing = (row: number) =>
    new DataValidationError({ code: "invalid_value", file, ...rowOf(data, row), column: column.name, expected: `a time in every row (${why})`, received: "a missing value" });
  if (column.kind === "numeric") {
    const row = column.values.findIndex((value) => Number.isNaN(value));
    if (row >= 0) throw missing(row);
    return column.values;
  }
  const instants = column.categories.map(instantOf);
  const out = new Float64Array(column.codes.length);
  for (let i = 0; i < out.length; i++) {
    const code = column.codes[i]!;
    if (code < 0) throw missing(i);
    const instant = instants[code]!;
    if (Number.isNaN(instant)) {
      throw new DataValidationError({ code: "invalid_value", file, ...rowOf(data, i), column: column.name, expected: `a date or a time (${why})`, received: describeValue(column.categories[code]) });
    }
    out[i] = instant;
  }
  return out;
}

/**
 * timeOrder of the --valid file's time column, which must hold the kind of times the training file's does:
 * numbers beside numbers, dates beside dates (an instant and a number do not order against each other).
 */
function timeOrderLike(column: Column, like: Column, likeFile: string, file: string, data: Dataset, why: string): Float64Array {
  if (column.kind !== like.kind) {
    const row = column.kind === "numeric" ? column.values.findIndex((value) => !Number.isNaN(value)) : column.codes.findIndex((code) => code >= 0);
    if (row >= 0) {
      throw new DataValidationError({
        code: "invalid_value",
        file,
        ...rowOf(data, row),
        column: column.name,
        expected: `${like.kind === "numeric" ? "a number" : "a date or a time"}, as in ${likeFile} (${why})`,
        received: column.kind === "numeric" ? String(column.values[row]) : describeValue(column.categories[column.codes[row]!]),
      });
    }
  }
  return timeOrder(column, file, data, why);
}

/** The --group column has a group in every row: a missing one would be a group of its own, or no group at all. */
function checkGroups(column: Column, file: string, data: Dataset): void {
  const row = column.kind === "numeric" ? column.values.findIndex((value) => Number.isNaN(value)) : column.codes.findIndex((code) => code < 0);
  if (row < 0) return;
  throw new DataValidationError({ code: "invalid_value", file, ...rowOf(data, row), column: column.name, expected: "a group in every row (--group keeps each group on one side of every fold)", received: "a missing value" });
}

/**
 * A hyperparameter refused during the fit (a loss that does not fit the target's task), named as the user
 * gave it: by its flag or by its key in the --params file, as createEstimator names the ones refused before.
 */
function hyperparameterAsGiven(error: unknown, family: ModelFamily, values: ParsedArgs["values"]): unknown {
  if (!(error instanceof InvalidParameterError) || error.owner === undefined || !(error.parameter in family.params)) return error;
  const flag = toKebabCase(error.parameter);
  if (typeof values[flag] === "string") return new InvalidParameterError(`--${flag}`, error.expected, error.received);
  if (typeof values.params === "string") return new InvalidParameterError(`${error.parameter} in ${values.params}`, error.expected, error.received);
  return error;
}

/**
 * The --weight column as sample weights: finite and >= 0, read as numbers (a column of numbers with one
 * word in it comes as text). A row is named as the file's data row when no row was dropped for a missing
 * target (then the numbering still matches the file).
 */
function weightsOf(data: Dataset, name: string, file: string): Float64Array {
  const column = data.extras?.find((extra) => extra.name === name);
  if (!column) throw new InvalidParameterError("--weight", "a column of the data", name);
  const numbers = column.kind === "numeric" ? null : column.categories.map((text) => (text.trim() === "" ? NaN : Number(text)));
  const weights = new Float64Array(data.nRows);
  for (let i = 0; i < data.nRows; i++) {
    let value: number;
    let received: string | undefined;
    if (column.kind === "numeric") value = column.values[i]!;
    else {
      const code = column.codes[i]!;
      value = code < 0 ? NaN : numbers![code]!;
      if (code >= 0 && Number.isNaN(value)) received = describeValue(column.categories[code]);
    }
    if (!(Number.isFinite(value) && value >= 0)) {
      received ??= Number.isNaN(value) ? "a missing value" : String(value);
      throw new DataValidationError({ code: "invalid_value", file, ...rowOf(data, i), column: name, expected: "a finite weight >= 0", received });
    }
    weights[i] = value;
  }
  return weights;
}

/** Poisson needs counts or rates >= 0: checked on the whole file, so that the row named is the file's. */
function checkPoissonTarget(data: Dataset, file: string): void {
  const target = data.target!;
  if (target.task !== "regression") return;
  const row = target.values.findIndex((value) => !(Number.isFinite(value) && value >= 0));
  if (row < 0) return;
  throw new DataValidationError({ code: "invalid_value", file, ...rowOf(data, row), column: target.name, expected: "a finite number >= 0 (Poisson loss)", received: String(target.values[row]) });
}

/** The file's 0-based row of each row of a dataset read with rows dropped (their target missing). */
const fileRows = new WeakMap<Dataset, Int32Array>();

/** `{ row }`: the file's 1-based data row of data row `index` (left out if the rows dropped are unknown). */
function rowOf(data: Dataset, index: number): { row?: number } {
  const kept = fileRows.get(data);
  if (kept) return { row: kept[index]! + 1 };
  return (data.droppedRows ?? 0) === 0 ? { row: index + 1 } : {};
}

function fitWithProgress(estimator: Estimator, train: Dataset, console: Console, sampleWeight?: Float64Array): Model {
  let bar: ProgressBar | undefined;
  const model = estimator.fit(train, {
    ...(sampleWeight ? { sampleWeight } : {}),
    onProgress: (p) => {
      bar ??= new ProgressBar(console, `fit ${estimator.kind}`, p.phase);
      bar.update(p.done, p.total, p.upperBound);
    },
  });
  bar?.finish();
  return model;
}

/** The threshold rule given by --cost-fp/--cost-fn or --min-precision or --min-recall, if any. */
function thresholdOptionsFrom(values: ParsedArgs["values"]): ThresholdOptions | undefined {
  const options: Record<string, number> = {};
  const flags = [["cost-fp", "costFp"], ["cost-fn", "costFn"], ["min-precision", "minPrecision"], ["min-recall", "minRecall"]] as const;
  for (const [flag, key] of flags) {
    if (values[flag] === undefined) continue;
    options[key] = numberOption(values, flag, 0, key.startsWith("cost") ? { min: 0 } : { min: 0, max: 1, exclusiveMin: true });
  }
  if (Object.keys(options).length === 0) return undefined;
  if ((options.costFp !== undefined) !== (options.costFn !== undefined) && options.minPrecision === undefined && options.minRecall === undefined) {
    throw new InvalidParameterError(options.costFp === undefined ? "--cost-fp" : "--cost-fn", "given together with the other cost", undefined);
  }
  thresholdRule(options);
  return options;
}

function decisionRule(yTrue: ArrayLike<number>, positive: ArrayLike<number>, options: ThresholdOptions, chosenOn: string): DecisionRule {
  const choice = chooseThreshold(yTrue, positive, options);
  return {
    threshold: choice.threshold,
    rule: choice.rule,
    options: { ...options } as Record<string, number>,
    precision: choice.precision,
    recall: choice.recall,
    ...(choice.expectedCost !== undefined ? { expectedCost: choice.expectedCost } : {}),
    chosenOn,
  };
}

function describeDecision(decision: DecisionRule, classes: readonly string[]): string {
  const why =
    decision.rule === "cost"
      ? `least expected cost with a false positive costing ${decision.options.costFp} and a false negative ${decision.options.costFn}`
      : decision.rule === "min_precision"
        ? `highest recall with precision >= ${decision.options.minPrecision}`
        : `highest precision with recall >= ${decision.options.minRecall}`;
  const at = Number.isFinite(decision.threshold) ? formatNumber(decision.threshold) : "never (no threshold pays off)";
  return (
    `decision: "${classes[1]}" when P(${classes[1]}) >= ${at} (${why}, chosen on ${decision.chosenOn}): ` +
    `precision ${formatNumber(decision.precision)}, recall ${formatNumber(decision.recall)}` +
    (decision.expectedCost !== undefined ? `, expected cost ${formatNumber(decision.expectedCost)} per row` : "")
  );
}

/** Writes the out-of-fold predictions: the --id columns, the true target, the fold, the prediction and its probabilities. */
async function writeOutOfFold(file: string, data: Dataset, report: CvReport, console: Console): Promise<void> {
  const target = data.target!;
  const classes = target.classes;
  const columns: OutputColumn[] = (data.extras ?? []).map(outputColumnOf);
  columns.push(
    classes
      ? { name: target.name, kind: "text", values: Array.from(target.values, (index) => classes[index]!) }
      : { name: target.name, kind: "number", values: target.values },
  );
  columns.push({ name: "fold", kind: "number", values: Float64Array.from(report.oof.fold, (fold) => (fold >= 0 ? fold : NaN)) });
  if (report.task === "regression" || !classes) {
    columns.push({ name: "prediction", kind: "number", values: report.oof.yPred });
  } else {
    columns.push({ name: "prediction", kind: "text", values: Array.from(report.oof.yPred, (index) => (Number.isNaN(index) ? null : classes[index]!)) });
    const proba = report.oof.proba!;
    for (let k = 0; k < proba.nCols; k++) {
      columns.push({ name: `proba_${classes[k]}`, kind: "number", values: Float64Array.from({ length: proba.nRows }, (_, i) => proba.data[i * proba.nCols + k]!) });
    }
  }
  await writeTable(file, columns, data.nRows);
  console.err(`wrote out-of-fold predictions to ${file}\n`);
}

function defaultModelPath(file: string): string {
  const base = file.replace(/\\/g, "/").split("/").pop() ?? "model";
  return base.replace(/\.[^.]+$/, "") + ".model";
}

import { InvalidParameterError } from "../../core/errors.js";
import { availableParallelism } from "node:os";
import { schemaOf } from "../../data/index.js";
import { readSpaceFile, describeDistribution, tune, tuningMetric, type LeaderboardEntry, type SearchSpace, type TuneProgress, type TuneResult } from "../../evaluation/tune/index.js";
import { DEFAULT_MODEL_KIND, modelFamily } from "../../models/registry.js";
import { BUDGETS, defaultSpace } from "../../evaluation/tune/space.js";
import { lift } from "../../evaluation/stats/index.js";
import { numberOption, type CommandSpec, type ParsedArgs } from "../args.js";
import { DATA_OPTIONS, checkOutputDirectory, describeTarget, noSplitWarning, readDataFor, readOptionsFrom, roundSeconds, writeFileAtomic } from "../common.js";
import { commandLine, compactSchema, recordRun, TRACKING_OPTIONS } from "../tracking.js";
import { type Console, formatNumber, formatSeconds, formatTable, notesTo } from "../output.js";

export const tuneCommand: CommandSpec = {
  name: "tune",
  summary: "search hyperparameters (random search, successive halving, cross-validated) and save the best model",
  usage: "learnloop tune <data> --target <col> [options]",
  positionals: [1, 1],
  positionalNames: ["<data>"],
  options: {
    ...DATA_OPTIONS,
    model: { type: "string", value: "<kind>", doc: "the model family: gbdt (default), forest or linear" },
    trials: { type: "string", value: "<n>", doc: "configurations to draw (default 27: rungs of 27, 9, 3 and 1 with eta 3)" },
    "time-budget": { type: "string", value: "<duration>", doc: "stop starting trials after this long (90s, 10m, 1h30m; a number is seconds); running ones finish and the best so far is kept" },
    cv: { type: "string", value: "<k>", doc: "cross-validation folds per evaluation (default 5; stratified for classification)" },
    space: { type: "string", value: "<file>", doc: "search space (.json, .yaml): {\"learningRate\": {\"log_uniform\": [0.01, 0.3]}, \"l2\": [0, 1, 10], \"maxBins\": 63}, over the model's defaults" },
    metric: { type: "string", value: "<name>", doc: "the metric to optimise (default: roc_auc, accuracy or rmse by task)" },
    parallel: { type: "string", value: "<n>", doc: "trials run at once on worker threads, one thread each (default: one per core)" },
    seed: { type: "string", value: "<int>", doc: "seed of the configurations, the folds and each trial's model (default 42); the same seed gives the same leaderboard for any --parallel" },
    iterations: { type: "string", value: "<n>", doc: "the full budget of the last rung: boosting rounds (gbdt, default 300, with early stopping) or trees (forest, default 100)" },
    "min-budget": { type: "string", value: "<n>", doc: "the smallest rung budget (default 10 rounds for gbdt, 5 trees for forest)" },
    eta: { type: "string", value: "<n>", doc: "successive halving keeps the best 1/eta of a rung and gives them eta times the budget (default 3)" },
    "no-halving": { type: "boolean", doc: "plain random search: every trial on the full budget" },
    top: { type: "string", value: "<n>", doc: "leaderboard rows to print (default 10; --json has all)" },
    out: { type: "string", value: "<file>", doc: "where to save the best configuration refit on all rows (default <data name>.model)" },
    ...TRACKING_OPTIONS,
  },
  examples: [
    "learnloop tune node_modules/vega-datasets/data/penguins.json --target Species --trials 9 --cv 3 --out penguins.model",
    'learnloop tune node_modules/vega-datasets/data/flights-3m.parquet --target delayed --derive "delayed=delay > 15" --ignore delay --cv 3 --time-budget 15m',
    "learnloop tune weather.csv --target temp_max --model linear --space space.yaml --metric mae --json",
  ],
};

/** The `--json` document of `learnloop tune`. */
export interface TuneCommandResult {
  model: string;
  task: string;
  target: string;
  metric: string;
  direction: "maximize" | "minimize";
  best: {
    trial: number;
    params: Readonly<Record<string, unknown>>;
    /** Every estimator parameter of the saved model (the configuration, the budget, the trial's seed...). */
    modelParams: Readonly<Record<string, unknown>>;
    score: number;
    std: number | null;
    rung: number;
    budget: number | null;
    rounds: number | null;
  } | null;
  leaderboard: readonly LeaderboardEntry[];
  /** The trivial baseline (class prior or training mean) on the same folds as every trial. */
  baseline: { kind: string; score: number } | null;
  /** True when the best trial scores no better than the baseline (printed as a warning). */
  noBetterThanBaseline?: true;
  trials: TuneResult["trials"];
  rungs: TuneResult["rungs"];
  search: {
    folds: number;
    seed: number;
    parallel: number;
    halving: { param: string; unit: string; eta: number; min: number; max: number } | null;
    space: Record<string, string>;
    timeBudget: number | null;
    stoppedBy: string | null;
  };
  evaluations: TuneResult["evaluations"];
  rows: number;
  features: number;
  out: string | null;
  fingerprint: string;
  durations: { load: number; search: number; refit: number; save: number; total: number };
  /** The id of the run recorded in the store (unless --no-track or the store could not be opened). */
  run?: string;
}

export async function runTune(args: ParsedArgs, console: Console): Promise<TuneCommandResult> {
  const started = performance.now();
  const [file] = args.positionals as [string];
  const values = args.values;
  if (typeof values.target !== "string") throw new InvalidParameterError("--target", "the name of the column to predict", undefined);
  const family = modelFamily(typeof values.model === "string" ? values.model : DEFAULT_MODEL_KIND);
  const trials = numberOption(values, "trials", 27, { integer: true, min: 1, max: 100000 });
  const folds = numberOption(values, "cv", 5, { integer: true, min: 2, max: 100 });
  const seed = numberOption(values, "seed", 42, { integer: true, min: 0 });
  const parallel = numberOption(values, "parallel", availableParallelism(), { integer: true, min: 1, max: 256 });
  const eta = numberOption(values, "eta", 3, { integer: true, min: 2, max: 100 });
  const top = numberOption(values, "top", 10, { integer: true, min: 0 });
  const timeBudget = values["time-budget"] !== undefined ? parseDuration(values["time-budget"]) : undefined;
  if (typeof values.out === "string") checkOutputDirectory("--out", values.out);
  const hasBudget = family.kind === "gbdt" || family.kind === "forest";
  for (const flag of ["iterations", "min-budget"] as const) {
    if (values[flag] !== undefined && !hasBudget) throw new InvalidParameterError(`--${flag}`, `left out for model "${family.kind}" (it has no rounds or trees; it is tuned by plain random search)`, values[flag]);
  }
  const maxBudget = values.iterations !== undefined ? numberOption(values, "iterations", 0, { integer: true, min: 1, max: 100000 }) : undefined;
  const minBudget = values["min-budget"] !== undefined ? numberOption(values, "min-budget", 0, { integer: true, min: 1, max: maxBudget ?? 100000 }) : undefined;
  const space: SearchSpace = typeof values.space === "string" ? await readSpaceFile(values.space, family.kind, family.params) : defaultSpace(family.kind);
  const note = notesTo(console);

  const spaceText = Object.fromEntries(Object.entries(space).map(([name, dist]) => [name, describeDistribution(dist)]));
  const runParams = {
    model: family.kind,
    target: values.target,
    trials,
    cv: folds,
    seed,
    eta,
    parallel,
    ...(maxBudget !== undefined ? { iterations: maxBudget } : {}),
    ...(minBudget !== undefined ? { minBudget } : {}),
    ...(values["no-halving"] ? { halving: false } : {}),
    ...(typeof values.metric === "string" ? { metric: values.metric } : {}),
    ...(timeBudget !== undefined ? { timeBudget } : {}),
    space: spaceText,
    ...(typeof values.space === "string" ? { spaceFile: values.space } : {}),
  };
  return recordRun(values, console, { kind: "tune", command: commandLine("tune", args), params: runParams, data: { file } }, async (tracking) => {
    const data = await readDataFor(file, readOptionsFrom(values, note));
    const target = data.target!;
    const metricLabel = tuningMetric(target.task, typeof values.metric === "string" ? values.metric : undefined);
    const loaded = performance.now();
    console.err(
      `read ${file}: ${data.nRows.toLocaleString("en-US")} rows, ${data.features.length} feature${data.features.length === 1 ? "" : "s"}, target "${target.name}" (${describeTarget(target)}) in ${formatSeconds((loaded - started) / 1000)}\n`,
    );

    console.err(`tuning ${family.kind}: ${trials} configurations, ${folds}-fold cross-validation, ${metricLabel}, ${parallel} worker${parallel === 1 ? "" : "s"}, seed ${seed}${timeBudget !== undefined ? `, time budget ${formatSeconds(timeBudget)}` : ""}\n`);
    const progress = new ProgressLine(console, BUDGETS[family.kind]?.unit ?? null);
    const result = await tune(data, {
      kind: family.kind,
      space,
      trials,
      folds,
      seed,
      eta,
      parallel,
      ...(maxBudget !== undefined ? { maxBudget } : {}),
      ...(minBudget !== undefined ? { minBudget } : {}),
      ...(values["no-halving"] ? { halving: false } : {}),
      metric: metricLabel,
      ...(timeBudget !== undefined ? { timeBudget } : {}),
      onEvaluation: (event) => progress.update(event, metricLabel),
    });
    progress.finish();
    const searched = performance.now();

    const out = result.model ? (typeof values.out === "string" ? values.out : defaultModelPath(file)) : null;
    const best = result.best;
    let modelBytes: Uint8Array | undefined;
    // Ctrl-C during the search or the refit takes effect here: nothing printed or saved after it.
    await tracking.checkpoint();
    if (result.model && out && best) {
      modelBytes = result.model.toBytes({
          fingerprint: data.fingerprint,
          metrics: { [result.metric]: best.score! },
          info: {
            rows: { train: data.nRows, test: 0, dropped: data.droppedRows ?? 0 },
            source: file,
            tune: { metric: result.metric, folds, seed, trial: best.trial, score: best.score, std: best.std, trials: result.trials },
          },
      });
      await writeFileAtomic(out, modelBytes);
    }
    const saved = performance.now();
    const unsplit = result.model ? noSplitWarning(result.model, data.nRows, true) : undefined;
    if (unsplit) console.err(`warning: ${unsplit}\n`);
    // A search whose best does no better than predicting the class prior or the mean has found nothing
    // (zoo's 101 rows with a 30-round budget: every trial stopped early at the majority class).
    const base = result.baseline;
    const noBetter = best !== null && base !== null && best.score !== null && !(lift(best.score, base.score, result.greaterIsBetter).improvement > 0);
    if (noBetter) {
      console.err(
        `warning: the best trial scores no better than the baseline (${base.kind}) on the same folds: ${result.metric} ${formatNumber(best.score!)} against ${formatNumber(base.score)}; ` +
          `the search found nothing that predicts "${target.name}" (give trials more ${result.budget?.unit ?? "budget"} with --iterations, more --trials, or check the features)\n`,
      );
    }

    // The search may have narrowed a default range to the data (spaceForRows): show what it searched.
    const usedSpaceText = Object.fromEntries(Object.entries(result.space).map(([name, dist]) => [name, describeDistribution(dist)]));
    const halving = result.budget && result.rungs.length > 1 ? { param: result.budget.param, unit: result.budget.unit, eta: result.budget.eta, min: result.rungs[0]!.budget, max: result.budget.max } : null;
    const document: TuneCommandResult = {
      model: family.kind,
      task: result.task,
      target: target.name,
      metric: result.metric,
      direction: result.greaterIsBetter ? "maximize" : "minimize",
      best: best
        ? { trial: best.trial, params: best.params, modelParams: result.model?.params ?? result.bestParams!, score: best.score!, std: nullIfNaN(best.std), rung: best.rung, budget: best.budget, rounds: best.rounds }
        : null,
      leaderboard: result.leaderboard.map((entry) => ({ ...entry, std: nullIfNaN(entry.std), seconds: roundSeconds(entry.seconds) })),
      baseline: result.baseline,
      ...(noBetter ? { noBetterThanBaseline: true as const } : {}),
      trials: result.trials,
      rungs: result.rungs,
      search: { folds, seed, parallel, halving, space: usedSpaceText, timeBudget: timeBudget ?? null, stoppedBy: result.stoppedBy },
      evaluations: result.evaluations.map((evaluation) => ({ ...evaluation, std: nullIfNaN(evaluation.std), seconds: evaluation.seconds === null ? null : roundSeconds(evaluation.seconds) })),
      rows: data.nRows,
      features: data.features.length,
      out,
      fingerprint: data.fingerprint,
      durations: {
        load: roundSeconds((loaded - started) / 1000),
        search: roundSeconds(result.seconds.search),
        refit: roundSeconds(result.seconds.refit),
        save: roundSeconds((saved - searched) / 1000),
        total: roundSeconds((saved - started) / 1000),
      },
    };
    const sha256 = modelBytes ? await tracking.keep(modelBytes) : undefined;
    if (tracking.runId) document.run = tracking.runId;
    console.err(summaryText(document, result, top, usedSpaceText));
    const bestFolds = best ? result.evaluations.find((evaluation) => evaluation.trial === best.trial && evaluation.rung === best.rung)?.foldScores : null;
    return {
      value: document,
      result: {
        metrics: best ? { [result.metric]: best.score! } : {},
        ...(bestFolds ? { folds: bestFolds.map((score) => ({ [result.metric]: score })) } : {}),
        durations: Object.fromEntries(Object.entries(document.durations).map(([phase, seconds]) => [phase, Math.round(seconds * 1000)])),
        artifacts: modelBytes && out ? [{ role: "model", path: out, bytes: modelBytes.byteLength, ...(sha256 ? { sha256 } : {}) }] : [],
        data: { file, fingerprint: data.fingerprint, rows: data.nRows, schema: compactSchema(schemaOf(data)) },
        details: {
          task: document.task,
          target: document.target,
          metric: document.metric,
          direction: document.direction,
          best: document.best,
          leaderboard: document.leaderboard,
          rungs: document.rungs,
          trials: document.trials,
          search: document.search,
        },
      },
    };
  });
}

function summaryText(document: TuneCommandResult, result: TuneResult, top: number, spaceText: Record<string, string>): string {
  const lines: string[] = [];
  const unit = result.budget?.unit ?? "iters";
  const how = document.search.halving
    ? `successive halving on ${unit} ${result.rungs.map((rung) => rung.budget).join(" -> ")} (eta ${document.search.halving.eta}; ${result.rungs.map((rung) => rung.planned).join(", ")} configurations)`
    : `random search${result.budget ? ` on the full ${result.budget.max} ${unit}` : ""}`;
  lines.push(
    "",
    `${document.model} tuned on ${document.rows.toLocaleString("en-US")} rows: ${result.trials.planned} configurations, ${how}, ${result.folds}-fold cross-validation, ${result.metric} (${result.greaterIsBetter ? "higher" : "lower"} is better), ${result.parallel} worker${result.parallel === 1 ? "" : "s"}, seed ${result.seed}`,
    `space: ${Object.entries(spaceText).map(([name, text]) => `${name} ${text}`).join("; ")}`,
  );
  if (result.stoppedBy === "time_budget") {
    // What the budget cut: the rung it stopped in, and the rungs never reached (rungs are 1-based for people).
    const cut = result.rungs.find((rung) => rung.scored < rung.planned);
    const last = result.rungs.length;
    const never = (first: number) => (first > last ? "" : first === last ? `rung ${first} never ran` : `rungs ${first}-${last} never ran`);
    const what = !cut
      ? "every rung was scored"
      : cut.scored === 0
        ? never(cut.rung + 1)
        : [`rung ${cut.rung + 1} scored ${cut.scored} of its ${cut.planned} configurations`, never(cut.rung + 2)].filter(Boolean).join(", ");
    lines.push(`time budget reached after ${formatSeconds(result.seconds.search)} (trials already running were finished): ${what}; the best so far is kept`);
  }
  if (result.trials.failed > 0) lines.push(`${result.trials.failed} trial${result.trials.failed === 1 ? "" : "s"} failed (see the leaderboard)`);
  const names = Object.keys(result.space).filter((name) => result.space[name]!.kind !== "fixed");
  const shown = result.leaderboard.slice(0, top);
  if (shown.length > 0) {
    lines.push("", `leaderboard (${shown.length} of ${result.leaderboard.length}${shown.length < result.leaderboard.length ? "; --json for all" : ""}), ranked by the highest rung reached, then ${result.metric}`);
    const header = ["rank", "trial", ...(result.budget ? ["budget"] : []), ...names, `${result.metric}`, "± std", unit === "rounds" ? "rounds kept" : unit, "time"];
    const rows = shown.map((entry) => [
      entry.rank,
      entry.trial,
      ...(result.budget ? [entry.budget ?? "-"] : []),
      ...names.map((name) => cell(entry.params[name])),
      entry.score ?? "failed",
      entry.std === null || Number.isNaN(entry.std) ? "-" : entry.std,
      entry.rounds === null ? "-" : String(Math.round(entry.rounds * 10) / 10),
      formatSeconds(entry.seconds),
    ]);
    lines.push(formatTable(header, rows).trimEnd());
    const failed = shown.find((entry) => entry.status === "failed");
    if (failed) lines.push(`trial ${failed.trial} failed: ${failed.error}`);
  }
  const best = document.best;
  if (best) {
    lines.push(
      "",
      `best: trial ${best.trial}, ${result.metric} ${formatNumber(best.score)}${best.std !== null ? ` ± ${formatNumber(best.std)}` : ""} (${result.folds}-fold CV${best.budget !== null ? `, budget ${best.budget} ${unit}` : ""}${best.rounds !== null ? `, ${unit === "rounds" ? "rounds kept" : unit} ${String(Math.round(best.rounds * 10) / 10)}` : ""})`,
      `best params: ${Object.entries(best.params).map(([name, value]) => `${name} ${cell(value)}`).join(", ")}`,
    );
    // Early stopping ended below the budget unless the rounds kept reach it: then more rounds may help.
    if (unit === "rounds" && best.budget !== null && best.rounds !== null && best.rung === result.rungs.length - 1 && best.rounds >= 0.95 * best.budget) {
      lines.push(`note: the best trial kept ${String(Math.round(best.rounds * 10) / 10)} of its ${best.budget} rounds (early stopping did not end it); a larger --iterations may score better`);
    }
  } else {
    lines.push("", "no trial produced a score; nothing saved");
  }
  const d = document.durations;
  lines.push(`timings: load ${formatSeconds(d.load)}, search ${formatSeconds(d.search)}, refit ${formatSeconds(d.refit)}, total ${formatSeconds(d.total)}`);
  if (document.out) lines.push(`saved ${document.out} (the best configuration refit on all ${document.rows.toLocaleString("en-US")} rows)`);
  if (document.run) lines.push(`recorded run ${document.run}`);
  return lines.join("\n") + "\n";
}

/** A parameter value for people: three significant digits (0.0473, 12.5, 3.4e-5), integers whole. */
function cell(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
  return value === null ? "null" : String(value);
}

function nullIfNaN(value: number | null): number | null {
  return value === null || Number.isNaN(value) ? null : value;
}

/**
 * A duration for --time-budget: "90s", "10m", "1h30m", "1.5h", or a plain number of seconds.
 *
 * @example
 * parseDuration("1h30m"); // 5400
 */
export function parseDuration(raw: unknown): number {
  const text = typeof raw === "string" ? raw.trim() : "";
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let seconds = 0;
  if (/^\d+(\.\d+)?$/.test(text)) seconds = Number(text);
  else {
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
    if (parts.length === 0 || parts.map((part) => part[0]).join("") !== text) {
      throw new InvalidParameterError("--time-budget", "a duration such as 90s, 10m or 1h30m (a plain number is seconds)", raw);
    }
    for (const part of parts) seconds += Number(part[1]) * units[part[2]!]!;
  }
  if (!(seconds > 0)) throw new InvalidParameterError("--time-budget", "a duration above zero", raw);
  return seconds;
}

/** The progress line: redrawn in place on a terminal, a line every 5 seconds otherwise. */
class ProgressLine {
  readonly #console: Console;
  #lastDraw = performance.now();
  #drawn = false;
  readonly #unit: string | null;

  constructor(console: Console, unit: string | null) {
    this.#console = console;
    this.#unit = unit;
  }

  update(event: TuneProgress, metric: string): void {
    const now = performance.now();
    const interval = this.#console.interactive ? 200 : 5000;
    if (now - this.#lastDraw < interval) return;
    this.#lastDraw = now;
    const best = event.best ? `best ${metric} ${formatNumber(event.best.score)} (trial ${event.best.trial}, rung ${event.best.rung + 1})` : "no score yet";
    const budget = this.#unit ? ` (${event.budget} ${this.#unit})` : "";
    const text = `tune: rung ${event.rung + 1}/${event.nRungs}${budget}, ${event.done}/${event.planned} evaluations, ${best}, elapsed ${formatSeconds(event.elapsedSeconds)}`;
    if (this.#console.interactive) this.#console.err(`\r${text}\x1b[K`);
    else this.#console.err(text + "\n");
    this.#drawn = true;
  }

  finish(): void {
    if (this.#drawn && this.#console.interactive) this.#console.err("\n");
  }
}

function defaultModelPath(file: string): string {
  const base = file.replace(/\\/g, "/").split("/").pop() ?? "model";
  return base.replace(/\.[^.]+$/, "") + ".model";
}

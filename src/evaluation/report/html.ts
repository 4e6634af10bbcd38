/**
 * The model card as one self-contained HTML page: tables, sentences and charts as inline SVG, drawn from
 * vega-lite specs in Node with the profile report's renderer, so the page loads no script and no URL.
 * Each chart sits in a `<figure data-chart="...">`; each section is a `<section id="...">`.
 */
import { METRICS, type MetricName } from "../../metrics/index.js";
import { svgRenderer } from "../profile/html.js";
import type { ModelReport } from "./build.js";

type Spec = Record<string, unknown>;

const SIZE = 260;

/** What each family's `importance()` measures, for the chart's title. */
const IMPORTANCE_KIND: Readonly<Record<string, string>> = { gbdt: "split gain", linear: "std of the margin contribution" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function fmt(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return Math.abs(value) >= 1000 ? value.toFixed(1) : Math.abs(value) >= 1e-4 ? value.toFixed(4) : value.toExponential(2);
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** "a", "a and b", "a, b and c". */
function listWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>${rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`).join("")}</table>`;
}

const diagonal = { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: "line", strokeDash: [4, 4], color: "#999" }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } };

function curveChart(kind: "roc" | "pr", curves: NonNullable<ModelReport["curves"]>["roc"], prevalence?: number): Spec {
  const values = curves.flatMap((c) => c.x.map((x, i) => ({ class: c.label, x, y: c.y[i]!, order: i })));
  const [xTitle, yTitle] = kind === "roc" ? ["false positive rate", "true positive rate"] : ["recall", "precision"];
  const colour = curves.length > 1 ? { color: { field: "class", type: "nominal", title: "class (vs rest)" } } : {};
  const reference = kind === "roc" ? [diagonal] : prevalence !== undefined ? [{ data: { values: [{ y: prevalence }] }, mark: { type: "rule", strokeDash: [4, 4], color: "#999" }, encoding: { y: { field: "y", type: "quantitative" } } }] : [];
  return {
    width: SIZE,
    height: SIZE,
    title: kind === "roc" ? "ROC curve" : "Precision-recall curve",
    layer: [
      ...reference,
      {
        data: { values },
        mark: { type: "line", interpolate: kind === "roc" ? "linear" : "step-after" },
        encoding: {
          x: { field: "x", type: "quantitative", title: xTitle, scale: { domain: [0, 1] } },
          y: { field: "y", type: "quantitative", title: yTitle, scale: { domain: [0, 1] } },
          order: { field: "order", type: "quantitative" },
          ...colour,
        },
      },
    ],
  };
}

function calibrationChart(bins: NonNullable<NonNullable<ModelReport["curves"]>["calibration"]>): Spec {
  return {
    width: SIZE,
    height: SIZE,
    title: "Calibration (10 quantile bins)",
    layer: [
      diagonal,
      {
        data: { values: bins.map((b) => ({ ...b })) },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "meanPredicted", type: "quantitative", title: "mean predicted probability", scale: { domain: [0, 1] } },
          y: { field: "observed", type: "quantitative", title: "observed share of positives", scale: { domain: [0, 1] } },
        },
      },
    ],
  };
}

function confusionChart(confusion: NonNullable<ModelReport["confusion"]>): Spec {
  const { labels, matrix } = confusion;
  const values = labels.flatMap((actual, i) => labels.map((predicted, j) => ({ actual, predicted, rows: matrix[i]![j]! })));
  const size = Math.min(520, Math.max(160, labels.length * 48));
  const max = Math.max(1, ...values.map((v) => v.rows));
  return {
    width: size,
    height: size,
    title: "Confusion matrix",
    data: { values },
    encoding: {
      x: { field: "predicted", type: "nominal", sort: labels, title: "predicted" },
      y: { field: "actual", type: "nominal", sort: labels, title: "actual" },
    },
    layer: [
      { mark: "rect", encoding: { color: { field: "rows", type: "quantitative", scale: { scheme: "blues" }, title: "rows" } } },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: { text: { field: "rows", type: "quantitative" }, color: { condition: { test: `datum.rows > ${max / 2}`, value: "white" }, value: "black" } },
      },
    ],
  };
}

function importanceChart(title: string, values: { feature: string; value: number; low?: number; high?: number }[], xTitle: string): Spec {
  const features = values.map((v) => v.feature);
  const bars = { mark: "bar", encoding: { y: { field: "feature", type: "nominal", sort: features, title: null }, x: { field: "value", type: "quantitative", title: xTitle } } };
  const errors = values.some((v) => v.low !== undefined)
    ? [{ mark: { type: "rule", color: "#333" }, encoding: { y: { field: "feature", type: "nominal", sort: features }, x: { field: "low", type: "quantitative" }, x2: { field: "high" } } }]
    : [];
  return { width: SIZE, height: Math.max(60, values.length * 18), title, data: { values }, layer: [bars, ...errors] };
}

/** Vega's SVG names its namespaces by URL; inline SVG in HTML needs neither, and the page names no URL. */
function inlineSvg(svg: string): string {
  return svg.replace(/\s+xmlns(?::\w+)?="[^"]*"/g, "");
}

function metricTable(report: ModelReport): string {
  const { values, intervals, baseline } = report.metrics;
  const header = ["metric", "value", ...(intervals ? ["95% interval"] : []), ...(baseline ? [`baseline (${baseline.kind})`] : []), "better"];
  const rows = Object.entries(values).map(([name, value]) => {
    const interval = intervals?.[name];
    const spec = METRICS[name as MetricName];
    return [
      name,
      fmt(value),
      ...(intervals ? [interval ? `[${fmt(interval.low)}, ${fmt(interval.high)}]` : "–"] : []),
      ...(baseline ? [fmt(baseline.metrics[name])] : []),
      spec ? (spec.greaterIsBetter ? "higher" : "lower") : "",
    ];
  });
  return table(header, rows);
}

/**
 * The model card as a self-contained HTML document (inline CSS and SVG; no scripts, no URLs).
 *
 * @example
 * await writeFileAtomic("card.html", await renderReportHtml(buildModelReport(model, header, data, { modelFile })));
 */
export async function renderReportHtml(report: ModelReport): Promise<string> {
  const render = await svgRenderer();
  const figure = async (kind: string, spec: Spec): Promise<string> => `<figure data-chart="${kind}">${inlineSvg(await render(spec))}</figure>`;
  const { model, data, metrics, importance } = report;
  const section = (id: string, title: string, body: string) => `<section id="${id}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
  const omitted = (name: string) => report.omitted.filter((o) => o.section === name).map((o) => `<p class="omitted">${escapeHtml(o.reason)}</p>`).join("");
  const parts: string[] = [];

  // Data summary.
  const featureRows = model.features.map((f) => [f.name, f.kind + (f.categories !== undefined ? ` (${f.categories} categories)` : ""), f.derivedFrom ?? ""]);
  const targetText = model.classes ? `${model.task}, classes ${listWords(model.classes.map((c) => `“${c}”`))}` : model.task;
  const dataText = data
    ? `<p>Measured on <b>${escapeHtml(data.file)}</b>: ${fmt(data.rows)} labelled rows${data.droppedRows > 0 ? ` (${fmt(data.droppedRows)} rows without a target dropped)` : ""}.` +
      (data.sameAsTraining ? ` <b>This is the file the model was trained from</b> (same fingerprint): most of its rows were training rows, so the figures below are optimistic.` : "") +
      `</p>` +
      (data.classes ? table(["class", "rows", "share"], data.classes.map((c) => [c.label, fmt(c.count), pct(c.share)])) : `<p>Mean of the target: ${fmt(data.targetMean)}.</p>`)
    : `<p>No labelled data was given: the figures are those the model file recorded at training time${typeof model.training.source === "string" ? ` (trained on ${escapeHtml(model.training.source)})` : ""}.</p>`;
  parts.push(
    section(
      "data",
      "Data",
      `<p>Target <b>${escapeHtml(model.target)}</b> (${escapeHtml(targetText)}); ${model.features.length} features.</p>` + dataText + table(["feature", "kind", "derived from"], featureRows),
    ),
  );

  // Metrics.
  const headline = metrics.values[metrics.headline];
  const interval = metrics.intervals?.[metrics.headline];
  const metricsIntro =
    metrics.measuredOn === "data"
      ? `<p>Headline: <b>${metrics.headline} ${fmt(headline)}</b>${interval ? `, 95% bootstrap interval [${fmt(interval.low)}, ${fmt(interval.high)}] (${fmt(interval.resamples)} resamples)` : ""}` +
        `${metrics.baseline?.metrics[metrics.headline] !== undefined ? `, against ${fmt(metrics.baseline.metrics[metrics.headline])} for the baseline` : ""}.</p>` +
        (metrics.baseline ? `<p>The baseline (${escapeHtml(metrics.baseline.kind)}) predicts from ${escapeHtml(metrics.baseline.note)}.</p>` : "")
      : `<p>Metrics stored in the model file, measured on held-out rows at training time.</p>`;
  parts.push(section("metrics", "Metrics", Object.keys(metrics.values).length > 0 ? metricsIntro + metricTable(report) + omitted("metrics") + omitted("baseline and intervals") : omitted("metrics") + omitted("baseline and intervals")));

  // Curves and the confusion matrix.
  if (report.curves || report.confusion) {
    const figures: string[] = [];
    const curves = report.curves;
    const prevalence = model.task === "binary" && data?.classes ? data.classes[1]!.share : undefined;
    if (curves && curves.roc.length > 0) figures.push(await figure("roc", curveChart("roc", curves.roc)));
    if (curves && curves.pr.length > 0) figures.push(await figure("pr", curveChart("pr", curves.pr, prevalence)));
    if (curves?.calibration && curves.calibration.length > 0) figures.push(await figure("calibration", calibrationChart(curves.calibration)));
    if (report.confusion) figures.push(await figure("confusion", confusionChart(report.confusion)));
    const areas = curves && curves.roc.length > 0
      ? `<p>${curves.roc.length > 1 ? "One-vs-rest curves, one per class. " : ""}${curves.roc.map((c, i) => `${curves.roc.length > 1 ? `“${escapeHtml(c.label)}”: ` : ""}ROC AUC ${fmt(c.area)}, average precision ${fmt(curves.pr[i]?.area)}`).join("; ")}. The confusion matrix counts rows by true class (rows) and predicted class (columns)${model.task === "binary" ? ", predicting the positive class when its probability is above 0.5" : ""}.</p>`
      : "";
    parts.push(section("performance", "Curves and confusion matrix", areas + omitted("curves") + omitted("calibration") + figures.join("\n")));
  } else {
    parts.push(section("performance", "Curves and confusion matrix", omitted("curves") || "<p>Not drawn for this model.</p>"));
  }

  // Importance.
  const gainTop = importance.gain.slice(0, 20);
  const permutation = importance.permutation;
  const importanceFigures: string[] = [];
  if (gainTop.length > 0) importanceFigures.push(await figure("importance-gain", importanceChart(`Model importance (${IMPORTANCE_KIND[model.kind] ?? "the model's own"}, share of total)`, gainTop.map((g) => ({ feature: g.feature, value: g.share })), "share")));
  let permutationText = omitted("permutation importance");
  if (permutation) {
    const shown = permutation.features.slice(0, 20);
    importanceFigures.push(
      await figure(
        "importance-permutation",
        importanceChart(`Permutation importance (drop in ${permutation.metric})`, shown.map((f) => ({ feature: f.feature, value: f.importance, low: f.importance - f.std, high: f.importance + f.std })), `drop in ${permutation.metric}`),
      ),
    );
    const first = permutation.features[0];
    permutationText =
      `<p>Permutation importance: each feature shuffled ${permutation.repeats} times (seed ${permutation.seed}) on ${fmt(permutation.rows)} rows${permutation.sampledFrom !== undefined ? ` sampled from ${fmt(permutation.sampledFrom)}` : ""}; ` +
      `the drop in ${permutation.metric} from ${fmt(permutation.baseline)}, mean ± standard deviation.` +
      (first ? ` Shuffling <b>${escapeHtml(first.feature)}</b> costs the most (${fmt(first.importance)}).` : "") +
      `</p>` +
      table(["feature", `drop in ${permutation.metric}`, "std"], permutation.features.map((f) => [f.feature, fmt(f.importance), fmt(f.std)]));
  }
  const topText = importance.top.length > 0 ? `<p>Top features: <b>${escapeHtml(listWords(importance.top))}</b>${permutation ? " (by permutation importance on the labelled data)" : " (by the model's own importance)"}.</p>` : "";
  parts.push(section("importance", "Feature importance", topText + importanceFigures.join("\n") + permutationText));

  // Decision threshold.
  if (report.decision) {
    const { stored, onData } = report.decision;
    const positive = model.classes?.[1] ?? "1";
    const why =
      stored.rule === "cost"
        ? `least expected cost with a false positive costing ${stored.options.costFp} and a false negative ${stored.options.costFn}`
        : stored.rule === "min_precision"
          ? `highest recall with precision ≥ ${stored.options.minPrecision}`
          : `highest precision with recall ≥ ${stored.options.minRecall}`;
    const rows = [["chosen on " + stored.chosenOn, fmt(stored.precision), fmt(stored.recall), fmt(stored.expectedCost)]];
    if (onData) rows.push([`this data (${fmt(onData.confusion.tp)} TP, ${fmt(onData.confusion.fp)} FP, ${fmt(onData.confusion.fn)} FN, ${fmt(onData.confusion.tn)} TN)`, fmt(onData.precision), fmt(onData.recall), fmt(onData.expectedCost)]);
    parts.push(
      section(
        "decision",
        "Decision threshold",
        `<p>The model predicts “${escapeHtml(positive)}” when P(${escapeHtml(positive)}) ≥ <b>${stored.threshold === null ? "never (no threshold pays off)" : fmt(stored.threshold)}</b> (${escapeHtml(why)}).</p>` +
          table(["measured on", "precision", "recall", "expected cost per row"], rows),
      ),
    );
  } else {
    parts.push(section("decision", "Decision threshold", "<p>None recorded: the model predicts the most probable class.</p>"));
  }

  // Audit.
  const audit = report.audit;
  parts.push(
    section(
      "audit",
      "Audit findings",
      audit === null ? "<p>None recorded in the model file.</p>" : audit.length === 0 ? "<p>The training audit found nothing.</p>" : `<ul>${audit.map((f) => `<li><code>${escapeHtml(f.code)}</code> ${escapeHtml(f.message)}</li>`).join("")}</ul>`,
    ),
  );

  // Parameters and provenance.
  const params = Object.entries(model.params).map(([name, value]) => [name, JSON.stringify(value) ?? "null"]);
  const training = Object.entries(model.training).map(([name, value]) => [name, typeof value === "string" ? value : JSON.stringify(value)]);
  parts.push(
    section(
      "parameters",
      "Parameters and provenance",
      table(["parameter", "value"], params) +
        `<p>Training data fingerprint: <code>${escapeHtml(model.fingerprint ?? "not recorded")}</code>${data ? `; this data: <code>${escapeHtml(data.fingerprint)}</code>` : ""}. Saved ${escapeHtml(model.createdAt)} by learnloop ${escapeHtml(model.learnloopVersion)}.</p>` +
        (training.length > 0 ? table(["training", "value"], training) : ""),
    ),
  );

  const title = `Model card: ${report.modelFile}`;
  const head = `<meta charset="utf-8"><title>${escapeHtml(title)}</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}table{border-collapse:collapse;margin:6px 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
figure{display:inline-block;margin:8px;vertical-align:top}code{background:#f3f3f3;padding:0 3px}.omitted{color:#666;font-style:italic}</style>`;
  const subtitle = `<p>${escapeHtml(model.kind)} model, ${escapeHtml(model.task)}, predicting <b>${escapeHtml(model.target)}</b>.</p>`;
  return `<!doctype html>\n<html lang="en"><head>${head}</head><body>\n<h1>${escapeHtml(title)}</h1>\n${subtitle}\n${parts.join("\n")}\n</body></html>\n`;
}

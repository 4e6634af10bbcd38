/**
 * The profile as one self-contained HTML page: tables, the flags, and charts as inline SVG. Charts are
 * vega-lite specifications compiled to vega and rendered to SVG in Node (`renderer: "none"` needs no
 * DOM or canvas), so the page loads no script and no URL and opens anywhere, offline.
 */
import { formatFlag } from "./flags.js";
import type { ColumnProfile, DataProfile } from "./types.js";

/** A vega-lite spec, loosely typed: the charts below are built as plain objects. */
type Spec = Record<string, unknown>;

const chartWidth = 320;
const chartHeight = 140;

/** Compiles and renders vega-lite specs to SVG; vega is loaded on first use (it is large). Shared with the model report. */
export async function svgRenderer(): Promise<(spec: Spec) => Promise<string>> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  return async (spec) => {
    const compiled = vegaLite.compile({ $schema: "https://vega.github.io/schema/vega-lite/v6.json", ...spec } as never).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: "none" });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function fmt(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return Math.abs(value) >= 1000 ? value.toFixed(1) : Number(value.toPrecision(digits)).toString();
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;
}

/** The chart of one column: a histogram of binned values, or bars of its most frequent values. */
function columnChart(column: ColumnProfile): Spec | undefined {
  const base = { width: chartWidth, height: chartHeight, title: column.name };
  if (column.histogram) {
    const temporal = column.type === "datetime";
    const values = column.histogram.map((bin) => ({ start: temporal ? bin.start * 1000 : bin.start, end: temporal ? bin.end * 1000 : bin.end, count: bin.count }));
    return {
      ...base,
      data: { values },
      mark: { type: "bar", tooltip: true },
      encoding: {
        x: { field: "start", type: temporal ? "temporal" : "quantitative", title: column.name, ...(temporal ? { timeUnit: "utcyearmonthdatehoursminutes" } : {}) },
        x2: { field: "end" },
        y: { field: "count", type: "quantitative", title: "rows" },
      },
    };
  }
  if (column.top.length === 0) return undefined;
  return {
    ...base,
    data: { values: column.top.map((v) => ({ value: v.value, count: v.count })) },
    mark: { type: "bar" },
    encoding: {
      y: { field: "value", type: "nominal", sort: "-x", title: null },
      x: { field: "count", type: "quantitative", title: "rows" },
    },
  };
}

function heatmap(profile: DataProfile): Spec | undefined {
  const { columns, matrix } = profile.correlations;
  if (columns.length < 2) return undefined;
  const values = columns.flatMap((a, i) => columns.map((b, j) => ({ a, b, r: matrix[i]![j] })));
  const size = Math.min(560, Math.max(160, columns.length * 28));
  return {
    width: size,
    height: size,
    title: "Pearson correlation",
    data: { values },
    layer: [
      {
        mark: "rect",
        encoding: {
          x: { field: "a", type: "nominal", sort: columns, title: null },
          y: { field: "b", type: "nominal", sort: columns, title: null },
          color: { field: "r", type: "quantitative", scale: { domain: [-1, 1], scheme: "redblue", reverse: true }, title: "r" },
        },
      },
      ...(columns.length <= 15
        ? [{ mark: { type: "text", fontSize: 9 }, encoding: { x: { field: "a", type: "nominal", sort: columns }, y: { field: "b", type: "nominal", sort: columns }, text: { field: "r", type: "quantitative", format: ".2f" } } }]
        : []),
    ],
  };
}

function targetChart(profile: DataProfile): Spec | undefined {
  const classes = profile.target?.classes;
  if (!classes) return undefined;
  return {
    width: chartWidth,
    height: Math.max(60, classes.length * 22),
    title: `target: ${profile.target!.name}`,
    data: { values: classes.map((c) => ({ value: c.value, count: c.count })) },
    mark: "bar",
    encoding: { y: { field: "value", type: "nominal", title: null, sort: null }, x: { field: "count", type: "quantitative", title: "rows" } },
  };
}

function columnRow(column: ColumnProfile, target: string | undefined): string {
  const a = column.association;
  const assoc = a
    ? [a.rocAuc !== undefined ? `AUC ${fmt(a.rocAuc)}` : "", a.correlation !== undefined ? `r ${fmt(a.correlation)}` : "", a.r2 !== undefined && a.correlation === undefined ? `η² ${fmt(a.r2)}` : "", `NMI ${fmt(a.normalizedMutualInformation)}`]
        .filter(Boolean)
        .join(", ")
    : "";
  const values = column.numeric
    ? `${fmt(column.numeric.min)} / ${fmt(column.numeric.mean)} / ${fmt(column.numeric.max)} (sd ${fmt(column.numeric.std)})`
    : column.datetime
      ? `${column.datetime.min} … ${column.datetime.max}`
      : column.top.slice(0, 3).map((v) => `${v.value} (${pct(v.share)})`).join(", ");
  const cells = [column.name + (column.name === target ? " (target)" : ""), column.type, pct(column.missingShare), fmt(column.distinct), values, assoc, column.flags.join(", ")];
  return `<tr>${cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`;
}

/**
 * The profile as a self-contained HTML document (inline CSS and SVG; no scripts, no external URLs):
 * the flags, the target's distribution, a table of columns, the correlation heatmap and one chart per
 * column. Each chart sits in a `<figure data-chart="...">` (column, target or correlation).
 */
export async function renderProfileHtml(profile: DataProfile): Promise<string> {
  const render = await svgRenderer();
  const figure = async (kind: string, spec: Spec | undefined, name?: string): Promise<string> =>
    spec ? `<figure data-chart="${kind}"${name !== undefined ? ` data-column="${escapeHtml(name)}"` : ""}>${await render(spec)}</figure>` : "";
  const target = profile.target;
  const flags = profile.flags.length > 0 ? `<ul class="flags">${profile.flags.map((flag) => `<li><code>${flag.code}</code> ${escapeHtml(formatFlag(flag))}</li>`).join("")}</ul>` : "<p>No flags.</p>";
  const columnCharts: string[] = [];
  for (const column of profile.columns) columnCharts.push(await figure("column", columnChart(column), column.name));
  const head = `<meta charset="utf-8"><title>Profile of ${escapeHtml(profile.file)}</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
figure{display:inline-block;margin:8px;vertical-align:top}.flags li{margin:2px 0}code{background:#f3f3f3;padding:0 3px}</style>`;
  const body = [
    `<h1>Profile of ${escapeHtml(profile.file)}</h1>`,
    `<p>${fmt(profile.rows)} rows, ${profile.columns.length} columns, ${fmt(profile.duplicateRows)} duplicated rows${target ? `; target <b>${escapeHtml(target.name)}</b> (${target.task}${target.missing > 0 ? `, missing in ${fmt(target.missing)} rows` : ""})` : ""}; profiled in ${profile.seconds} s.</p>`,
    `<h2>Flags</h2>${flags}`,
    target ? `<h2>Target</h2>${target.classes ? await figure("target", targetChart(profile)) : `<p>mean ${fmt(target.numeric?.mean)}, sd ${fmt(target.numeric?.std)}, median ${fmt(target.numeric?.quantiles.p50)}</p>`}` : "",
    `<h2>Columns</h2><table><tr><th>column</th><th>type</th><th>missing</th><th>distinct</th><th>min / mean / max or top values</th><th>vs target</th><th>flags</th></tr>${profile.columns.map((c) => columnRow(c, target?.name)).join("")}</table>`,
    profile.correlations.columns.length >= 2 ? `<h2>Correlations</h2>${await figure("correlation", heatmap(profile))}` : "",
    `<h2>Distributions</h2>${columnCharts.join("")}`,
  ].join("\n");
  return `<!doctype html>\n<html lang="en"><head>${head}</head><body>\n${body}\n</body></html>\n`;
}

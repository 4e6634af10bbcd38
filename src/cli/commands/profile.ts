import { profileFile, formatFlag, renderProfileHtml, type ColumnProfile, type DataProfile } from "../../evaluation/profile/index.js";
import type { CommandSpec, ParsedArgs } from "../args.js";
import { DATA_OPTIONS, asFlagError, readOptionsFrom, writeFileAtomic } from "../common.js";
import { type Console, formatNumber, formatSeconds, formatTable, notesTo } from "../output.js";

/** `learnloop profile`: the data options that make sense before training, plus --html. */
export const profileCommand: CommandSpec = {
  name: "profile",
  summary: "profile a dataset: column statistics, association with the target, correlations and flags",
  usage: "learnloop profile <data> [--target <col>] [--json] [--html <file>]",
  positionals: [1, 1],
  positionalNames: ["<data>"],
  options: {
    target: DATA_OPTIONS.target!,
    task: DATA_OPTIONS.task!,
    categorical: DATA_OPTIONS.categorical!,
    ignore: DATA_OPTIONS.ignore!,
    derive: DATA_OPTIONS.derive!,
    html: { type: "string", value: "<file>", doc: "also write a self-contained HTML report with charts" },
  },
  examples: [
    'learnloop profile node_modules/vega-datasets/data/flights-3m.parquet --target delayed --derive "delayed=delay > 15" --ignore delay --html flights.html',
    "learnloop profile penguins.json --target Species --json",
  ],
};

/** Runs `learnloop profile`: a table on stderr, the profile as the `--json` document, the HTML report. */
export async function runProfile(args: ParsedArgs, console: Console): Promise<DataProfile> {
  const [file] = args.positionals as [string];
  const note = notesTo(console);
  const read = readOptionsFrom(args.values, note);
  const profile = await profileFile(file, {
    ...(read.target !== undefined ? { target: read.target } : {}),
    ...(read.task !== undefined ? { task: read.task } : {}),
    ignore: read.ignore ?? [],
    categorical: read.categorical ?? [],
    derive: read.derive ?? [],
    onWarning: note,
  }).catch((error: unknown) => {
    throw asFlagError(error);
  });
  if (typeof args.values.html === "string") await writeFileAtomic(args.values.html, await renderProfileHtml(profile));
  console.err(summaryText(profile, typeof args.values.html === "string" ? args.values.html : undefined));
  return profile;
}

function percent(share: number): string {
  if (share === 0) return "0%";
  const value = share * 100;
  return value < 0.1 ? "<0.1%" : `${value.toFixed(value < 10 ? 1 : 0)}%`;
}

function valueText(column: ColumnProfile): string {
  if (column.numeric) return `${formatNumber(column.numeric.min)} / ${formatNumber(column.numeric.mean)} / ${formatNumber(column.numeric.max)}`;
  if (column.datetime) return `${column.datetime.min.slice(0, 10)} .. ${column.datetime.max.slice(0, 10)}`;
  const top = column.top[0];
  // Line breaks and tabs inside a value would break the table's rows: shown escaped, as JSON does.
  const value = top?.value.replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
  return top && value !== undefined ? `${value.length > 18 ? value.slice(0, 17) + "…" : value} (${percent(top.share)})` : "";
}

function associationText(column: ColumnProfile): string {
  const a = column.association;
  if (!a) return "";
  if (a.rocAuc !== undefined) return `auc ${a.rocAuc.toFixed(3)}`;
  if (a.correlation !== undefined) return `r ${a.correlation.toFixed(3)}`;
  if (a.r2 !== undefined) return `eta2 ${a.r2.toFixed(3)}`;
  return `nmi ${a.normalizedMutualInformation.toFixed(3)}`;
}

function summaryText(profile: DataProfile, html: string | undefined): string {
  const target = profile.target;
  const header = `${profile.file}: ${profile.rows.toLocaleString("en-US")} rows, ${profile.columns.length} columns${target ? `, target "${target.name}" (${target.task})` : ""}, ${profile.duplicateRows.toLocaleString("en-US")} duplicated rows; profiled in ${formatSeconds(profile.seconds)}\n\n`;
  const rows = profile.columns.map((column) => [
    column.name === target?.name ? `${column.name} (target)` : column.name,
    column.type,
    percent(column.missingShare),
    column.distinct,
    valueText(column),
    associationText(column),
    column.flags.join(","),
  ]);
  const table = formatTable(["column", "type", "missing", "distinct", "min / mean / max or top value", "vs target", "flags"], rows);
  const classes = target?.classes ? `\ntarget classes: ${target.classes.map((c) => `${c.value} ${c.count.toLocaleString("en-US")} (${percent(c.share)})`).join(", ")}\n` : "";
  const flags = profile.flags.length > 0 ? `\nflags:\n${profile.flags.map((flag) => `  - ${formatFlag(flag)}`).join("\n")}\n` : "\nno flags\n";
  return header + table + classes + flags + (html ? `wrote ${html}\n` : "");
}

import { InvalidParameterError } from "../../core/errors.js";
import type { FeatureImportance } from "../../models/types.js";
import { GbdtModel, type DumpedNode } from "../../models/gbdt/index.js";
import { ForestModel } from "../../models/forest/index.js";
import type { SharedDumpedNode } from "../../models/forest/model.js";
import { readModelFile } from "../../models/registry.js";
import { choiceOption, type CommandSpec, type ParsedArgs } from "../args.js";
import { checkOutputDirectory, describeTarget, writeFileAtomic } from "../common.js";
import { type Console, formatNumber, formatTable } from "../output.js";

export const inspectCommand: CommandSpec = {
  name: "inspect",
  summary: "show what a model file holds (task, features, parameters, how the fit went, feature importance); dump its trees as JSON",
  usage: "learnloop inspect <model> [--importance gain|split] [--trees <file.json>]",
  positionals: [1, 1],
  positionalNames: ["<model>"],
  options: {
    importance: { type: "string", value: "<gain|split>", doc: "tree models: rank the features by the total gain of their splits (default) or by how many splits use them" },
    trees: { type: "string", value: "<file.json>", doc: "tree models: write every tree as JSON (feature, threshold or categories, side of missing values, gain and rows of each split; leaf values, or each class's share in a multiclass forest's leaves)" },
  },
  examples: ["learnloop inspect flights.model", "learnloop inspect flights.model --importance split --trees flights-trees.json --json"],
};

/** The JSON file `--trees` writes: the trees and what it takes to turn their leaves into predictions. */
export interface TreeDump {
  kind: string;
  task: string;
  target: string;
  classes?: readonly string[];
  /** How a prediction is made from the trees' leaves. */
  prediction: string;
  /**
   * Trees per round (gbdt) or per bag (forest): tree t adds to output t mod outputs. A multiclass forest
   * stored with shared leaves ("gini-shared") has one tree per bag, adding to every output (class).
   */
  outputs: number;
  /** gbdt: each output's raw score before any tree. */
  baseScores?: readonly number[];
  /** gbdt: the loss, which names the link from raw scores to predictions. */
  loss?: string;
  /** "gini-shared": a multiclass forest's trees, stored once per bag with every class's share in their leaves. */
  layout?: "gini-shared";
  /** Each tree with the output it adds to; "gini-shared": each bag's tree, its leaves holding the shares of every class by name. */
  trees: ({ tree: number; output: number; root: DumpedNode } | { tree: number; root: SharedDumpedNode })[];
}

/** The `--json` document of `learnloop inspect`. */
export interface InspectResult {
  file: string;
  kind: string;
  task: string;
  target: string;
  classes?: readonly string[];
  features: { name: string; kind: string; categories?: number }[];
  params: Readonly<Record<string, unknown>>;
  training: Readonly<Record<string, number | string | boolean | null>>;
  /** The held-out metrics saved with the model, when train saved them. */
  metrics?: Readonly<Record<string, number>>;
  createdAt: string;
  learnloopVersion: string;
  fingerprint?: string;
  /** type: "gain" or "split" (tree models); "margin" (linear: the standard deviation of the feature's contribution to the margin). */
  importance: { type: string; features: FeatureImportance[] };
  /** With --trees: where the dump went and how many trees it holds. */
  trees?: { out: string; count: number };
  /**
   * A multiclass forest stored with shared leaves ("gini-shared"): its trees as stored, one per bag, each
   * leaf holding the shares of every class; the leaves and the deepest leaf's depth (the root's is 0) over them.
   */
  sharedTrees?: { layout: "gini-shared"; trees: number; classes: number; leaves: number; maxDepth: number };
}

/** `learnloop inspect <model>`: the model file's summary on stderr (or --json), its trees to --trees. */
export async function runInspect(args: ParsedArgs, console: Console): Promise<InspectResult> {
  const [file] = args.positionals as [string];
  const values = args.values;
  const type = choiceOption(values, "importance", ["gain", "split"] as const) ?? "gain";
  const out = typeof values.trees === "string" ? values.trees : undefined;
  if (out) checkOutputDirectory("--trees", out);
  const { model, header } = await readModelFile(file);
  const trees = model instanceof GbdtModel || model instanceof ForestModel ? model : undefined;
  for (const [flag, given] of [["importance", values.importance], ["trees", values.trees]] as const) {
    if (given !== undefined && !trees) throw new InvalidParameterError(`--${flag}`, `used with a tree model (gbdt, forest); ${file} is a ${model.kind} model`, given);
  }
  const importance = trees ? trees.importance(type) : model.importance();
  const target = model.schema.target;
  const result: InspectResult = {
    file,
    kind: model.kind,
    task: model.task,
    target: target.name,
    ...(target.classes ? { classes: target.classes } : {}),
    features: model.schema.features.map((feature) => ({ name: feature.name, kind: feature.kind, ...(feature.categories ? { categories: feature.categories.length } : {}) })),
    params: model.params,
    training: model.fitSummary(),
    ...(header.metrics ? { metrics: header.metrics } : {}),
    createdAt: header.createdAt,
    learnloopVersion: header.learnloopVersion,
    ...(header.fingerprint ? { fingerprint: header.fingerprint } : {}),
    importance: { type: trees ? type : "margin", features: importance },
  };
  const forest = model instanceof ForestModel ? model : undefined;
  const shared = forest?.dumpSharedTrees();
  if (forest && shared) result.sharedTrees = { layout: "gini-shared", trees: shared.length, classes: forest.state.nOutputs, ...leavesAndDepth(shared) };
  if (out && trees) {
    const dump = treeDump(trees, shared ?? null);
    await writeFileAtomic(out, JSON.stringify(dump) + "\n");
    result.trees = { out, count: dump.trees.length };
  }
  console.err(describe(result));
  return result;
}

/**
 * The trees of a boosted or forest model, each with the output it adds to, and how to combine them; a
 * multiclass forest stored with shared leaves ("gini-shared"): each bag's tree once, its leaves holding
 * every class's share, as stored (`sharedTrees`: dumpSharedTrees(), when the caller has it already).
 */
export function treeDump(model: GbdtModel | ForestModel, sharedTrees: SharedDumpedNode[] | null = model instanceof ForestModel ? model.dumpSharedTrees() : null): TreeDump {
  const target = model.schema.target;
  const base = { kind: model.kind, task: model.task, target: target.name, ...(target.classes ? { classes: target.classes } : {}) };
  if (model instanceof GbdtModel) {
    const { nRaw, baseScores, loss } = model.state;
    const link = loss === "log_loss" ? (nRaw === 1 ? "the sigmoid of the raw score is P(class 1)" : "the softmax of the raw scores gives the class probabilities") : loss === "poisson" ? "the prediction is exp(raw score)" : "the raw score is the prediction";
    return {
      ...base,
      prediction: `raw score of output k = baseScores[k] + the sum of the leaves reached in the trees of output k; ${link}`,
      outputs: nRaw,
      baseScores,
      loss,
      trees: model.dumpTrees().map((root, tree) => ({ tree, output: tree % nRaw, root })),
    };
  }
  const { nOutputs } = model.state;
  if (sharedTrees) {
    return {
      ...base,
      prediction: "P(class) = the class's share in the leaf reached, averaged over the trees, normalised to sum 1 over the classes (each tree is stored once, its leaves holding every class's share)",
      outputs: nOutputs,
      layout: "gini-shared",
      trees: sharedTrees.map((root, tree) => ({ tree, root })),
    };
  }
  const averaged = model.task === "regression" ? "the prediction" : nOutputs === 1 ? "P(class 1)" : "each class's share (normalised to sum 1 over the classes)";
  return {
    ...base,
    prediction: `output k = the mean of the leaves reached in the trees of output k: ${averaged}`,
    outputs: nOutputs,
    trees: model.dumpTrees().map((root, tree) => ({ tree, output: tree % nOutputs, root })),
  };
}

/** Leaves of `trees` and the depth of the deepest (a root leaf's is 0), walked without recursion. */
function leavesAndDepth(trees: readonly SharedDumpedNode[]): { leaves: number; maxDepth: number } {
  let leaves = 0;
  let maxDepth = 0;
  const stack: [SharedDumpedNode, number][] = trees.map((root) => [root, 0]);
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if ("shares" in node) {
      leaves++;
      maxDepth = Math.max(maxDepth, depth);
    } else stack.push([node.left, depth + 1], [node.right, depth + 1]);
  }
  return { leaves, maxDepth };
}

function describe(result: InspectResult): string {
  const categorical = result.features.filter((feature) => feature.kind === "categorical").length;
  const listed = (entries: [string, unknown][]) => entries.map(([name, value]) => `${name} ${typeof value === "number" ? formatNumber(value) : String(value)}`).join(", ");
  const lines = [
    `${result.file}: ${result.kind} model, target "${result.target}" (${describeTarget({ task: result.task, ...(result.classes ? { classes: result.classes } : {}) })}), ` +
      `${result.features.length} feature${result.features.length === 1 ? "" : "s"}${categorical > 0 ? ` (${categorical} categorical)` : ""}; saved ${result.createdAt} by learnloop ${result.learnloopVersion}`,
    `training: ${listed(Object.entries(result.training))}`,
  ];
  const shared = result.sharedTrees;
  if (shared) {
    const count = (n: number) => n.toLocaleString("en-US");
    lines.push(`trees: ${count(shared.trees)} (one per bag, stored once: each leaf holds the shares of the ${shared.classes} classes), ${count(shared.leaves)} leaves, depth up to ${shared.maxDepth}`);
  }
  if (result.metrics) lines.push(`held-out metrics: ${listed(Object.entries(result.metrics))}`);
  lines.push(`parameters: ${listed(Object.entries(result.params).filter(([, value]) => value !== null))}`);
  const total = result.importance.features.reduce((sum, item) => sum + Math.max(0, item.importance), 0);
  const measures = { gain: "total gain of its splits", split: "number of splits", margin: "standard deviation of its contribution to the margin" } as Record<string, string>;
  const title = `feature importance (${measures[result.importance.type] ?? result.importance.type})`;
  lines.push(
    "",
    title,
    formatTable(
      ["feature", "importance", "share"],
      result.importance.features.map((item) => [item.feature, item.importance, (total > 0 ? `${((100 * Math.max(0, item.importance)) / total).toFixed(1)}%` : "-").padStart(6)]),
    ).trimEnd(),
  );
  if (result.trees) lines.push("", `wrote ${result.trees.count.toLocaleString("en-US")} trees to ${result.trees.out}`);
  return lines.join("\n") + "\n";
}

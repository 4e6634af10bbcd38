/**
 * The model families learnloop knows: for each, its hyperparameter schema, how to build an estimator
 * from validated params, and how to load a fitted model from a model file. The CLI, and later the HTTP
 * API and the autopilot, go through this table, so a new family is one entry here.
 */
import { readFile } from "node:fs/promises";
import { DataValidationError, InvalidParameterError, ModelFormatError } from "../core/errors.js";
import type { ParamSchema } from "../core/params.js";
import { decodeModelFile, type ModelContent, type ModelHeader, type ModelLoader } from "./format.js";
import { FOREST_PARAMS, RandomForest, loadForestModel } from "./forest/index.js";
import { GBDT_PARAMS, GradientBoosting, loadGbdtModel } from "./gbdt/index.js";
import { LINEAR_PARAMS, LinearEstimator, loadLinearModel } from "./linear/index.js";
import type { Estimator, Model } from "./types.js";

/** One model family. */
export interface ModelFamily {
  readonly kind: string;
  readonly summary: string;
  readonly params: ParamSchema;
  create(params: Readonly<Record<string, unknown>>): Estimator;
  readonly load: ModelLoader<Model>;
}

/** Every model family, by kind. */
export const MODEL_FAMILIES: Readonly<Record<string, ModelFamily>> = {
  gbdt: {
    kind: "gbdt",
    summary: "histogram gradient-boosted trees (leaf-wise), native missing values and categorical splits",
    params: GBDT_PARAMS,
    create: (params) => new GradientBoosting(params),
    load: loadGbdtModel,
  },
  forest: {
    kind: "forest",
    summary: "random forest: bagged histogram trees (per-tree feature sampling), out-of-bag score, native missing values and categorical splits",
    params: FOREST_PARAMS,
    create: (params) => new RandomForest(params),
    load: loadForestModel,
  },
  linear: {
    kind: "linear",
    summary: "logistic regression (classification) or linear regression, with standardization, one-hot encoding and imputation built in",
    params: LINEAR_PARAMS,
    create: (params) => new LinearEstimator(params),
    load: loadLinearModel,
  },
};

/** The family `learnloop train` uses when --model is not given. */
export const DEFAULT_MODEL_KIND = "gbdt";

/** The family of `kind`, or an InvalidParameterError listing the known ones. */
export function modelFamily(kind: string): ModelFamily {
  const family = MODEL_FAMILIES[kind];
  if (!family) throw new InvalidParameterError("model", `one of ${Object.keys(MODEL_FAMILIES).join(", ")}`, kind);
  return family;
}

/**
 * Loads a fitted model from model-file bytes: format checks first (see ./format.ts), then the family's
 * loader.
 *
 * @example
 * const model = loadModel(readFileSync("flights.model"));
 */
export function loadModel(bytes: Uint8Array, file?: string): Model {
  return modelFromContent(decodeModelFile(bytes, file), file);
}

/** Loads a model from a model file's bytes and returns its header too (metrics, decision rule...). */
export function loadModelWithHeader(bytes: Uint8Array, file?: string): { model: Model; header: ModelHeader } {
  const content = decodeModelFile(bytes, file);
  return { model: modelFromContent(content, file), header: content.header };
}

function modelFromContent(content: ModelContent, file?: string): Model {
  const family = MODEL_FAMILIES[content.header.kind];
  if (!family) throw new ModelFormatError("unknown_model_kind", `"${content.header.kind}" (known: ${Object.keys(MODEL_FAMILIES).join(", ")})`, file);
  return family.load(content, file);
}

/** Reads and loads a model file; a missing file is a one-line error naming it. */
export async function loadModelFile(file: string): Promise<Model> {
  return (await readModelFile(file)).model;
}

/** Reads a model file: the model, the file's header (metrics, fingerprint, decision rule...) and its bytes. */
export async function readModelFile(file: string): Promise<{ model: Model; header: ModelHeader; bytes: Uint8Array }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new DataValidationError({ code: "file_not_found", file });
    throw new DataValidationError({ code: "unreadable_file", file, detail: (error as Error).message });
  }
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ...loadModelWithHeader(view, file), bytes: view };
}

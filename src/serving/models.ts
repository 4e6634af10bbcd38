/**
 * The models a service serves: the registry's champions, loaded from the artifact store (checksum
 * verified by the store, then the model file's own checksum by the loader) and swapped in when the
 * champion changes.
 *
 * A swap replaces one entry of a Map: a request takes its model once, at its start, and finishes on it,
 * so requests in flight finish on the old model and later ones get the new one; there is no moment
 * without a model. A champion that fails to load or verify is refused (reported, counted) and the model
 * being served keeps serving; the refused version is not tried again until the champion changes or a
 * reload is asked for.
 */
import { StoreError } from "../core/errors.js";
import { formatError } from "../core/messages.js";
import { decodeModelFile, type ModelHeader } from "../models/format.js";
import { loadModelWithHeader } from "../models/registry.js";
import type { Model } from "../models/types.js";
import type { ArtifactStore, ModelVersion, Registry } from "../tracking/types.js";
import { RowReader } from "./rows.js";

/** One loaded model version, ready to predict. Immutable: a new version is a new ServedModel. */
export interface ServedModel {
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
  readonly model: Model;
  readonly header: ModelHeader;
  readonly reader: RowReader;
  /** Class labels of a classifier, in probability-column order. */
  readonly classes?: readonly string[];
  /** The decision threshold on P(classes[1]) of a binary classifier saved with a decision rule. */
  readonly threshold?: number;
  /** The model's allocation-free one-row path, when it has one (gradient-boosted trees and random forests). */
  readonly predictRow?: (row: Float64Array, out?: Float64Array) => Float64Array;
  readonly loadedAt: string;
}

/** What an observed outcome of one model version's predictions is: one of its classes, or a number. */
export interface OutcomeLabels {
  readonly name: string;
  readonly version: number;
  /** The target column's name. */
  readonly target: string;
  /** The classes of a classifier; undefined for a regression, whose outcomes are numbers. */
  readonly classes?: readonly string[];
}

/** Versions whose outcome labels are remembered (their model files' headers, read once each). */
const REMEMBERED_LABELS = 256;

function labelsOf(name: string, version: number, header: Pick<ModelHeader, "task" | "schema">): OutcomeLabels {
  const classes = header.task === "regression" ? undefined : header.schema.target.classes;
  return { name, version, target: header.schema.target.name, ...(classes ? { classes } : {}) };
}

/**
 * What outcomes of `version` of `name` are, as its model file in the store says (its header only: the
 * model is not built): for the service's feedback check of a version it does not serve, and for `models
 * show`'s live metrics, which have no service.
 */
export async function storedOutcomeLabels(store: Registry & ArtifactStore, name: string, version: number): Promise<OutcomeLabels> {
  const registered = await store.getVersion(name, version);
  if (!registered) throw new StoreError("not_found", "registry", `version ${version} of model "${name}" made logged predictions, but the registry has no such version`);
  const { header } = decodeModelFile(await store.getArtifact(registered.sha256), `${name} version ${version}`);
  return labelsOf(name, version, header);
}

/** What a check of the registry did for one model. */
export interface ModelCheck {
  readonly name: string;
  /** "loaded" (a new version swapped in), "unchanged", "refused" (failed to load: the old one keeps serving), "no_champion". */
  readonly status: "loaded" | "unchanged" | "refused" | "no_champion";
  /** The version being served after the check (undefined when none is). */
  readonly version?: number;
  /** The champion's version when it was refused. */
  readonly refusedVersion?: number;
  /** The one-line reason of a refusal. */
  readonly error?: string;
}

/** Events of a ModelHost, for the service's log and metrics. */
export interface ModelHostEvents {
  onLoaded?(model: ServedModel, previous: ServedModel | undefined): void;
  onRefused?(name: string, version: number, message: string): void;
}

/** Loads model-file bytes into a ServedModel; throws ModelFormatError for a bad file. */
export function servedModelOf(version: Pick<ModelVersion, "name" | "version" | "sha256">, bytes: Uint8Array): ServedModel {
  const file = `${version.name} version ${version.version}`;
  const { model, header } = loadModelWithHeader(bytes, file);
  const classes = model.task === "regression" ? undefined : model.schema.target.classes;
  const threshold = model.task === "binary" ? header.decision?.threshold : undefined;
  const fast = (model as Partial<{ predictRow(row: Float64Array, out?: Float64Array): Float64Array }>).predictRow;
  // A first call here, while loading, rather than in the first request: GbdtModel compiles its trees
  // to code on it (src/kernels/tree-compile.ts).
  if (typeof fast === "function") fast.call(model, new Float64Array(model.schema.features.length));
  return {
    name: version.name,
    version: version.version,
    sha256: version.sha256,
    model,
    header,
    reader: new RowReader(model.schema),
    ...(classes ? { classes } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(typeof fast === "function" ? { predictRow: fast.bind(model) } : {}),
    loadedAt: new Date().toISOString(),
  };
}

/** The served models, kept in step with the registry's champions. */
export class ModelHost {
  readonly #store: Registry & ArtifactStore;
  /** The names asked for, or undefined for every registered model that has a champion. */
  readonly #names: readonly string[] | undefined;
  readonly #events: ModelHostEvents;
  readonly #served = new Map<string, ServedModel>();
  /** Why each champion refused (`${name}@${version}@${sha256}`) was refused, so a bad one is not reloaded every poll. */
  readonly #refused = new Map<string, string>();
  /** The last refused champion of each name, until a version of it loads or it has no champion. */
  readonly #refusals = new Map<string, { readonly version: number; readonly error: string }>();
  /** Outcome labels of versions no longer served (or never), by `${name}@${version}`, oldest first. */
  readonly #labels = new Map<string, Promise<OutcomeLabels>>();
  #checking: Promise<ModelCheck[]> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: Registry & ArtifactStore, names: readonly string[] | undefined, events: ModelHostEvents = {}) {
    this.#store = store;
    this.#names = names && names.length > 0 ? [...names] : undefined;
    this.#events = events;
  }

  /** The model served under `name` right now. */
  get(name: string): ServedModel | undefined {
    return this.#served.get(name);
  }

  /**
   * Why `name` serves nothing newer: its champion's version and the one-line reason it was refused
   * (undefined when its champion loaded). With `get(name)` undefined, this tells a client's "not served"
   * apart from "its champion failed to load".
   */
  refusal(name: string): { readonly version: number; readonly error: string } | undefined {
    return this.#refusals.get(name);
  }

  /** Every name whose champion was refused, by name: its version and why (see `refusal`). */
  refusals(): { readonly name: string; readonly version: number; readonly error: string }[] {
    return [...this.#refusals].map(([name, refused]) => ({ name, ...refused })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * What outcomes of predictions made by `version` of `name` are: the served model's classes when it is
   * that version; otherwise read once from the version's model file in the registry (its header only: the
   * model is not built) and remembered. Versions are immutable, so what is remembered stays true.
   */
  outcomeLabels(name: string, version: number): Promise<OutcomeLabels> {
    const served = this.#served.get(name);
    if (served && served.version === version) return Promise.resolve(labelsOf(name, version, served.model));
    const key = `${name}@${version}`;
    let labels = this.#labels.get(key);
    if (labels === undefined) {
      labels = storedOutcomeLabels(this.#store, name, version);
      this.#remember(key, labels);
      // A failure (the store down) is not remembered: the next request reads again.
      labels.catch(() => {
        if (this.#labels.get(key) === labels) this.#labels.delete(key);
      });
    }
    return labels;
  }

  #remember(key: string, labels: Promise<OutcomeLabels>): void {
    this.#labels.delete(key);
    this.#labels.set(key, labels);
    if (this.#labels.size > REMEMBERED_LABELS) this.#labels.delete(this.#labels.keys().next().value!);
  }

  /** Every model served right now. */
  all(): ServedModel[] {
    return [...this.#served.values()];
  }

  /** True once every model asked for is loaded (with no list: once at least one is). */
  get ready(): boolean {
    if (this.#names) return this.#names.every((name) => this.#served.has(name));
    return this.#served.size > 0;
  }

  /** The names that should be served: the list given, or the registry's models that have a champion. */
  async #wanted(): Promise<string[]> {
    if (this.#names) return [...this.#names];
    const models = await this.#store.listModels();
    return models.filter((model) => model.championVersion !== undefined).map((model) => model.name);
  }

  /**
   * Checks every model's champion and loads those that changed. With `retry`, champions refused earlier
   * are tried again (an operator fixed the store). Checks never overlap: a call during a check waits for
   * it and then checks again.
   */
  async check(options: { retry?: boolean } = {}): Promise<ModelCheck[]> {
    while (this.#checking) await this.#checking.catch(() => undefined);
    if (options.retry) this.#refused.clear();
    const run = this.#checkAll();
    this.#checking = run;
    try {
      return await run;
    } finally {
      this.#checking = undefined;
    }
  }

  async #checkAll(): Promise<ModelCheck[]> {
    const checks: ModelCheck[] = [];
    for (const name of await this.#wanted()) checks.push(await this.#checkOne(name));
    return checks;
  }

  async #checkOne(name: string): Promise<ModelCheck> {
    const current = this.#served.get(name);
    const champion = await this.#store.champion(name).catch((error: unknown) => {
      // An unknown name (models named with --models that were never registered) has no champion.
      if ((error as { code?: string }).code === "not_found") return undefined;
      throw error;
    });
    if (!champion) {
      this.#refusals.delete(name);
      return { name, status: "no_champion", ...(current ? { version: current.version } : {}) };
    }
    if (current && current.version === champion.version && current.sha256 === champion.sha256) {
      // A rollback to the version being served, after a newer one was refused.
      this.#refusals.delete(name);
      return { name, status: "unchanged", version: current.version };
    }
    const key = `${name}@${champion.version}@${champion.sha256}`;
    const refusedBefore = this.#refused.get(key);
    if (refusedBefore !== undefined) {
      // Promoted again after another version was served or none: the reason is still the one to give.
      this.#refusals.set(name, { version: champion.version, error: refusedBefore });
      return { name, status: "refused", refusedVersion: champion.version, ...(current ? { version: current.version } : {}) };
    }
    let loaded: ServedModel;
    try {
      const bytes = await this.#store.getArtifact(champion.sha256);
      loaded = servedModelOf(champion, bytes);
    } catch (error) {
      const message = formatError(error);
      this.#refused.set(key, message);
      this.#refusals.set(name, { version: champion.version, error: message });
      this.#events.onRefused?.(name, champion.version, message);
      return { name, status: "refused", refusedVersion: champion.version, error: message, ...(current ? { version: current.version } : {}) };
    }
    this.#served.set(name, loaded);
    // Outcomes of the version swapped out still come: its classes are kept, so no file is read for them.
    if (current) this.#remember(`${name}@${current.version}`, Promise.resolve(labelsOf(name, current.version, current.model)));
    this.#refusals.delete(name);
    this.#events.onLoaded?.(loaded, current);
    return { name, status: "loaded", version: loaded.version };
  }

  /**
   * Checks the registry every `intervalMs` (0: never) until `stop`. Errors are reported to `onError`,
   * never thrown; `onChecked` hears of each check that worked (to say when a failing store recovers).
   */
  start(intervalMs: number, onError: (error: unknown) => void, onChecked?: () => void): void {
    if (intervalMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#checking) return;
      this.check().then(onChecked, onError);
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops polling and waits for a check under way. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#checking?.catch(() => undefined);
  }
}

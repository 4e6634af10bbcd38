/**
 * JSON schemas of the service's routes: they validate request bodies, make Fastify serialise answers
 * with compiled serialisers (fast-json-stringify) rather than JSON.stringify, and are the OpenAPI
 * document (/openapi.json, built by @fastify/swagger from these).
 */

const errorBody = {
  type: "object",
  description: "Every error: one line saying what is wrong and, where it applies, which row and field.",
  properties: { error: { type: "string" } },
  required: ["error"],
} as const;

const errors = (...codes: number[]): Record<string, typeof errorBody> => Object.fromEntries(codes.map((code) => [String(code), errorBody]));

/** Every route answers 503 to a request that comes while the service shuts down (and at the request-time limit). */
const unavailable = errors(503);

const modelParams = {
  type: "object",
  properties: { name: { type: "string", description: "The registered model's name" } },
  required: ["name"],
} as const;

const modelRef = {
  type: "object",
  properties: { name: { type: "string" }, version: { type: "integer" } },
  required: ["name", "version"],
} as const;

export const predictRoute = {
  summary: "Predict rows with the model's champion",
  description:
    "Each row holds the input columns the model was trained on (GET /v1/models lists them): numbers for numeric features, category text for categorical ones, an ISO-8601 string or epoch milliseconds for a date column, null for a missing value. Every prediction gets an id to send feedback with.",
  tags: ["predictions"],
  params: modelParams,
  querystring: {
    type: "object",
    properties: { unknown: { type: "string", enum: ["error", "missing"], description: "An unknown category: a 400 (error), or read as a missing value" } },
  },
  body: {
    type: "object",
    properties: { rows: { type: "array", items: { type: "object" }, description: "One row, or up to the service's --max-batch (default 10000; more rows are a 400, a body over --max-body a 413)" } },
    required: ["rows"],
  },
  response: {
    200: {
      type: "object",
      properties: {
        model: modelRef,
        predictions: {
          type: "array",
          items: {
            type: "object",
            properties: {
              id: { type: "string", description: "The prediction id, for feedback" },
              prediction: { type: ["string", "number"], description: "The class label (classification) or the value (regression)" },
              probabilities: { type: "object", additionalProperties: { type: "number" }, description: "P(class) by class label (classification)" },
              decision: { type: "string", description: "The class the model's saved decision rule chooses (binary classifiers saved with one)" },
            },
            required: ["id", "prediction"],
          },
        },
      },
      required: ["model", "predictions"],
    },
    ...errors(400, 404, 413, 415, 503),
  },
} as const;

export const feedbackRoute = {
  summary: "Record observed outcomes of earlier predictions",
  tags: ["feedback"],
  security: [{ bearer: [] }],
  params: modelParams,
  body: {
    type: "object",
    properties: {
      outcomes: {
        type: "array",
        description: "Up to the service's --max-batch outcomes (more are a 400); each label is checked against the classes of the model version that made that prediction",
        items: {
          type: "object",
          properties: { id: { type: "string" }, label: { description: "The observed class label, or value for regression" } },
          required: ["id", "label"],
        },
      },
    },
    required: ["outcomes"],
  },
  response: {
    200: {
      type: "object",
      properties: {
        recorded: { type: "integer", description: "Outcomes joined to a logged prediction" },
        unknown: { type: "integer", description: "Outcomes whose id is not a logged prediction of this model" },
        unknownIds: { type: "array", items: { type: "string" } },
      },
      required: ["recorded", "unknown", "unknownIds"],
    },
    ...errors(400, 401, 404, 413, 415, 503),
  },
} as const;

export const modelsRoute = {
  summary: "The models being served",
  tags: ["models"],
  response: {
    200: {
      type: "object",
      properties: {
        models: {
          type: "array",
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              version: { type: "integer" },
              kind: { type: "string" },
              task: { type: "string" },
              target: { type: "string" },
              classes: { type: "array", items: { type: "string" } },
              threshold: { type: "number" },
              fields: { type: "array", items: { type: "string" }, description: "The input columns a row must hold" },
              loadedAt: { type: "string" },
            },
            required: ["name", "version", "kind", "task", "target", "fields", "loadedAt"],
          },
        },
        refused: {
          type: "array",
          description: "Champions that failed to load or verify, by name: the version refused, why, and the version that keeps serving under the name (absent when none does)",
          items: {
            type: "object",
            properties: { name: { type: "string" }, version: { type: "integer" }, error: { type: "string" }, serving: { type: "integer" } },
            required: ["name", "version", "error"],
          },
        },
      },
      required: ["models", "refused"],
    },
    ...unavailable,
  },
} as const;

const liveWindow = {
  labelled: { type: "integer", description: "Labelled predictions in this window" },
  from: { type: "string", description: "The time of the oldest of these predictions" },
  to: { type: "string", description: "The time of the newest of these predictions" },
  metrics: {
    type: "object",
    additionalProperties: { type: "number" },
    description: "scikit-learn's definitions. binary: accuracy, roc_auc, log_loss (and decision_accuracy when the answers carry a decision); multiclass: accuracy, log_loss; regression: rmse, mae, r2",
  },
  notes: { type: "array", items: { type: "string" }, description: "Metrics left out because the window leaves them undefined, each with why" },
} as const;

export const liveRoute = {
  summary: "Live metrics: the model's predictions scored against the outcomes sent as feedback",
  description: "Over the latest `limit` predictions of the model that have an observed outcome, per model version that made them (newest version first), and in total when more than one version did.",
  tags: ["models"],
  params: modelParams,
  querystring: {
    type: "object",
    properties: { limit: { type: "string", description: "How many of the latest labelled predictions to score: 1 to 100000 (default 1000)" } },
  },
  response: {
    200: {
      type: "object",
      properties: {
        model: { type: "string" },
        labelled: { type: "integer", description: "Labelled predictions scored" },
        versions: {
          type: "array",
          items: {
            type: "object",
            properties: { version: { type: "integer" }, task: { type: "string", enum: ["binary", "multiclass", "regression"] }, ...liveWindow },
            required: ["version", "task", "labelled", "from", "to", "metrics"],
          },
        },
        total: { type: "object", properties: liveWindow, required: ["labelled", "from", "to", "metrics"] },
      },
      required: ["model", "labelled", "versions"],
    },
    ...errors(400, 404, 503),
  },
} as const;

export const reloadRoute = {
  summary: "Check the registry for new champions now",
  description: "Loads champions that changed and retries ones refused before; a champion that fails to load is refused and the model being served keeps serving.",
  tags: ["admin"],
  security: [{ bearer: [] }],
  response: {
    200: {
      type: "object",
      properties: {
        models: {
          type: "array",
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              status: { type: "string", enum: ["loaded", "unchanged", "refused", "no_champion"] },
              version: { type: "integer" },
              refusedVersion: { type: "integer" },
              error: { type: "string" },
            },
            required: ["name", "status"],
          },
        },
      },
      required: ["models"],
    },
    // The route takes no body, but Fastify reads one sent: a JSON Content-Type with no body is a 400, a
    // body of another type a 415, one over the limit a 413.
    ...errors(400, 401, 413, 415, 503),
  },
} as const;

export const healthRoute = {
  summary: "Liveness: the process answers",
  tags: ["operations"],
  response: { 200: { type: "object", properties: { status: { type: "string" } }, required: ["status"] }, ...unavailable },
} as const;

export const readyRoute = {
  summary: "Readiness: 200 once the models are loaded, 503 before",
  tags: ["operations"],
  response: {
    200: {
      type: "object",
      properties: { status: { type: "string" }, models: { type: "array", items: modelRef } },
      required: ["status", "models"],
    },
    ...errors(503),
  },
} as const;

export const metricsRoute = {
  summary: "Prometheus metrics (text exposition format)",
  tags: ["operations"],
  produces: ["text/plain"],
  response: { 200: { type: "string", description: "Prometheus text format 0.0.4" }, ...unavailable },
} as const;

export const openapiRoute = {
  summary: "This OpenAPI document",
  tags: ["operations"],
  response: { 200: { type: "object", additionalProperties: true }, ...unavailable },
} as const;

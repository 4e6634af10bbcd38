// The anchor of the serving benchmark: a bare Fastify handler on the same route that parses the same
// JSON body and answers a constant JSON body of the same shape as learnloop's single-row answer, with
// the same response schema. Prints {"port": n}; stops on SIGTERM.
import Fastify from "fastify";

const body = {
  model: { name: "flights", version: 1 },
  predictions: [{ id: "0b6d5e2a-8f3c-4c7e-9d1a-2f4b6c8d0e1f", prediction: "false", probabilities: { false: 0.8234, true: 0.1766 } }],
};
const response = {
  type: "object",
  properties: {
    model: { type: "object", properties: { name: { type: "string" }, version: { type: "integer" } } },
    predictions: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "string" },
          prediction: { type: ["string", "number"] },
          probabilities: { type: "object", additionalProperties: { type: "number" } },
          decision: { type: "string" },
        },
      },
    },
  },
};
const app = Fastify({ logger: false });
app.post("/v1/models/:name/predict", { schema: { response: { 200: response } } }, () => body);
await app.listen({ port: 0, host: "127.0.0.1" });
console.log(JSON.stringify({ port: app.server.address().port }));
process.once("SIGTERM", async () => {
  await app.close();
  process.exit(0);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { ModelFormatError } from "../core/errors.js";
import { formatError } from "../core/messages.js";
import type { Schema } from "../core/types.js";
import { decodeModelFile, encodeModelFile, FORMAT_VERSION } from "./format.js";

const schema: Schema = {
  features: [
    { name: "x", kind: "numeric" },
    { name: "c", kind: "categorical", categories: ["a", "b"] },
  ],
  target: { name: "y", task: "binary", classes: ["no", "yes"] },
};

function sample(): Uint8Array {
  return encodeModelFile(
    { kind: "linear", task: "binary", schema, params: { alpha: 1 }, fingerprint: "abc", metrics: { roc_auc: 0.75 }, state: { note: "ok" } },
    {
      weights: new Float64Array([0.1, -2.5, Math.PI, Number.MIN_VALUE, -0]),
      counts: new Int32Array([1, -2, 3]),
      bins: new Uint8Array([255, 0, 7]),
      empty: new Float32Array(0),
    },
  );
}

function decodeError(bytes: Uint8Array): ModelFormatError {
  try {
    decodeModelFile(bytes, "m.model");
  } catch (error) {
    assert.ok(error instanceof ModelFormatError);
    return error;
  }
  assert.fail("expected a ModelFormatError");
}

test("a model file round-trips its header and arrays bit for bit", () => {
  const { header, arrays } = decodeModelFile(sample());
  assert.equal(header.formatVersion, FORMAT_VERSION);
  assert.equal(header.kind, "linear");
  assert.deepEqual(header.schema, schema);
  assert.deepEqual(header.metrics, { roc_auc: 0.75 });
  assert.deepEqual(header.state, { note: "ok" });
  assert.deepEqual(arrays.weights, new Float64Array([0.1, -2.5, Math.PI, Number.MIN_VALUE, -0]));
  assert.ok(Object.is(arrays.weights![4], -0));
  assert.deepEqual(arrays.counts, new Int32Array([1, -2, 3]));
  assert.deepEqual(arrays.bins, new Uint8Array([255, 0, 7]));
  assert.equal(arrays.empty!.length, 0);
  assert.ok(arrays.empty instanceof Float32Array);
});

test("decoded arrays do not alias the file's buffer", () => {
  const bytes = sample();
  const { arrays } = decodeModelFile(bytes);
  bytes.fill(0);
  assert.equal(arrays.weights![1], -2.5);
});

test("a truncated model file is refused with its size", () => {
  const bytes = sample();
  const error = decodeError(bytes.subarray(0, bytes.length - 40));
  assert.equal(error.code, "truncated");
  assert.equal(formatError(error), `m.model: the model file is truncated (${bytes.length - 40} bytes, expected ${bytes.length})`);
  assert.equal(decodeError(bytes.subarray(0, 5)).code, "truncated");
});

test("a corrupted byte is caught by the checksum", () => {
  const bytes = sample();
  bytes[bytes.length - 60] ^= 0x40;
  const error = decodeError(bytes);
  assert.equal(formatError(error), "m.model: the model file is corrupted (checksum mismatch) (the stored SHA-256 does not match the content)");
});

test("a model file from a newer format version names both versions", () => {
  const bytes = sample();
  new DataView(bytes.buffer).setUint32(8, FORMAT_VERSION + 1, true);
  const error = decodeError(bytes);
  assert.equal(error.code, "newer_format");
  assert.equal(
    formatError(error),
    `m.model: the model file is from a newer format version (format version ${FORMAT_VERSION + 1}; this learnloop 0.1.0 reads versions up to ${FORMAT_VERSION}: upgrade learnloop)`,
  );
});

test("a file that is not a model, or is empty, says so", () => {
  assert.equal(formatError(decodeError(new TextEncoder().encode("a,b,c\n1,2,3\n"))), "m.model: not a learnloop model file (it does not start with the learnloop model signature)");
  assert.equal(formatError(decodeError(new Uint8Array(0))), "m.model: not a learnloop model file (the file is empty)");
});

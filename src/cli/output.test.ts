import assert from "node:assert/strict";
import { it } from "node:test";
import { formatSeconds } from "./output.js";

it("formatSeconds shows durations at one precision, carrying rounded seconds into minutes", () => {
  const cases: [number, string][] = [
    [0.4091, "0.41 s"],
    [9.994, "9.99 s"],
    [9.996, "10.0 s"],
    [22.254, "22.3 s"],
    [59.94, "59.9 s"],
    [59.96, "1 min 00 s"],
    [65.4, "1 min 05 s"],
    [179.6, "3 min 00 s"],
    [906, "15 min 06 s"],
  ];
  for (const [seconds, text] of cases) assert.equal(formatSeconds(seconds), text, `${seconds} s`);
});

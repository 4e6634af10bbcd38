import { test } from "node:test";
import assert from "node:assert/strict";
import { findCsvProblem, guessDelimiter, splitRecord } from "./csv-scan.js";
import { temporaryFile } from "./test-helpers.test.js";

test("finds the first row with the wrong number of fields, honouring quotes", async () => {
  const file = temporaryFile("q.csv", 'a,b,c\n1,"x,y",3\n2,"multi\nline",4\n\n3,4\n');
  assert.deepEqual(await findCsvProblem(file, ","), { kind: "ragged", line: 6, expected: 3, found: 2 });
  const escaped = temporaryFile("e.csv", 'a,b\n"say ""hi""",1\n2,3,4\n');
  assert.deepEqual(await findCsvProblem(escaped, ","), { kind: "ragged", line: 3, expected: 2, found: 3 });
});

test("reports a quote that never closes, and nothing for a sound file", async () => {
  assert.deepEqual(await findCsvProblem(temporaryFile("u.csv", 'a,b\n1,"open\n2,3\n'), ","), { kind: "unterminated_quote", line: 2 });
  assert.equal(await findCsvProblem(temporaryFile("ok.tsv", "a\tb\r\n1\t2\r\n"), "\t"), undefined);
});

test("guesses the delimiter from the header line", () => {
  assert.equal(guessDelimiter("a;b;c"), ";");
  assert.equal(guessDelimiter("a\tb,c\td"), "\t");
  assert.equal(guessDelimiter("single"), ",");
});

test("splits one record, quotes and doubled quotes included", () => {
  assert.deepEqual(splitRecord('a,"b,c","say ""hi""",\r', ","), ["a", "b,c", 'say "hi"', ""]);
});

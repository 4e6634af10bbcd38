// The audit's synthetic high-cardinality set (test/trees-audit.test.ts), as CSV for bench/highcard:
// categories k0..k{K-1} drawn uniformly, y = [effect of the category + uniform noise in ±0.3 > 0], a numeric
// noise column; 8,000 training rows and 2,000 test rows from the same generator (Random(7)) as the test.
// Written for K = 1000 (about 8 training rows per category) and K = 250 (the same problem under the cap).
//
// usage: node --import tsx bench/highcard/synthetic.mts OUT_DIR
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Random } from "../../src/core/rng.js";

const outDir = process.argv[2]!;
for (const nCategories of [1000, 250]) {
  const rng = new Random(7);
  const effect = Float64Array.from({ length: nCategories }, () => rng.next() * 2 - 1);
  const make = (n: number): string => {
    const lines = ["category,noise,target"];
    for (let i = 0; i < n; i++) {
      const code = Math.floor(rng.next() * nCategories);
      const noise = rng.next();
      const y = effect[code]! + 0.3 * (rng.next() * 2 - 1) > 0 ? 1 : 0;
      lines.push(`k${code},${noise},${y}`);
    }
    return lines.join("\n") + "\n";
  };
  const dir = join(outDir, `synthetic-${nCategories}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "train.csv"), make(8000));
  writeFileSync(join(dir, "test.csv"), make(2000));
  writeFileSync(join(dir, "meta.json"), JSON.stringify({ task: "binary", train: 8000, test: 2000 }) + "\n");
}

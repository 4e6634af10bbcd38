// Prepares the accuracy benchmark's data once (bench/accuracy/run.mjs calls it when bench/data/accuracy is
// missing, or run it by hand: node bench/accuracy/prepare.mjs [name...]).
//   1. Rscript prepare.R: the mlbench and modeldata sets as CSV (needs Debian's r-cran-mlbench r-cran-modeldata);
//   2. DuckDB: a seeded 200,000-row sample of vega-datasets' flights-3m.parquet with date parts as columns;
//   3. /usr/bin/python3 prepare.py: sklearn's bundled sets, vega's penguins/cars/seattle-weather, and the one
//      seeded 75/25 split of every set into bench/data/accuracy/<name>/{train,test}.csv + meta.json.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const outDir = join(root, "bench", "data", "accuracy");
const rawDir = join(outDir, "raw");
const vegaDir = join(root, "node_modules", "vega-datasets", "data");
mkdirSync(rawDir, { recursive: true });

if (!existsSync("/usr/lib/R/site-library/mlbench") || !existsSync("/usr/lib/R/site-library/modeldata")) {
  console.error("the accuracy benchmark needs Debian's R data packages: apt-get install -y r-cran-mlbench r-cran-modeldata");
  process.exit(2);
}
execFileSync("Rscript", [join(here, "prepare.R"), rawDir], { stdio: "inherit" });

const flights = join(rawDir, "flights_200k.csv");
if (!existsSync(flights)) {
  const db = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await db.connect();
  // One thread and a fixed seed: the same sample every time. Sorted so the file's row order is fixed too.
  await connection.run(`COPY (
    SELECT month(date) AS month, day(date) AS day_of_month, isodow(date) AS day_of_week,
           hour(date) + minute(date) / 60 AS hour, distance, origin, destination,
           CAST(delay > 15 AS INTEGER) AS target
    FROM (SELECT * FROM '${join(vegaDir, "flights-3m.parquet")}' USING SAMPLE reservoir(200000 ROWS) REPEATABLE (0))
    ORDER BY ALL
  ) TO '${flights}' (HEADER, DELIMITER ',')`);
  connection.closeSync();
  console.log(`flights_200k.csv written from flights-3m.parquet`);
}
execFileSync("/usr/bin/python3", [join(here, "prepare.py"), rawDir, vegaDir, outDir, ...process.argv.slice(2)], { stdio: "inherit" });

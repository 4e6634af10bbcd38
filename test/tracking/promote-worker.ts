/**
 * A separate process for the SQLite multi-process test: opens the store at argv[2] and promotes the
 * versions in argv[4..] of model argv[3], one after another, printing "ok <v>" or "conflict <v>".
 */
import { StoreError } from "../../src/core/errors.js";
import { openStore } from "../../src/tracking/index.js";

const [home, name, ...versions] = process.argv.slice(2);
const store = await openStore({ home: home! });
for (const version of versions) {
  try {
    await store.promote(name!, Number(version), { actor: `pid${process.pid}`, reason: "race" });
    process.stdout.write(`ok ${version}\n`);
  } catch (error) {
    if (!(error instanceof StoreError) || error.code !== "conflict") throw error;
    process.stdout.write(`conflict ${version}\n`);
  }
}
await store.close();

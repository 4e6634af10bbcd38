/**
 * The conformance suite on PostgreSQL, in a fresh database created for this run (and dropped after) on
 * the server named by LEARNLOOP_TEST_POSTGRES (a role with CREATEDB; .ci/run starts one). Without it
 * the suite is skipped with the reason shown, except under CI, where a missing server is a failure.
 */
import assert from "node:assert/strict";
import { after, describe, it, test } from "node:test";
import pg from "pg";
import { StoreError } from "../../src/core/errors.js";
import { openStore } from "../../src/tracking/index.js";
import { openPostgresDatabase } from "../../src/tracking/postgres.js";
import { throwawayDatabase } from "../support/postgres.js";
import { storeConformance, storeMigration } from "./conformance.js";

const serverUrl = process.env.LEARNLOOP_TEST_POSTGRES;

if (!serverUrl) {
  const reason = "LEARNLOOP_TEST_POSTGRES is not set (postgres://user:password@host:port/database of a role with CREATEDB; .ci/run starts a server and sets it)";
  if (process.env.CI) {
    test("PostgreSQL store conformance", () => assert.fail(`${reason}, and CI is set: the PostgreSQL backend must be tested in CI`));
  } else {
    test("PostgreSQL store conformance", { skip: reason }, () => undefined);
  }
} else {
  const database = await throwawayDatabase(serverUrl, "learnloop_test");
  const testUrl = database.url;
  const raw = new pg.Client({ connectionString: testUrl });
  await raw.connect();
  // A second new database, for a store built at schema version 1 and then migrated.
  const old = await throwawayDatabase(serverUrl, "learnloop_test_v1");
  after(async () => {
    await raw.end();
    await database.drop();
    await old.drop();
  });

  storeConformance("PostgreSQL", {
    open: () => openStore({ url: testUrl }),
    execute: async (sql, params = []) => {
      let n = 0;
      const result = await raw.query(sql.replace(/\?/g, () => `$${++n}`), params as unknown[]);
      return result.rows;
    },
  });

  storeMigration("PostgreSQL", {
    openDatabase: () => openPostgresDatabase(old.url),
    open: () => openStore({ url: old.url }),
  });

  describe("PostgreSQL store: a database that is not a learnloop store", () => {
    it("a database holding other tables and no schema_migrations is refused, and left as it was", async () => {
      const foreign = await throwawayDatabase(serverUrl, "learnloop_test_foreign");
      const other = new pg.Client({ connectionString: foreign.url });
      await other.connect();
      try {
        await other.query("CREATE TABLE customers (id SERIAL PRIMARY KEY, name TEXT); CREATE TABLE runs (x INTEGER)");
        await assert.rejects(openStore({ url: foreign.url }), (error: unknown) => {
          assert.ok(error instanceof StoreError, String(error));
          assert.equal(error.code, "schema");
          assert.match(error.message, /: not a learnloop store: the database holds other tables \((customers, runs|runs, customers)\) and no schema_migrations; learnloop leaves it alone/);
          return true;
        });
        const tables = await other.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
        assert.deepEqual(tables.rows.map((row) => row.table_name), ["customers", "runs"]);
      } finally {
        await other.end();
        await foreign.drop();
      }
    });
  });

  describe("PostgreSQL store: connecting", () => {
    it("names the server without its password", async () => {
      const store = await openStore({ url: testUrl });
      try {
        assert.equal(store.backend, "postgres");
        const expected = new URL(testUrl);
        if (expected.password) expected.password = "***";
        assert.equal(store.location, expected.toString());
        const password = new URL(testUrl).password;
        assert.ok(!password || !store.location.includes(`:${password}@`));
      } finally {
        await store.close();
      }
    });

    it("a server that does not answer, or a wrong password, is one StoreError 'unavailable'", async (t) => {
      const closed = new URL(testUrl);
      closed.port = "1";
      await assert.rejects(openStore({ url: closed.toString() }), (error: unknown) => {
        assert.ok(error instanceof StoreError, String(error));
        assert.equal(error.code, "unavailable");
        assert.match(error.message, /: cannot reach the PostgreSQL store: connect ECONNREFUSED \S+:1$/);
        return true;
      });
      const wrong = new URL(testUrl);
      wrong.password = "not-the-password";
      const opened = await openStore({ url: wrong.toString() }).catch((error: unknown) => error);
      if (!(opened instanceof Error)) {
        await (opened as { close(): Promise<void> }).close();
        t.skip("this server does not check passwords (trust authentication); .ci/run's server does");
        return;
      }
      await assert.rejects(Promise.reject(opened), (error: unknown) => {
        assert.ok(error instanceof StoreError, String(error));
        assert.equal(error.code, "unavailable");
        assert.ok(!error.message.includes("not-the-password"), error.message);
        assert.match(error.message, /cannot reach the PostgreSQL store: password authentication failed for user/);
        return true;
      });
    });
  });
}

/**
 * The model card as a reader sees it: the HTML opened from a file:// URL in headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core). Every chart must have drawn: an <svg> with a non-zero
 * box holding marks, and the page must log no console error and request nothing but itself.
 * Chromium is required: CI installs it, and a missing browser fails this test rather than skipping it.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { main } from "../../src/cli/main.js";
import type { Console } from "../../src/cli/output.js";

const CHROMIUM = "/usr/bin/chromium";
const WEATHER = "node_modules/vega-datasets/data/seattle-weather.csv";
const work = mkdtempSync(join(tmpdir(), "learnloop-report-browser-"));
let browser: Browser;

async function run(...argv: string[]): Promise<void> {
  let stderr = "";
  const console: Console = { out: () => undefined, err: (text) => void (stderr += text), interactive: false };
  const code = await main(argv, console);
  assert.equal(code, 0, `learnloop ${argv.join(" ")} failed:\n${stderr}`);
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM}: install it (apt-get install chromium) to run the browser tests`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
});

interface ChartBox {
  chart: string;
  width: number;
  height: number;
  marks: number;
}

/** Opens `file` and returns, for each chart, its SVG's box and the number of drawn marks; asserts a quiet console. */
async function chartsOf(file: string): Promise<ChartBox[]> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("request", (request) => requests.push(request.url()));
  const url = pathToFileURL(resolve(file)).href;
  await page.goto(url, { waitUntil: "load" });
  const charts = await page.$$eval("figure[data-chart]", (figures) =>
    figures.map((figure) => {
      const svg = figure.querySelector("svg");
      const box = svg?.getBoundingClientRect();
      return {
        chart: figure.getAttribute("data-chart") ?? "",
        width: box?.width ?? 0,
        height: box?.height ?? 0,
        // Data marks only (vega puts them in g.role-mark; axes, legends and titles have other roles), each with a box.
        marks: svg
          ? Array.from(svg.querySelectorAll(".role-mark path, .role-mark rect, .role-mark line")).filter((mark) => {
              const b = (mark as unknown as { getBBox(): { width: number; height: number } }).getBBox();
              return b.width > 0 || b.height > 0;
            }).length
          : 0,
      };
    }),
  );
  await page.close();
  assert.deepEqual(errors, [], "no console errors");
  assert.deepEqual(requests, [url], "the page loads nothing but itself");
  return charts;
}

/** `expected`: each chart in page order with the fewest data marks it must show (lines, bars, cells). */
function assertDrawn(charts: ChartBox[], expected: Record<string, number>): void {
  assert.deepEqual(charts.map((c) => c.chart), Object.keys(expected));
  for (const chart of charts) {
    assert.ok(chart.width > 50 && chart.height > 50, `${chart.chart}: the SVG has a box (${chart.width} x ${chart.height})`);
    assert.ok(chart.marks >= expected[chart.chart]!, `${chart.chart}: ${chart.marks} marks drawn, expected at least ${expected[chart.chart]}`);
  }
}

test("a binary model card renders every chart in Chromium", async () => {
  const model = join(work, "rain.model");
  const html = join(work, "rain.html");
  await run("train", WEATHER, "--target", "rain", "--derive", "rain=weather = 'rain'", "--ignore", "weather", "--cost-fp", "1", "--cost-fn", "3", "--out", model);
  await run("report", model, "--data", WEATHER, "--html", html, "--bootstrap", "100");
  const charts = await chartsOf(html);
  // The curve and the diagonal; the curve and the prevalence rule; 10 bins and the diagonal; 2 x 2
  // cells; one bar per feature (8: the date's 4 parts and 4 measures), with error bars for permutations.
  assertDrawn(charts, { roc: 2, pr: 2, calibration: 2, confusion: 4, "importance-gain": 8, "importance-permutation": 16 });
});

test("a multiclass card (one-vs-rest curves) and a card without data render in Chromium", async () => {
  const model = join(work, "weather.model");
  await run("train", WEATHER, "--target", "weather", "--out", model);
  const withData = join(work, "weather.html");
  await run("report", model, "--data", WEATHER, "--html", withData, "--bootstrap", "100");
  // One curve per class (5) beside the diagonal, a 5 x 5 confusion heatmap.
  assertDrawn(await chartsOf(withData), { roc: 6, pr: 5, confusion: 25, "importance-gain": 8, "importance-permutation": 16 });
  const headerOnly = join(work, "weather-header.html");
  await run("report", model, "--html", headerOnly);
  assertDrawn(await chartsOf(headerOnly), { "importance-gain": 8 });
});

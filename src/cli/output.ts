/**
 * What people read: tables, progress bars and notes, all on stderr. stdout is kept for `--json` and for
 * data a command was asked to print.
 */

/** A place to write human-facing text (stderr by default; tests pass their own). */
export interface Console {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars redraw in place). */
  readonly interactive: boolean;
}

/** The process's real console. */
export const processConsole: Console = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
};

/** Prints a note (a reader's warning, a metric left out) as its own "note: " line on stderr. */
export function notesTo(console: Console): (message: string) => void {
  return (message) => console.err(`note: ${message}\n`);
}

/** Formats a table with aligned columns: numbers right-aligned, text left-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === "number" ? formatNumber(cell) : cell)));
  const widths = header.map((title, j) => Math.max(title.length, ...cells.map((row) => (row[j] ?? "").length)));
  const numeric = header.map((_, j) => rows.length > 0 && rows.every((row) => typeof row[j] === "number"));
  const line = (row: readonly string[]) =>
    row.map((cell, j) => (numeric[j] ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n") + "\n";
}

/** A number for people: up to 4 significant decimals, integers as integers. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(4);
  if (abs >= 1e-4) return value.toFixed(4);
  return value.toExponential(2);
}

/** Seconds for people: "0.42 s", "1 min 05 s". */
export function formatSeconds(seconds: number): string {
  // Round once, at the precision shown, so 59.97 s reads "1 min 00 s", never "60.0 s" or "2 min 60 s".
  if (seconds < 9.995) return `${seconds.toFixed(2)} s`;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return `${minutes} min ${String(whole - minutes * 60).padStart(2, "0")} s`;
}

/**
 * A progress bar with an ETA on stderr. It redraws in place on a terminal and prints a line at most every
 * few seconds otherwise, so logs stay readable.
 */
export class ProgressBar {
  readonly #console: Console;
  readonly #label: string;
  readonly #started = performance.now();
  #lastDraw = 0;
  #drawn = false;

  readonly #unit: string;

  constructor(console: Console, label: string, unit = "step") {
    this.#console = console;
    this.#label = label;
    this.#unit = unit;
  }

  /**
   * Reports `done` of `total` units. With `upperBound`, total is only a cap (an iteration limit that
   * convergence usually ends sooner), so the bar shows a count and no ETA. Nothing is drawn in the first
   * second, so quick work stays quiet.
   */
  update(done: number, total: number, upperBound = false): void {
    const now = performance.now();
    const interval = this.#console.interactive ? 100 : 5000;
    if (now - this.#started < 1000 || (now - this.#lastDraw < interval && done < total)) return;
    this.#lastDraw = now;
    if (upperBound) {
      const text = `${this.#label}: ${this.#unit} ${done} (at most ${total})  elapsed ${formatSeconds((now - this.#started) / 1000)}`;
      if (this.#console.interactive) this.#console.err(`\r${text}\x1b[K`);
      else this.#console.err(text + "\n");
      this.#drawn = true;
      return;
    }
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (now - this.#started) / 1000;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : NaN;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const text = `${this.#label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${done}/${total}  elapsed ${formatSeconds(elapsed)}${Number.isFinite(eta) && done < total ? `  eta ${formatSeconds(eta)}` : ""}`;
    if (this.#console.interactive) this.#console.err(`\r${text}\x1b[K`);
    else this.#console.err(text + "\n");
    this.#drawn = true;
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.#drawn && this.#console.interactive) this.#console.err("\n");
  }
}

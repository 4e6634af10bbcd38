/**
 * A category that is a number, written another way. The same column reaches learnloop as text in one
 * file and as numbers in another, and its categories are the text: a CSV of `4.0, 6.0, , 8.0` (what
 * pandas writes for an integer column with missing values) is read as decimals, whose text is "4.0"
 * (DuckDB's CAST to VARCHAR, and ./source-arrow.ts textOf), while a JSON file's 4 or a CSV of `4, 6, 8`
 * reads as whole numbers, whose text is "4". Reading with a model's schema, a category the schema lacks
 * is a missing value, silently; so on such a miss the readers look the category up by its number.
 *
 * Only canonical renderings have a number: text written by a program from a number, never text a person
 * typed with meaning in its form. "02134" (a zip code), "4.50", " 4", "+4", "0x10" have none, so a zip
 * code never matches the number 2134.
 */

/**
 * The number a category text renders, when the text is exactly how a number is printed: JavaScript's
 * `String(x)` ("4", "-2.5", "1e+21", "0.1"), or the decimal text DuckDB gives a whole number in a column
 * of decimals (`${x}.0`: "4.0", "-3.0"). Otherwise undefined.
 */
export function numericKeyOf(text: string): number | undefined {
  const value = Number(text);
  // Number("") and Number(" ") are 0, but neither is String(0); Number("4.0") is 4 and "4" !== "4.0".
  if (Number.isFinite(value) && String(value) === text) return value;
  if (text.length < 3 || text.charCodeAt(text.length - 1) !== 48 /* 0 */ || text.charCodeAt(text.length - 2) !== 46 /* . */) return undefined;
  const whole = text.slice(0, -2);
  // Only plain digits before ".0": DuckDB prints large or tiny decimals with an exponent ("1e+21"),
  // which String() already covers above, and never appends ".0" to one.
  if (!/^-?\d+$/.test(whole)) return undefined;
  const number = Number(whole);
  return String(number) === whole ? number : undefined;
}

/**
 * The codes of a schema's categories by their numbers, for the categories that have one (numericKeyOf).
 * A number two categories share ("4" and "4.0" both known) maps to neither: which one was meant cannot be
 * told, and a wrong category is worse than a missing value.
 */
export function numericCodesOf(categories: readonly string[]): Map<number, number> {
  const codes = new Map<number, number>();
  const shared = new Set<number>();
  categories.forEach((category, code) => {
    const key = numericKeyOf(category);
    if (key === undefined) return;
    if (codes.has(key)) shared.add(key);
    else codes.set(key, code);
  });
  for (const key of shared) codes.delete(key);
  return codes;
}

/**
 * Looks a category the schema lacks up by its number: built on the first miss (the common read, where
 * every value is a known category, never pays for it), then one Map lookup per miss.
 */
export class NumericCategoryLookup {
  readonly #categories: readonly string[];
  #codes: Map<number, number> | undefined;

  constructor(categories: readonly string[]) {
    this.#categories = categories;
  }

  /** The code of the schema category with the same number as `text`, or undefined. */
  codeOf(text: string): number | undefined {
    this.#codes ??= numericCodesOf(this.#categories);
    if (this.#codes.size === 0) return undefined;
    const key = numericKeyOf(text);
    return key === undefined ? undefined : this.#codes.get(key);
  }

  /** Whether any category has a number: when none does, a miss needs no text to be looked at. */
  get hasNumbers(): boolean {
    this.#codes ??= numericCodesOf(this.#categories);
    return this.#codes.size > 0;
  }
}

/**
 * The first `shown` categories for a message, and how many there are in all when some are left out
 * ("a, b, c, ... 11 in all"), so that a list cut short does not read as the whole of it.
 */
export function categoriesText(categories: readonly string[], shown = 8): string {
  const head = categories.slice(0, shown).join(", ");
  return categories.length > shown ? `${head}, ... ${categories.length} in all` : head;
}

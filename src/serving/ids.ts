/**
 * Prediction ids: UUIDs of version 7 (RFC 9562), a 48-bit millisecond timestamp, then a 26-bit counter,
 * then 48 random bits. They sort by time: the prediction log's primary key index then grows at its
 * right edge instead of taking each insert at a random page. Measured on the SQLite store
 * (bench/serve/RESULTS.md): 14 us per logged record instead of 33-50 us with random UUIDs, on 60,000
 * records; the gap grows with the table.
 *
 * The counter (RFC 9562 section 6.2, method 1: rand_a and the 14 bits after the variant) starts at a
 * random value below 2^24 at each new millisecond and counts the ids made in it, so that the ids of one
 * process strictly increase, within a millisecond too (while the clock does not go back): records then
 * append to the log's B-tree in key order. With ids random within their millisecond, the WITHOUT ROWID
 * table's leaves were split in the middle and rebalanced with their neighbours, three pages rewritten
 * for one (bench/serve/log-writer.mjs, 400 batches of 256 with thousands of ids a millisecond: 5.3 us of
 * CPU a record against 1.7 in order; a service makes fewer ids a millisecond, so the gap is smaller
 * there). Ids stay unique across processes by the random start and the 48 random bits.
 */
import { randomFillSync } from "node:crypto";

/** Random bytes drawn 4 KiB at a time (a syscall per id would cost more than the id). */
const pool = Buffer.alloc(4096);
let offset = pool.length;
/** The two hex digits of each byte value, as character codes: HEX_PAIRS[2b], HEX_PAIRS[2b + 1]. */
const HEX_PAIRS = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  HEX_PAIRS[2 * b] = "0123456789abcdef".charCodeAt(b >> 4);
  HEX_PAIRS[2 * b + 1] = "0123456789abcdef".charCodeAt(b & 15);
}
const HEX_DIGITS = HEX_PAIRS.subarray(0, 32).filter((_, i) => i % 2 === 1);
const DASH = 0x2d;
/**
 * The id is written byte by byte into this buffer and read out as one string: an id made by joining
 * pieces of text is a chain of a dozen string pieces, and ids stay alive in the answer and the
 * prediction log (a 10,000-row request holds 10,000 of them through several scavenges): 0.13 us an id
 * this way against 0.72 us joined, garbage collection included. The digits come from a table of the
 * 256 byte values' pairs, with no function made per call.
 */
const text = Buffer.alloc(36);
text[18] = DASH;
text[23] = DASH;
/** The millisecond of the last id (its first 15 characters, kept in `text`, depend on it alone), and its counter. */
let lastMs = -1;
let counter = 0;
/** 2^26: the counter's range. */
const COUNTER_END = 0x4000000;

/** A new UUIDv7 string (lowercase, 36 characters) for `now` (milliseconds since 1970, default: the clock). */
export function newPredictionId(now: number = Date.now()): string {
  if (offset + 9 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let ms = Math.floor(now);
  if (ms === lastMs && counter + 1 < COUNTER_END) counter++;
  else {
    // A new millisecond (or, past 2^26 ids in one, the next one): the counter starts at random below 2^24.
    if (ms === lastMs) ms = lastMs + 1;
    counter = (pool[offset]! << 16) | (pool[offset + 1]! << 8) | pool[offset + 2]!;
    offset += 3;
    const time = ms.toString(16).padStart(12, "0");
    text.write(`${time.slice(0, 8)}-${time.slice(8, 12)}-7`, 0, "latin1");
    lastMs = ms;
  }
  // After "-7" (the version): the counter's top 12 bits; "-"; the variant (binary 10) and the counter's
  // next 2 bits, then its last 12 bits; "-"; 48 random bits.
  const c = counter;
  text[15] = HEX_DIGITS[(c >> 22) & 15]!;
  text[16] = HEX_DIGITS[(c >> 18) & 15]!;
  text[17] = HEX_DIGITS[(c >> 14) & 15]!;
  text[19] = HEX_DIGITS[8 | ((c >> 12) & 3)]!;
  text[20] = HEX_DIGITS[(c >> 8) & 15]!;
  text[21] = HEX_DIGITS[(c >> 4) & 15]!;
  text[22] = HEX_DIGITS[c & 15]!;
  for (let b = offset, at = 24; at < 36; b++, at += 2) {
    const pair = 2 * pool[b]!;
    text[at] = HEX_PAIRS[pair]!;
    text[at + 1] = HEX_PAIRS[pair + 1]!;
  }
  offset += 6;
  return text.toString("latin1", 0, 36);
}

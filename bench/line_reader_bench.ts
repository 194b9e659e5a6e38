/**
 * Times `LineReader` on one long line (issue 13, finding 5): a line of 2, 4, 8 and 16 MB in
 * 64 KiB chunks (what stdin gives), then a short line. With the datagram limit, as pipe mode
 * reads stdin: how long until the long line is refused (`next()` returns it cut) and until the
 * next line is read (the rest discarded). Without a limit: how long until the whole line is read.
 * Time per MB should stay flat as the line grows.
 *
 * ```sh
 * deno run bench/line_reader_bench.ts
 * ```
 *
 * @module
 */

import { LineReader } from "../client/line_reader.ts";
import { MAX_DATAGRAM_SIZE } from "../protocol/constants.ts";

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;
const SIZES_MB = [2, 4, 8, 16];
const RUNS = 3;

/** A stream of `bytes` in `CHUNK`-sized pieces, each made when it is asked for. */
function chunked(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + CHUNK));
      offset += CHUNK;
    },
  });
}

function input(sizeMb: number): Uint8Array {
  const line = new Uint8Array(sizeMb * MB + "\nnext\n".length).fill("a".charCodeAt(0));
  line.set(new TextEncoder().encode("\nnext\n"), sizeMb * MB);
  return line;
}

interface Timing {
  first: number;
  next: number;
}

async function time(bytes: Uint8Array, maxLineBytes: number): Promise<Timing> {
  const reader = new LineReader(chunked(bytes), { maxLineBytes });
  const start = performance.now();
  await reader.next();
  const first = performance.now() - start;
  const next = await reader.next();
  if (next !== "next") throw new Error(`expected "next", read ${JSON.stringify(next)}`);
  return { first, next: performance.now() - start };
}

async function best(bytes: Uint8Array, maxLineBytes: number): Promise<Timing> {
  let result: Timing = { first: Infinity, next: Infinity };
  for (let run = 0; run < RUNS; run++) {
    const t = await time(bytes, maxLineBytes);
    result = { first: Math.min(result.first, t.first), next: Math.min(result.next, t.next) };
  }
  return result;
}

const ms = (value: number) => value.toFixed(1).padStart(8);
console.log(`LineReader, one long line in ${CHUNK / 1024} KiB chunks, best of ${RUNS} (ms)`);
console.log(
  `${"line".padStart(6)} ${"refused".padStart(8)} ${"next".padStart(8)} ${"ms/MB".padStart(6)}` +
    ` ${"whole".padStart(8)} ${"ms/MB".padStart(6)}`,
);
for (const sizeMb of SIZES_MB) {
  const bytes = input(sizeMb);
  const limited = await best(bytes, MAX_DATAGRAM_SIZE);
  const whole = await best(bytes, Infinity);
  console.log(
    `${`${sizeMb} MB`.padStart(6)} ${ms(limited.first)} ${ms(limited.next)} ${
      (limited.next / sizeMb).toFixed(2).padStart(6)
    } ${ms(whole.first)} ${(whole.first / sizeMb).toFixed(2).padStart(6)}`,
  );
}

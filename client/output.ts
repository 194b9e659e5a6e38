/**
 * Ordered, complete writes of text lines to a `Deno.Writer` such as stdout, from synchronous
 * event handlers: each line is queued behind the previous one, and `flush()` waits for all.
 *
 * @module
 */

import { type ByteWriter, writeAll } from "../util/mod.ts";

const encoder = new TextEncoder();

/** Writes lines in order without the caller awaiting each one. */
export class LineOutput {
  readonly #writer: ByteWriter;
  #tail: Promise<void> = Promise.resolve();
  #failed = false;

  /** Writes to `writer` (e.g. `Deno.stdout`). */
  constructor(writer: ByteWriter) {
    this.#writer = writer;
  }

  /** Queues `text` plus a newline. A closed output (e.g. a reader that went away) is ignored. */
  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** Queues raw text. */
  write(text: string): void {
    const bytes = encoder.encode(text);
    this.#tail = this.#tail.then(async () => {
      if (this.#failed) return;
      try {
        await writeAll(this.#writer, bytes);
      } catch {
        this.#failed = true;
      }
    });
  }

  /** Resolves when everything queued so far is written. */
  flush(): Promise<void> {
    return this.#tail;
  }
}

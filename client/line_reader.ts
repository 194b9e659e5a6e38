/**
 * Reads text lines from a byte stream (stdin or a named pipe): UTF-8, `\n` or `\r\n` endings,
 * a last line without an ending included. One reader serves both the password (its first line
 * with `--password-stdin`) and the messages that follow it.
 *
 * @module
 */

/** Pulls lines one at a time from a byte stream. */
export class LineReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #carry = "";
  #lines: string[] = [];
  #done = false;

  /** Reads from `stream`, decoding UTF-8 (invalid bytes become U+FFFD). */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next line without its ending, or null at the end of the stream. */
  async next(): Promise<string | null> {
    while (this.#lines.length === 0 && !this.#done) {
      const { value, done } = await this.#reader.read();
      if (done) {
        this.#done = true;
        if (this.#carry.length > 0) this.#lines.push(this.#carry);
        this.#carry = "";
        break;
      }
      const parts = (this.#carry + value).split("\n");
      this.#carry = parts.pop() ?? "";
      this.#lines.push(...parts.map((line) => line.endsWith("\r") ? line.slice(0, -1) : line));
    }
    return this.#lines.shift() ?? null;
  }

  /** Stops reading and releases the stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

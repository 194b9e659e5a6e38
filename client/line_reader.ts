/**
 * Reads text lines from a byte stream (stdin or a named pipe): UTF-8, `\n` or `\r\n` endings,
 * a last line without an ending included. One reader serves both the password (its first line
 * with `--password-stdin`) and the messages that follow it.
 *
 * Lines are split on bytes and decoded one whole line at a time, so a multi-byte character split
 * across chunks needs no care, and each byte is looked at once: reading is linear in the input.
 * With `maxLineBytes`, a line over the limit is returned as soon as it passes it, cut to its
 * first characters, and the rest of it up to its newline is skipped without being kept: the
 * reader never holds more than the limit and a few bytes, plus the chunk it is reading.
 *
 * @module
 */

const LF = 0x0a;
const CR = 0x0d;
/** The longest UTF-8 encoding of one character. */
const MAX_CHAR_BYTES = 4;
/** The line buffer's first size, and the size it goes back to after an unlimited long line. */
const INITIAL_BUFFER_BYTES = 1024;
const KEEP_BUFFER_BYTES = 64 * 1024;

/** How a `LineReader` reads. */
export interface LineReaderOptions {
  /**
   * The longest line, in bytes without its ending, returned whole (default: no limit). A longer
   * line is returned cut and flagged by `lastLineTooLong`.
   */
  maxLineBytes?: number;
}

/** Pulls lines one at a time from a byte stream. */
export class LineReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #maxLineBytes: number;
  /** Bytes of the current line kept: the limit, a trailing CR and a character's worth more. */
  readonly #capacityLimit: number;
  /** The stream's first line drops a byte-order mark, as `TextDecoderStream` does; others not. */
  #firstDecoder: TextDecoder | null = new TextDecoder();
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  /** What is left of the chunk being read. */
  #pending: Uint8Array = new Uint8Array(0);
  /** The current line's bytes so far: `#line[0, #held)`. */
  #line: Uint8Array;
  #held = 0;
  /** Skipping the rest of a line that was returned cut, up to its newline. */
  #skipping = false;
  #done = false;
  #lastLineTooLong = false;

  /** Reads from `stream`, decoding UTF-8 (invalid bytes become U+FFFD). */
  constructor(stream: ReadableStream<Uint8Array>, options: LineReaderOptions = {}) {
    this.#reader = stream.getReader();
    this.#maxLineBytes = options.maxLineBytes ?? Infinity;
    this.#capacityLimit = this.#maxLineBytes + 1 + MAX_CHAR_BYTES;
    this.#line = this.#emptyBuffer();
  }

  /**
   * Whether the line `next()` returned last was over `maxLineBytes`. Its text is then its
   * first characters only (the shortest beginning over the limit, so it is still too long for
   * whatever set the limit), and the rest of it is skipped.
   */
  get lastLineTooLong(): boolean {
    return this.#lastLineTooLong;
  }

  /** For tests: the bytes allocated for the current line (the chunk being read not counted). */
  get bufferedBytes(): number {
    return this.#line.length;
  }

  /** The next line without its ending, or null at the end of the stream. */
  async next(): Promise<string | null> {
    this.#lastLineTooLong = false;
    for (;;) {
      if (this.#pending.length === 0) {
        if (this.#done) return this.#atEnd();
        const { value, done } = await this.#reader.read();
        if (done) this.#done = true;
        else this.#pending = value;
        continue;
      }
      const newline = this.#pending.indexOf(LF);
      if (this.#skipping) {
        if (newline < 0) {
          this.#pending = new Uint8Array(0);
        } else {
          this.#pending = this.#pending.subarray(newline + 1);
          this.#skipping = false;
        }
        continue;
      }
      const end = newline < 0 ? this.#pending.length : newline;
      const room = this.#capacityLimit - this.#held;
      if (end >= room) {
        // Past the limit with no newline in sight: cut it now, skip the rest.
        this.#keep(this.#pending.subarray(0, room));
        this.#pending = this.#pending.subarray(room);
        this.#skipping = true;
        return this.#takeLine(false);
      }
      this.#keep(this.#pending.subarray(0, end));
      if (newline < 0) {
        this.#pending = new Uint8Array(0);
        continue;
      }
      this.#pending = this.#pending.subarray(newline + 1);
      return this.#takeLine(true);
    }
  }

  /** Stops reading and releases the stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }

  /** At the end of the stream: a last line without an ending, kept as it is, or null. */
  #atEnd(): string | null {
    if (this.#skipping) {
      this.#skipping = false;
      return null;
    }
    if (this.#held === 0) return null;
    return this.#takeLine(false);
  }

  /** Appends bytes of the current line, growing its buffer up to the capacity limit. */
  #keep(bytes: Uint8Array): void {
    const needed = this.#held + bytes.length;
    if (needed > this.#line.length) {
      const size = Math.min(Math.max(needed, this.#line.length * 2), this.#capacityLimit);
      const grown = new Uint8Array(size);
      grown.set(this.#line.subarray(0, this.#held));
      this.#line = grown;
    }
    this.#line.set(bytes, this.#held);
    this.#held = needed;
  }

  /** Decodes the current line (without a CR before its newline) and empties the buffer. */
  #takeLine(endedByNewline: boolean): string {
    let length = this.#held;
    if (endedByNewline && length > 0 && this.#line[length - 1] === CR) length--;
    if (length > this.#maxLineBytes) {
      this.#lastLineTooLong = true;
      length = this.#cutPoint(length);
    }
    const decoder = this.#firstDecoder ?? this.#decoder;
    this.#firstDecoder = null;
    const text = decoder.decode(this.#line.subarray(0, length));
    this.#held = 0;
    if (this.#line.length > KEEP_BUFFER_BYTES) this.#line = this.#emptyBuffer();
    return text;
  }

  #emptyBuffer(): Uint8Array {
    return new Uint8Array(Math.min(INITIAL_BUFFER_BYTES, this.#capacityLimit));
  }

  /** Where to cut a line over the limit: just past the character that crosses it. */
  #cutPoint(length: number): number {
    let cut = this.#maxLineBytes + 1;
    while (
      cut < length && cut < this.#maxLineBytes + MAX_CHAR_BYTES && isContinuation(this.#line[cut])
    ) {
      cut++;
    }
    return cut;
  }
}

/** Whether `byte` continues a UTF-8 character rather than starting one. */
function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

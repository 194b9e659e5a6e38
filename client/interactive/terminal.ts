/**
 * The interactive client's only contact with the real terminal: raw mode, keys from stdin, text
 * to stdout, the width and its changes. Everything above it sees the {@link Terminal} interface,
 * so tests drive the client with a fake one. Which process signals mean "stop" is not its
 * business: the caller passes an `AbortSignal` (`cli/` aborts it on SIGINT, SIGTERM, SIGHUP).
 *
 * @module
 */

import { LineOutput } from "../output.ts";
import { type Key, KeyDecoder } from "../tui/mod.ts";

/** A terminal as the interactive client uses it. */
export interface Terminal {
  /** The next key, or null once the input has ended. */
  readKey(): Promise<Key | null>;
  /** Queues text for the screen; writes happen in order. */
  write(text: string): void;
  /** Resolves when everything queued has been written. */
  flush(): Promise<void>;
  /** The width in columns. */
  columns(): number;
  /** The height in rows. */
  rows(): number;
  /** Calls `listener` after each change of size, until the returned function is called. */
  onResize(listener: () => void): () => void;
}

/** How long a held escape byte waits for the rest of its sequence before it counts as Escape. */
export const ESCAPE_WAIT_MS = 50;
/** The width used when the terminal cannot tell its own. */
export const FALLBACK_COLUMNS = 80;
/** The height used when the terminal cannot tell its own. */
export const FALLBACK_ROWS = 24;
const READ_BUFFER_SIZE = 4096;

/** The process's own terminal: stdin in raw mode, stdout for output. */
export class ProcessTerminal implements Terminal {
  readonly #output = new LineOutput(Deno.stdout);
  readonly #decoder = new KeyDecoder();
  readonly #keys: Key[] = [];
  #waiter: (() => void) | null = null;
  #ended = false;
  #escapeTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #removers = new Set<() => void>();

  /**
   * Puts stdin in raw mode and starts reading it; call {@link close} to restore it. Aborting
   * `stop` ends the input, so that whatever is running (a question, the chat) ends the way it
   * does at the end of input and the terminal is restored.
   */
  static open(stop?: AbortSignal): ProcessTerminal {
    const terminal = new ProcessTerminal();
    if (stop !== undefined) terminal.#onAbort(stop, () => terminal.#end());
    Deno.stdin.setRaw(true);
    terminal.#readLoop();
    return terminal;
  }

  private constructor() {}

  /** {@inheritDoc Terminal.readKey} */
  async readKey(): Promise<Key | null> {
    while (this.#keys.length === 0 && !this.#ended) {
      await new Promise<void>((resolve) => this.#waiter = resolve);
    }
    return this.#keys.shift() ?? null;
  }

  /** {@inheritDoc Terminal.write} */
  write(text: string): void {
    this.#output.write(text);
  }

  /** {@inheritDoc Terminal.flush} */
  flush(): Promise<void> {
    return this.#output.flush();
  }

  /** {@inheritDoc Terminal.columns} */
  columns(): number {
    try {
      return Deno.consoleSize().columns || FALLBACK_COLUMNS;
    } catch {
      return FALLBACK_COLUMNS;
    }
  }

  /** {@inheritDoc Terminal.rows} */
  rows(): number {
    try {
      return Deno.consoleSize().rows || FALLBACK_ROWS;
    } catch {
      return FALLBACK_ROWS;
    }
  }

  /** {@inheritDoc Terminal.onResize} */
  onResize(listener: () => void): () => void {
    return this.#listen("SIGWINCH", listener);
  }

  /** Restores the terminal's mode and removes every listener; safe to call twice. */
  async close(): Promise<void> {
    clearTimeout(this.#escapeTimer);
    for (const remove of [...this.#removers]) remove();
    await this.#output.flush();
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // The terminal went away (hung up): there is no mode left to restore.
    }
  }

  #listen(signal: Deno.Signal, listener: () => void): () => void {
    Deno.addSignalListener(signal, listener);
    const remove = () => {
      if (this.#removers.delete(remove)) Deno.removeSignalListener(signal, listener);
    };
    this.#removers.add(remove);
    return remove;
  }

  #onAbort(stop: AbortSignal, listener: () => void): void {
    if (stop.aborted) return listener();
    stop.addEventListener("abort", listener, { once: true });
    const remove = () => {
      if (this.#removers.delete(remove)) stop.removeEventListener("abort", listener);
    };
    this.#removers.add(remove);
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    for (;;) {
      let count: number | null;
      try {
        count = await Deno.stdin.read(buffer);
      } catch {
        count = null;
      }
      if (count === null) break;
      clearTimeout(this.#escapeTimer);
      this.#push(this.#decoder.feed(buffer.subarray(0, count)));
      if (this.#decoder.hasPending) {
        this.#escapeTimer = setTimeout(() => this.#push(this.#decoder.flush()), ESCAPE_WAIT_MS);
      }
    }
    this.#push(this.#decoder.flush());
    this.#end();
  }

  /** Ends the input: keys not yet read are dropped, and readKey() answers null from now on. */
  #end(): void {
    this.#ended = true;
    this.#keys.length = 0;
    this.#wake();
  }

  #push(keys: Key[]): void {
    if (keys.length === 0) return;
    this.#keys.push(...keys);
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }
}

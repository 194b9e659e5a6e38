/**
 * A fake terminal for the interactive client's tests: keys are typed by the test, output is
 * collected, and the test can wait until every typed key has been handled.
 *
 * @module
 */

import type { Terminal } from "../client/interactive/terminal.ts";
import type { Key } from "../client/tui/key.ts";
import { RECEIVE_TIMEOUT_MS } from "./server_helpers.ts";

/**
 * How long a wait for output may take before the test fails: free when the output comes, and
 * some waits span a real server's answers over UDP on a CI machine shared with other work.
 */
export const OUTPUT_TIMEOUT_MS = RECEIVE_TIMEOUT_MS;
// deno-lint-ignore no-control-regex -- matching escape sequences is the point
const ESCAPE_SEQUENCE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Escape sequences removed, so tests read what a person sees. */
export function plain(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "");
}

/** A terminal driven by the test. */
export class FakeTerminal implements Terminal {
  /** Everything written, escape codes included. */
  output = "";
  /** The width reported by columns(). */
  width: number;
  readonly #keys: (Key | null)[] = [];
  #reader: ((key: Key | null) => void) | null = null;
  #resize: (() => void) | null = null;
  readonly #watchers = new Set<() => void>();

  /** A terminal `width` columns wide. */
  constructor(width = 80) {
    this.width = width;
  }

  /** Types text, then optionally presses Enter. */
  type(text: string, enter = false): void {
    this.press({ type: "text", text });
    if (enter) this.press({ type: "enter" });
  }

  /** Presses keys. */
  press(...keys: Key[]): void {
    for (const key of keys) this.#deliver(key);
  }

  /** Ends the input: readKey() answers null. */
  end(): void {
    this.#deliver(null);
  }

  /** Changes the width and reports the resize. */
  resize(width: number): void {
    this.width = width;
    this.#resize?.();
  }

  /** Waits until the plain output contains `text`; fails after a bounded time. */
  waitFor(text: string): Promise<void> {
    return this.#waitUntil(
      () => plain(this.output).includes(text),
      `output with ${JSON.stringify(text)}`,
    );
  }

  /** Waits until every typed key has been read and the reader asks for the next one. */
  idle(): Promise<void> {
    return this.#waitUntil(() => this.#keys.length === 0 && this.#reader !== null, "idle input");
  }

  /** Terminal.readKey */
  readKey(): Promise<Key | null> {
    if (this.#keys.length > 0) return Promise.resolve(this.#keys.shift()!);
    const next = new Promise<Key | null>((resolve) => this.#reader = resolve);
    this.#notify();
    return next;
  }

  /** Terminal.write */
  write(text: string): void {
    this.output += text;
    this.#notify();
  }

  /** Terminal.flush */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Terminal.columns */
  columns(): number {
    return this.width;
  }

  /** The height reported by rows(). */
  height = 24;

  /** Terminal.rows */
  rows(): number {
    return this.height;
  }

  /** Terminal.onResize */
  onResize(listener: () => void): () => void {
    this.#resize = listener;
    return () => this.#resize = null;
  }

  /** True once the listener installed by onResize has been removed again. */
  get resizeListenerRemoved(): boolean {
    return this.#resize === null;
  }

  #deliver(key: Key | null): void {
    const reader = this.#reader;
    if (reader === null) {
      this.#keys.push(key);
      return;
    }
    this.#reader = null;
    reader(key);
  }

  #notify(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }

  #waitUntil(done: () => boolean, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      // Declared before the watcher, which may run while the timer is being created.
      // deno-lint-ignore prefer-const
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const watcher = () => {
        if (settled || !done()) return;
        settled = true;
        this.#watchers.delete(watcher);
        clearTimeout(timer);
        resolve();
      };
      // Watch before arming the timer: creating a timer may let pending reactions run.
      this.#watchers.add(watcher);
      timer = setTimeout(() => {
        this.#watchers.delete(watcher);
        reject(new Error(`Timed out waiting for ${what}; output:\n${plain(this.output)}`));
      }, OUTPUT_TIMEOUT_MS);
      if (settled) clearTimeout(timer);
      else watcher();
    });
  }
}

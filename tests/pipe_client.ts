/**
 * A real `kaiwa join` process in pipe mode, for end-to-end tests: lines to its stdin, lines from
 * its stdout, and its exit code and stderr at the end.
 *
 * @module
 */

import { LineReader } from "../client/line_reader.ts";
import type { ServerHandle } from "../server/mod.ts";
import { waitFor } from "./server_helpers.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
/**
 * Longest wait for what a client process does (join after a cold start, print an expected line,
 * send): far past any real delivery on a loaded machine, short of a hang.
 */
export const CLIENT_DEADLINE_MS = 60_000;

/** A client process with line access to its stdout and a writer on its stdin. */
export class PipeClient {
  readonly #child: Deno.ChildProcess;
  readonly #stdout: LineReader;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stderr: Promise<string>;

  /**
   * Starts `kaiwa join ARGS` against 127.0.0.1:`port`. Test servers offer no TLS, so
   * `--insecure-plaintext` is added unless `args` choose TLS's trust (`--fingerprint` or
   * `--data-dir`).
   */
  constructor(port: number, args: string[], env: Record<string, string> = {}) {
    const tls = args.includes("--fingerprint") || args.includes("--data-dir");
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-env",
        "--allow-read",
        "--allow-write=/tmp",
        MAIN,
        "join",
        ...args,
        ...(tls ? [] : ["--insecure-plaintext"]),
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...env },
    }).spawn();
    this.#stdout = new LineReader(this.#child.stdout);
    this.#stdin = this.#child.stdin.getWriter();
    this.#stderr = new Response(this.#child.stderr).text();
  }

  async send(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Reads stdout lines until one equals `expected` (or the process ends); returns those seen. */
  async waitForLine(expected: string): Promise<string[]> {
    const seen: string[] = [];
    // A bound, not a timing: a line that never comes fails the test instead of hanging the suite.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), CLIENT_DEADLINE_MS);
    });
    try {
      for (;;) {
        const line = await Promise.race([this.#stdout.next(), expired]);
        if (line === "expired") {
          throw new Error(
            `no ${JSON.stringify(expected)} within ${CLIENT_DEADLINE_MS} ms; saw ${
              JSON.stringify(seen)
            }`,
          );
        }
        if (line === null) break;
        seen.push(line);
        if (line === expected) return seen;
      }
    } finally {
      clearTimeout(timer);
    }
    throw new Error(
      `stdout ended without ${JSON.stringify(expected)}; saw ${JSON.stringify(seen)}`,
    );
  }

  /** Reads the next stdout line, or null at the end. */
  nextLine(): Promise<string | null> {
    return this.#stdout.next();
  }

  /** Closes stdin (EOF) and reads stdout to its end; returns the lines not read before. */
  async remainingLines(): Promise<string[]> {
    await this.#stdin.close().catch(() => {});
    const lines: string[] = [];
    for (let line; (line = await this.#stdout.next()) !== null;) lines.push(line);
    return lines;
  }

  /** Closes stdin (EOF) and waits for the exit; returns the code and stderr. */
  async finish(): Promise<{ code: number; stderr: string }> {
    await this.#stdin.close().catch(() => {});
    return await this.exited();
  }

  /** Kills the process if it still runs (cleanup after a failed test) and waits for it. */
  async kill(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await this.exited();
  }

  /** Waits for the exit without closing stdin; drains stdout so the child is never blocked. */
  async exited(): Promise<{ code: number; stderr: string }> {
    while (await this.#stdout.next() !== null) { /* drain */ }
    const { code } = await this.#child.status;
    await this.#stdin.close().catch(() => {});
    return { code, stderr: await this.#stderr };
  }
}

/**
 * Waits until `name` is in `room` with its UDP address bound, i.e. ready to receive; the client
 * process may be starting cold on a loaded machine.
 */
export function untilBound(server: ServerHandle, room: string, name: string): Promise<void> {
  return waitFor(
    () => server.state.rooms.get(room)?.members.get(name)?.address != null,
    `${name} a bound member of ${room}`,
    CLIENT_DEADLINE_MS,
  );
}

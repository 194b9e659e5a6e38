/**
 * `kaiwa serve` as a child process for the soak: started on a free port, its log lines kept,
 * its resident memory read from /proc, stopped with a signal.
 *
 * @module
 */

import { LineReader } from "../client/line_reader.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const LISTENING = /listening on tcp\+udp [\d.]+:(\d+)$/;

/** A running server process. */
export class ServerProcess {
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[] = [];
  readonly #reading: Promise<void>;
  /** The port of both listeners. */
  readonly port: number;

  private constructor(child: Deno.ChildProcess, port: number, reader: LineReader, lines: string[]) {
    this.#child = child;
    this.port = port;
    this.#lines = lines;
    this.#reading = (async () => {
      for (let line = await reader.next(); line !== null; line = await reader.next()) {
        lines.push(line);
      }
    })();
  }

  /** Starts `kaiwa serve` with `flags` on 127.0.0.1 and waits for its listening line. */
  static async start(port: number, flags: readonly string[]): Promise<ServerProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-env", MAIN, "serve", "--host", "127.0.0.1"].concat(
        ["--port", String(port), ...flags],
      ),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = new LineReader(child.stderr);
    const lines: string[] = [];
    for (let line = await reader.next(); line !== null; line = await reader.next()) {
      lines.push(line);
      const match = LISTENING.exec(line);
      if (match !== null) return new ServerProcess(child, Number(match[1]), reader, lines);
    }
    throw new Error(`The server did not start: ${lines.join(" / ")}`);
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Every log line so far. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Resident memory in KiB (VmRSS), or null once the process is gone. */
  async rssKiB(): Promise<number | null> {
    try {
      const status = await Deno.readTextFile(`/proc/${this.pid}/status`);
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
      return match === null ? null : Number(match[1]);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  /** Sends `signal` and waits for the exit; returns the exit code (or the signal's name). */
  async stop(signal: Deno.Signal): Promise<string> {
    this.#child.kill(signal);
    const status = await this.#child.status;
    await this.#reading;
    return status.signal ?? String(status.code);
  }
}

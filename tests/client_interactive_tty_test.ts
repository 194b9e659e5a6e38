/**
 * The interactive client through a real pseudo-terminal: `kaiwa join` runs inside a private tmux
 * server, keys are sent with `tmux send-keys` and the screen is read with `tmux capture-pane`.
 * The other members are pipe-mode clients.
 */

import { ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import {
  DEFAULT_SERVE_OPTIONS,
  JOIN_FLUSH_INTERVAL_MS,
  type ServerHandle,
  startServer,
} from "../server/mod.ts";

const TMUX = "tmux";
const ROOT = new URL("..", import.meta.url).pathname;
const COLUMNS = 100;
const ROWS = 20;
const POLL_MS = 50;
/** Bounded polls: ordinary steps, and the first screen (a cold `deno run` on a busy machine). */
const POLL_TRIES = 100;
const START_TRIES = 400;

const decoder = new TextDecoder();

function tmuxInstalled(): boolean {
  try {
    return new Deno.Command(TMUX, { args: ["-V"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

const HAS_TMUX = tmuxInstalled();

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined, a bounded number of times. */
async function poll<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: () => string,
  tries = POLL_TRIES,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await delay(POLL_MS);
  }
  throw new Error(`Gave up waiting for ${what()}`);
}

/** A private tmux server, on its own socket in a temporary folder, with one pane. */
class TmuxPane {
  readonly #folder = Deno.makeTempDirSync({ prefix: "kaiwa-test-" });
  readonly socket = `${this.#folder}/tmux`;
  screen = "";

  async run(...args: string[]): Promise<string> {
    const output = await new Deno.Command(TMUX, {
      args: ["-S", this.socket, "-f", "/dev/null", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(`tmux ${args[0]} failed: ${decoder.decode(output.stderr)}`);
    }
    return decoder.decode(output.stdout);
  }

  /** Starts `command` (a shell command line) in a detached session. */
  start(command: string): Promise<string> {
    return this.run("new-session", "-d", "-x", `${COLUMNS}`, "-y", `${ROWS}`, command);
  }

  /** Types text literally, then optionally presses Enter. */
  async type(text: string, enter = false): Promise<void> {
    await this.run("send-keys", "-l", text);
    if (enter) await this.run("send-keys", "Enter");
  }

  /** The visible screen, trailing blank lines removed. */
  async capture(): Promise<string> {
    this.screen = (await this.run("capture-pane", "-p")).trimEnd();
    return this.screen;
  }

  /** Waits until the screen contains `text`. */
  waitFor(text: string, tries = POLL_TRIES): Promise<string> {
    return poll(
      async () => (await this.capture()).includes(text) ? this.screen : undefined,
      () => `${JSON.stringify(text)} on the screen:\n${this.screen}`,
      tries,
    );
  }

  /** Stops the tmux server and everything in it, and removes its socket. */
  async kill(): Promise<void> {
    try {
      await this.run("kill-server");
    } catch {
      // Already gone.
    }
    await Deno.remove(this.#folder, { recursive: true });
  }
}

/** A pipe-mode client: lines in on stdin, events out on stdout. */
class PipeClient {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reading: Promise<void>;
  output = "";
  readonly status: Promise<Deno.CommandStatus>;

  constructor(port: number, room: string, name: string) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-env",
        "main.ts",
        "join",
        room,
        "--name",
        name,
        "--host",
        "127.0.0.1",
        "--port",
        `${port}`,
      ],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#reading = this.#child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (this.output += chunk) }),
    );
    this.status = this.#child.status;
  }

  async say(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Ends stdin: the client leaves. */
  async close(): Promise<void> {
    await this.#stdin.close().catch(() => {});
  }

  waitFor(text: string, tries = START_TRIES): Promise<true> {
    return poll(
      () => this.output.includes(text) ? true : undefined,
      () => `${JSON.stringify(text)} from the pipe client:\n${this.output}`,
      tries,
    );
  }

  /** Waits for the exit and the end of its output; kills it first when `force`. */
  async finish(force = false): Promise<Deno.CommandStatus> {
    if (force) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
    }
    await this.close();
    const status = await this.status;
    await this.#reading;
    return status;
  }
}

/** The last non-empty line of a screen: where the input line is. */
function lastLine(screen: string): string {
  return screen.split("\n").filter((line) => line.trim() !== "").at(-1) ?? "";
}

Deno.test({
  name: HAS_TMUX
    ? "kaiwa join in a terminal (tmux): chat above the input line, /who, leave, the host's /quit"
    : "kaiwa join in a terminal (tmux) (skipped: tmux is not installed)",
  ignore: !HAS_TMUX,
  async fn() {
    const server: ServerHandle = await startServer(
      {
        ...DEFAULT_SERVE_OPTIONS,
        host: "127.0.0.1",
        port: 0,
        logLevel: "quiet",
        floodRate: 0,
        joinRate: 0,
      },
      { logSink: () => {} },
    );
    const port = server.tcpAddr.port;
    const alice = new TmuxPane();
    const clients: PipeClient[] = [];
    try {
      const command = [
        Deno.execPath(),
        "run",
        "--allow-net",
        "--allow-env",
        "main.ts",
        "join",
        "lobby",
        "--name",
        "alice",
        "--create",
        "--host",
        "127.0.0.1",
        "--port",
        `${port}`,
      ]
        .map((word) => `'${word}'`).join(" ");
      await alice.start(`cd '${ROOT}' && ${command}; echo "EXIT=$?"; sleep 30`);
      await alice.waitFor("1 in lobby: alice (host, you)", START_TRIES);
      // The creator's own arrival must be announced before others join (see the session test).
      await delay(2 * JOIN_FLUSH_INTERVAL_MS);

      const bob = new PipeClient(port, "lobby", "bob");
      clients.push(bob);
      await alice.waitFor("* bob joined", START_TRIES);

      await alice.type("half typed");
      await alice.waitFor("[lobby] alice> half typed");
      await bob.say("こんにちは、alice 🎉🇯🇵");
      const screen = await alice.waitFor("bob: こんにちは、alice 🎉🇯🇵");
      strictEqual(lastLine(screen), "[lobby] alice> half typed", screen);

      await alice.type("", true);
      await bob.waitFor("alice: half typed");
      await alice.waitFor("alice: half typed");
      strictEqual(lastLine(alice.screen), "[lobby] alice>", alice.screen);

      await alice.type("/who", true);
      await alice.waitFor("2 in lobby: alice (host, you), bob");

      await bob.close();
      strictEqual((await bob.finish()).code, ExitCode.Ok);
      await alice.waitFor("* bob left");

      const carol = new PipeClient(port, "lobby", "carol");
      clients.push(carol);
      await alice.waitFor("* carol joined", START_TRIES);
      await alice.type("/quit", true);
      await alice.waitFor("you are the host: leaving closes the room for everyone");
      await alice.type("/quit", true);
      await alice.waitFor("EXIT=0");
      strictEqual((await carol.finish()).code, ExitCode.RoomClosed);
      ok(carol.output.includes("* the room was closed: the host left"), carol.output);
    } finally {
      await alice.kill();
      for (const client of clients) await client.finish(true);
      await server.close();
    }
  },
});

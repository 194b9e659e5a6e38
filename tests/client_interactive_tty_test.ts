/**
 * The interactive client through a real pseudo-terminal: `kaiwa join` runs inside a private tmux
 * server, keys are sent with `tmux send-keys` and the screen is read with `tmux capture-pane`.
 * The other members are pipe-mode clients.
 */

import { strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { DEFAULT_SERVE_OPTIONS, type ServerHandle, startServer } from "../server/mod.ts";
import { PipeClient } from "./pipe_client.ts";

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
        // The test server offers no TLS.
        "--insecure-plaintext",
      ]
        .map((word) => `'${word}'`).join(" ");
      await alice.start(`cd '${ROOT}' && ${command}; echo "EXIT=$?"; sleep 30`);
      await alice.waitFor("1 in lobby: alice (host, you)", START_TRIES);

      const bob = new PipeClient(port, ["lobby", "--name", "bob"]);
      clients.push(bob);
      await alice.waitFor("* bob joined", START_TRIES);

      await alice.type("half typed");
      await alice.waitFor("[lobby 2] alice> half typed");
      await bob.send("こんにちは、alice 🎉🇯🇵");
      const screen = await alice.waitFor("bob: こんにちは、alice 🎉🇯🇵");
      strictEqual(lastLine(screen), "[lobby 2] alice> half typed", screen);

      await alice.type("", true);
      await bob.waitForLine("alice: half typed");
      await alice.waitFor("alice: half typed");
      strictEqual(lastLine(alice.screen), "[lobby 2] alice>", alice.screen);

      await alice.type("/who", true);
      await alice.waitFor("2 in lobby: alice (host, you), bob");

      strictEqual((await bob.finish()).code, ExitCode.Ok);
      await alice.waitFor("* bob left");

      const carol = new PipeClient(port, ["lobby", "--name", "carol"]);
      clients.push(carol);
      await alice.waitFor("* carol joined", START_TRIES);
      await alice.type("/quit", true);
      await alice.waitFor("you are the host: leaving closes the room for everyone");
      await alice.type("/quit", true);
      await alice.waitFor("EXIT=0");
      await carol.waitForLine("* the room was closed: the host left");
      strictEqual((await carol.exited()).code, ExitCode.RoomClosed);
    } finally {
      await alice.kill();
      for (const client of clients) await client.kill();
      await server.close();
    }
  },
});

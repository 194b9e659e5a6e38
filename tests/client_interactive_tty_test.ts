/**
 * The interactive client through a real pseudo-terminal: `kaiwa join` runs inside a private tmux
 * server, keys are sent with `tmux send-keys` and the screen is read with `tmux capture-pane`.
 * The other members are pipe-mode clients.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import type { ServerHandle } from "../server/mod.ts";
import { PipeClient } from "./pipe_client.ts";
import { RECEIVE_TIMEOUT_MS, startRealClockServer } from "./server_helpers.ts";

const TMUX = "tmux";
const ROOT = new URL("..", import.meta.url).pathname;
const COLUMNS = 100;
const ROWS = 20;
const POLL_MS = 50;
/**
 * Bounded polls: ordinary steps (at least a receive's wait: a step may span another process's
 * message through the server, on a machine shared with other work), and the first screen (a
 * cold `deno run` on a busy machine).
 */
const POLL_TRIES = RECEIVE_TIMEOUT_MS / POLL_MS;
const START_TRIES = 400;
/** No flood or join limits: the tests send and join as fast as they can. */
const UNLIMITED = { floodRate: 0, joinRate: 0 };

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
  start(command: string, columns = COLUMNS): Promise<string> {
    return this.run("new-session", "-d", "-x", `${columns}`, "-y", `${ROWS}`, command);
  }

  /** Resizes the window, as a user dragging its edge does. */
  resize(columns: number): Promise<string> {
    return this.run("resize-window", "-x", `${columns}`, "-y", `${ROWS}`);
  }

  /** Sends raw bytes (hexadecimal), as a terminal sends what it cannot type: paste markers. */
  async bytes(text: string): Promise<void> {
    const hex = [...new TextEncoder().encode(text)].map((byte) => byte.toString(16));
    await this.run("send-keys", "-H", ...hex);
  }

  /** Presses named keys (tmux names: Tab, PPage, NPage, C-u…). */
  async keys(...names: string[]): Promise<void> {
    await this.run("send-keys", ...names);
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

/**
 * The shell command that runs `kaiwa join lobby --name alice --create` against the test server on
 * `port` (which offers no TLS), each word quoted.
 */
function aliceJoinCommand(port: number): string {
  return [
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
    "--insecure-plaintext",
  ].map((word) => `'${word}'`).join(" ");
}

/** The last non-empty line of a screen: where the input line is. */
function lastLine(screen: string): string {
  return screen.split("\n").filter((line) => line.trim() !== "").at(-1) ?? "";
}

/**
 * Waits until the pane's last non-empty row is `expected`. The client prints what arrived and
 * then redraws its input line, and tmux may show the screen between the two; a row that never
 * becomes `expected` fails the poll, with the screen.
 */
function waitForLastLine(pane: TmuxPane, expected: string): Promise<string> {
  return poll(async () => {
    const screen = await pane.capture();
    return lastLine(screen) === expected ? screen : undefined;
  }, () => `${JSON.stringify(expected)} as the last row:\n${pane.screen}`);
}

Deno.test({
  name: HAS_TMUX
    ? "kaiwa join in a terminal (tmux): chat above the input line, /who, leave, the host's /quit"
    : "kaiwa join in a terminal (tmux) (skipped: tmux is not installed)",
  ignore: !HAS_TMUX,
  async fn() {
    const server: ServerHandle = await startRealClockServer(UNLIMITED);
    const port = server.tcpAddr.port;
    const alice = new TmuxPane();
    const clients: PipeClient[] = [];
    try {
      const command = aliceJoinCommand(port);
      await alice.start(`cd '${ROOT}' && ${command}; echo "EXIT=$?"; sleep 30`);
      await alice.waitFor("1 in lobby: alice (host, you)", START_TRIES);

      const bob = new PipeClient(port, ["lobby", "--name", "bob"]);
      clients.push(bob);
      await alice.waitFor("* bob joined", START_TRIES);

      await alice.type("half typed");
      await alice.waitFor("[lobby 2] alice> half typed");
      await bob.send("こんにちは、alice 🎉🇯🇵");
      await alice.waitFor("bob: こんにちは、alice 🎉🇯🇵");
      await waitForLastLine(alice, "[lobby 2] alice> half typed");

      await alice.type("", true);
      await bob.waitForLine("alice: half typed");
      await alice.waitFor("alice: half typed");
      await waitForLastLine(alice, "[lobby 2] alice>");

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

/** Rows of a screen that show the input line's prompt. */
function promptRows(screen: string): string[] {
  return screen.split("\n").filter((line) => line.includes("] alice"));
}

/**
 * The pane once the client has redrawn its prompt below what arrived: a line is printed first
 * and the prompt after it, so a capture in between shows no prompt at all. An input line that
 * wrapped never settles (its last row is not a prompt row), and the poll's failure says so.
 */
function settledScreen(pane: TmuxPane): Promise<string> {
  return poll(async () => {
    const screen = await pane.capture();
    return lastLine(screen).includes("] alice") ? screen : undefined;
  }, () => `the prompt as the last row:\n${pane.screen}`);
}

Deno.test({
  name: HAS_TMUX
    ? "kaiwa join in tmux: wide input never wraps, a split paste is one message, a resize leaves no stale draft, completion, /me, a mention, scrollback (issue #15)"
    : "kaiwa join in tmux, issue #15 cases (skipped: tmux is not installed)",
  ignore: !HAS_TMUX,
  async fn() {
    let server: ServerHandle = await startRealClockServer(UNLIMITED);
    const port = server.tcpAddr.port;
    const alice = new TmuxPane();
    const clients: PipeClient[] = [];
    try {
      const command = aliceJoinCommand(port);
      await alice.start(`cd '${ROOT}' && ${command}; echo "EXIT=$?"; sleep 30`, 40);
      await alice.waitFor("1 in lobby: alice (host, you)", START_TRIES);
      const bob = new PipeClient(port, ["lobby", "--name", "bob"]);
      clients.push(bob);
      await alice.waitFor("* bob joined", START_TRIES);

      // Fault 1: twelve skin-tone emoji (tmux draws each in 4 cells) in a 40-column pane.
      await alice.type("👍🏽".repeat(12));
      await alice.waitFor("[lobby 2] alice> 👍🏽");
      await bob.send("one");
      await bob.send("two");
      await alice.waitFor("bob: two");
      const afterTwo = await settledScreen(alice);
      deepStrictEqual(promptRows(afterTwo).length, 1, afterTwo);
      ok(lastLine(afterTwo).startsWith("[lobby 2] alice> "), afterTwo);

      // Fault 1 again: a consonant with its vowel sign is 2 cells, as tmux draws it.
      await alice.keys("C-u");
      await alice.type("कि".repeat(14));
      await alice.waitFor("alice> कि");
      await bob.send("three");
      await alice.waitFor("bob: three");
      const afterThree = await settledScreen(alice);
      deepStrictEqual(promptRows(afterThree).length, 1, afterThree);

      // Fault 4: narrowing the window with a draft leaves one copy of it.
      await alice.keys("C-u");
      await alice.type("a draft typed before the window narrows");
      await alice.waitFor("window narrows");
      await alice.resize(24);
      // tmux reflows the old row at once and the client redraws a moment later (on SIGWINCH), so
      // the pane is read until the redraw shows; a stale copy of the draft never settles.
      await poll(
        async () => {
          const rows = promptRows(await alice.capture());
          return rows.length === 1 && rows[0] === "[lobby 2] alice narrows" ? true : undefined;
        },
        () => `one prompt row, the draft's tail, after the resize:\n${alice.screen}`,
      );
      await alice.resize(40);
      await alice.keys("C-u");

      // Fault 2: a bracketed paste whose body arrives in two reads 200 ms apart is one message.
      await alice.bytes("\x1b[200~first half\r");
      await delay(200);
      await alice.bytes("second half\x1b[201~");
      await alice.waitFor("second half");
      await alice.type("", true);
      const seen = await bob.waitForLine("alice: first half second half");
      deepStrictEqual(seen.filter((line) => line.includes("half")), [
        "alice: first half second half",
      ]);

      // Tab completion of a name, with ": " at the start of the line.
      await alice.type("bo");
      await alice.keys("Tab");
      await alice.waitFor("alice> bob:");
      await alice.type("look", true);
      await bob.waitForLine("alice: bob: look");

      // /me, as kaiwa shows it and as a pipe reader gets it.
      await alice.type("/me waves", true);
      await alice.waitFor("* alice waves");
      await bob.waitForLine("alice: /me waves");

      // A mention: highlighted (reverse video).
      await bob.send("alice: lunch?");
      await alice.waitFor("bob: alice: lunch?");
      const colored = await alice.run("capture-pane", "-p", "-e");
      ok(colored.includes("\x1b[7malice: lunch?"), JSON.stringify(colored.slice(-400)));

      // Scrollback: PageUp shows older lines on the alternate screen, PageDown comes back.
      for (let i = 1; i <= 25; i++) await bob.send(`filler ${i}`);
      await alice.waitFor("filler 25");
      await alice.keys("PPage");
      // The page above the bottom one: older fillers, and not the newest.
      await poll(
        async () => {
          const screen = await alice.capture();
          return screen.includes("filler 3\n") && !screen.includes("filler 25") ? true : undefined;
        },
        () => `the scrollback page:\n${alice.screen}`,
      );
      await bob.send("while scrolled");
      await alice.waitFor("[lobby 2 +1] alice>");
      await alice.keys("NPage");
      await alice.waitFor("while scrolled");
      const back = await settledScreen(alice);
      ok(back.includes("filler 25"), back);
      ok(lastLine(back).startsWith("[lobby 2] alice>"), back);

      // Reconnect: the server restarts; alice says so in one line and makes the room again.
      await server.shutdown();
      server = await startRealClockServer({ ...UNLIMITED, port });
      await alice.waitFor("reconnecting to lobby…");
      // Alice is back once the new room's member list follows the notice; then carol can join.
      await poll(
        async () =>
          (await alice.capture()).split("reconnecting to lobby…")[1]?.includes("1 in lobby")
            ? true
            : undefined,
        () => `alice back in the room:\n${alice.screen}`,
        START_TRIES,
      );
      const carol = new PipeClient(port, ["lobby", "--name", "carol"]);
      clients.push(carol);
      await alice.waitFor("* carol joined", START_TRIES);
      await carol.send("welcome back");
      await alice.waitFor("carol: welcome back");
      ok(!alice.screen.includes("Connection lost"), alice.screen);

      await alice.type("/quit", true);
      await alice.type("/quit", true);
      await alice.waitFor("EXIT=0");
    } finally {
      await alice.kill();
      for (const client of clients) await client.kill();
      await server.close();
    }
  },
});

Deno.test({
  name: HAS_TMUX
    ? "kaiwa join --json in a terminal is refused with one sentence, exit code 2"
    : "kaiwa join --json in a terminal (skipped: tmux is not installed)",
  ignore: !HAS_TMUX,
  async fn() {
    const pane = new TmuxPane();
    try {
      const command = [Deno.execPath(), "run", "--allow-env", "main.ts", "join", "lobby", "--json"]
        .map((word) => `'${word}'`).join(" ");
      await pane.start(`cd '${ROOT}' && ${command}; echo "EXIT=$?"; sleep 30`);
      const screen = await pane.waitFor("EXIT=", START_TRIES);
      ok(screen.includes("kaiwa: --json is for pipe mode: stdin must not be a terminal"), screen);
      ok(screen.includes(`EXIT=${ExitCode.Usage}`), screen);
    } finally {
      await pane.kill();
    }
  },
});

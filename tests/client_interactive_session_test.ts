/**
 * The interactive client end to end in-process: two users on fake terminals, a real server on
 * 127.0.0.1, real sessions over UDP.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { exitCodeFor } from "../cli/join_reasons.ts";
import { runInteractive } from "../client/interactive/run_interactive.ts";
import { DEFAULT_JOIN_OPTIONS, type JoinOptions } from "../client/options.ts";
import { FakeTerminal, plain } from "./client_interactive_fakes.ts";
import { RECEIVE_TIMEOUT_MS, startRealClockServer, waitFor } from "./server_helpers.ts";

const NO_COLOR = { noColor: "1", term: "xterm-256color", isTerminal: true } as const;

/** No flood or join limits: the tests send and join as fast as they can. */
const UNLIMITED = { floodRate: 0, joinRate: 0 };

/** Joining the test server on `port`, in plaintext: it offers no TLS (tests/tls_test.ts has it). */
function joinOptions(port: number): JoinOptions {
  return { ...DEFAULT_JOIN_OPTIONS, host: "127.0.0.1", port, insecurePlaintext: true };
}

Deno.test("two interactive users chat over a real server", async (t) => {
  const server = await startRealClockServer(UNLIMITED);
  const base = joinOptions(server.tcpAddr.port);
  const alice = new FakeTerminal(100);
  const bob = new FakeTerminal(100);
  let aliceRun: Promise<number> | null = null;
  let bobRun: Promise<number> | null = null;
  try {
    await t.step("alice creates the room from the command line", async () => {
      aliceRun = runInteractive({ ...base, room: "lobby", name: "alice", create: true }, {
        terminal: alice,
        traits: NO_COLOR,
      }).then(exitCodeFor);
      await alice.waitFor("1 in lobby: alice (host, you)");
    });

    await t.step("bob joins through the menu", async () => {
      bobRun = runInteractive(base, { terminal: bob, traits: NO_COLOR }).then(exitCodeFor);
      await bob.waitFor("choose 1-4: ");
      bob.type("2", true);
      await bob.waitFor("room: ");
      bob.type("lobby", true);
      await bob.waitFor("name: ");
      bob.type("bob", true);
      await bob.waitFor("2 in lobby: alice (host), bob (you)");
      await alice.waitFor("* bob joined");
    });

    await t.step(
      "a Japanese and emoji message reaches both, above alice's half-typed line",
      async () => {
        alice.type("half typed");
        await alice.idle();
        bob.type("こんにちは 🎉", true);
        await alice.waitFor("bob: こんにちは 🎉");
        await bob.waitFor("bob: こんにちは 🎉");
        const screen = plain(alice.output);
        ok(
          screen.endsWith(
            "bob: こんにちは 🎉\r\n\r[lobby 2] alice> half typed\r[lobby 2] alice> half typed",
          ),
          JSON.stringify(screen.slice(-80)),
        );
        alice.press({ type: "enter" });
        await bob.waitFor("alice: half typed");
      },
    );

    await t.step("/who lists the members, /rooms the rooms", async () => {
      alice.type("/who", true);
      await alice.waitFor("2 in lobby: alice (host, you), bob");
      bob.type("/rooms", true);
      await bob.waitFor("lobby (2 members)");
    });

    await t.step("the host's first /quit warns, the second closes the room for bob", async () => {
      alice.type("/quit", true);
      await alice.waitFor("you are the host: leaving closes the room");
      alice.type("/quit", true);
      strictEqual(await aliceRun, ExitCode.Ok);
      strictEqual(await bobRun, ExitCode.RoomClosed);
      ok(plain(bob.output).includes("* the room was closed: the host left"));
      deepStrictEqual(server.state.rooms.size, 0);
    });
  } finally {
    alice.end();
    bob.end();
    await aliceRun;
    await bobRun;
    await server.close();
  }
});

Deno.test("an interactive join asks for the password the room needs", async () => {
  const server = await startRealClockServer(UNLIMITED);
  const base = joinOptions(server.tcpAddr.port);
  const carol = new FakeTerminal();
  const dave = new FakeTerminal();
  let carolRun: Promise<number> | null = null;
  let daveRun: Promise<number> | null = null;
  try {
    carolRun = runInteractive({ ...base, name: "carol" }, { terminal: carol, traits: NO_COLOR })
      .then(exitCodeFor);
    await carol.waitFor("choose 1-4: ");
    carol.type("1", true);
    await carol.waitFor("room: ");
    carol.type("vault", true);
    await carol.waitFor("password (empty for none): ");
    carol.type("s3cret", true);
    await carol.waitFor("1 in vault: carol (host, you)");

    daveRun = runInteractive({ ...base, room: "vault", name: "dave" }, {
      terminal: dave,
      traits: NO_COLOR,
    }).then(exitCodeFor);
    await dave.waitFor('room "vault" needs a password');
    dave.type("wrong", true);
    await dave.waitFor("wrong password, try again");
    dave.type("s3cret", true);
    await dave.waitFor("2 in vault: carol (host), dave (you)");
    ok(
      !dave.output.includes("s3cret") && !carol.output.includes("s3cret"),
      "passwords are not echoed",
    );
    await carol.waitFor("* dave joined");
    dave.press({ type: "ctrl-d" });
    strictEqual(await daveRun, ExitCode.Ok);
    await carol.waitFor("* dave left");
  } finally {
    carol.end();
    dave.end();
    await carolRun;
    await daveRun;
    await server.close();
  }
});

/** What a terminal showed after it said it was reconnecting. */
function afterReconnect(terminal: FakeTerminal): string {
  return plain(terminal.output).split("reconnecting to lobby…")[1] ?? "";
}

Deno.test("after a server restart, interactive clients enter the room again by themselves", async () => {
  let server = await startRealClockServer(UNLIMITED);
  const port = server.tcpAddr.port;
  const base = joinOptions(port);
  // Short pauses, many of them: the new server may take a moment to listen, longer on a machine
  // shared with other work (they span a receive's wait, not 2 s).
  const reconnect = { delaysMs: Array(RECEIVE_TIMEOUT_MS / 50).fill(50) };
  const alice = new FakeTerminal(100);
  const bob = new FakeTerminal(100);
  const aliceRun = runInteractive({ ...base, room: "lobby", name: "alice", create: true }, {
    terminal: alice,
    traits: NO_COLOR,
    reconnect,
  }).then(exitCodeFor);
  let bobRun: Promise<number> | null = null;
  try {
    await alice.waitFor("1 in lobby: alice (host, you)");
    bobRun = runInteractive({ ...base, room: "lobby", name: "bob" }, {
      terminal: bob,
      traits: NO_COLOR,
      reconnect,
    }).then(exitCodeFor);
    await bob.waitFor("2 in lobby: alice (host), bob (you)");
    await alice.waitFor("* bob joined");

    // A restart: the server says goodbye and stops, and a new one listens on the same port.
    await server.shutdown();
    server = await startRealClockServer({ ...UNLIMITED, port });
    await alice.waitFor("the server went away; reconnecting to lobby…");
    await bob.waitFor("the server went away; reconnecting to lobby…");
    // Drawn with the notice: while reconnecting, the prompt does not claim a count it lost.
    for (const terminal of [alice, bob]) {
      ok(afterReconnect(terminal).includes("[lobby …]"), plain(terminal.output));
    }
    // Whoever comes back first makes the room again; the other joins it: both prompts count 2.
    for (const terminal of [alice, bob]) {
      await waitFor(
        () => afterReconnect(terminal).includes("[lobby 2]"),
        "[lobby 2] after reconnecting",
      )
        .catch((error) => {
          throw new Error(`${error.message}:\n${plain(terminal.output)}`);
        });
    }
    // Each says it is back; the one that made the room again is told it is the host now.
    const made = "back in lobby, which the server had lost: you made it again and are its host";
    const makers = [alice, bob].filter((terminal) => afterReconnect(terminal).includes(made));
    strictEqual(makers.length, 1, `${plain(alice.output)}\n${plain(bob.output)}`);
    for (const terminal of [alice, bob]) ok(afterReconnect(terminal).includes("* back in lobby"));
    alice.type("still here", true);
    await bob.waitFor("alice: still here").catch((error) => {
      throw new Error(`${error.message}\nalice:\n${plain(alice.output)}`);
    });
    ok(!plain(alice.output).includes("Connection lost"), plain(alice.output));
  } finally {
    alice.end();
    bob.end();
    await aliceRun;
    await bobRun;
    await server.close();
  }
  strictEqual(await aliceRun, ExitCode.Ok);
});

Deno.test("a reconnection after a long silence resumes our membership: our own name is not 'taken'", async () => {
  const server = await startRealClockServer(UNLIMITED);
  const base = joinOptions(server.tcpAddr.port);
  const alice = new FakeTerminal(100);
  const bob = new FakeTerminal(100);
  const aliceRun = runInteractive({ ...base, room: "lobby", name: "alice", create: true }, {
    terminal: alice,
    traits: NO_COLOR,
  }).then(exitCodeFor);
  let bobRun: Promise<number> | null = null;
  try {
    await alice.waitFor("1 in lobby: alice (host, you)");
    // Bob's network goes quiet for longer than his session's own rejoins last (none here): the
    // session ends as lost while the server, which has not timed him out, still holds him.
    bobRun = runInteractive({ ...base, room: "lobby", name: "bob" }, {
      terminal: bob,
      traits: NO_COLOR,
      session: {
        liveness: { pingIntervalMs: 60_000, silenceLimitMs: 300 },
        rejoinDelaysMs: [],
      },
      reconnect: { delaysMs: [10, 10, 10] },
    }).then(exitCodeFor);
    await alice.waitFor("* bob joined");
    await bob.waitFor("the server went away; reconnecting to lobby…");
    await bob.waitFor("* back in lobby");
    ok(!plain(bob.output).includes("gave up"), plain(bob.output));
    // The same member, kept by its token: the room saw no one leave or join.
    strictEqual(plain(alice.output).split("bob joined").length, 2, plain(alice.output));
    ok(!plain(alice.output).includes("bob left"), plain(alice.output));
  } finally {
    bob.end();
    alice.end();
    await bobRun;
    await aliceRun;
    await server.close();
  }
});

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  ChatScreen,
  HOST_QUIT_CONFIRM_MS,
  type Reconnected,
  type ScreenSession,
} from "../client/interactive/chat_screen.ts";
import { ChatView, HOST_QUIT_WARNING } from "../client/interactive/chat_view.ts";
import { TerminalPrompter } from "../client/interactive/prompter.ts";
import { DEFAULT_LIVENESS_CONFIG } from "../client/liveness.ts";
import { ClientError } from "../client/errors.ts";
import type { SayResult, SessionEnd } from "../client/session.ts";
import { encodeUtf8, type RoomList } from "../protocol/mod.ts";
import { FakeTerminal, plain } from "./client_interactive_fakes.ts";

const TIME = new Date(2024, 0, 1, 9, 5).getTime();
const MAX_BYTES = 32;

/** A session that records what the screen asks of it and ends when told. */
class FakeSession implements ScreenSession {
  readonly said: string[] = [];
  whoCount = 0;
  leaveCount = 0;
  readonly maxMessageBytes = MAX_BYTES;
  #finish: (end: SessionEnd) => void = () => {};

  run(): Promise<SessionEnd> {
    return new Promise((resolve) => this.#finish = resolve);
  }

  say(text: string): SayResult {
    if (encodeUtf8(text).length > MAX_BYTES) return "too-long";
    this.said.push(text);
    return "queued";
  }

  who(): void {
    this.whoCount++;
  }

  readonly pending = 0;
  readonly unconfirmed: string[] = [];

  leave(): Promise<void> {
    this.leaveCount++;
    this.#finish({ kind: "left" });
    return Promise.resolve();
  }

  end(end: SessionEnd): void {
    this.#finish(end);
  }
}

function setUp(
  options: {
    created?: boolean;
    listRooms?: () => Promise<RoomList>;
    others?: string[];
    bell?: "always" | "unfocused";
    reconnect?: (signal: AbortSignal) => Promise<Reconnected | ClientError | null>;
  } = {},
) {
  const terminal = new FakeTerminal(120);
  const time = { now: TIME };
  const view = new ChatView({
    room: "lobby",
    name: "ann",
    created: options.created ?? false,
    style: { color: "none" },
    silenceLimitMs: DEFAULT_LIVENESS_CONFIG.silenceLimitMs,
    clock: () => TIME,
  });
  const screen = new ChatScreen({
    terminal,
    view,
    ansi: true,
    clock: () => time.now,
    bell: options.bell,
    reconnect: options.reconnect,
    listRooms: options.listRooms ?? (() => Promise.resolve({ rooms: [], truncated: false })),
  });
  const session = new FakeSession();
  const running = screen.run(session);
  if (options.others !== undefined) {
    screen.event({ type: "joined", time: TIME, names: options.others }, false);
  }
  return { terminal, screen, session, running, time };
}

Deno.test("ChatScreen: the input line and the session", { permissions: "none" }, async (t) => {
  await t.step("a line is sent, and shown only when the server confirms it", async () => {
    const { terminal, screen, session, running } = setUp();
    terminal.type("こんにちは", true);
    await terminal.idle();
    deepStrictEqual(session.said, ["こんにちは"]);
    ok(!plain(terminal.output).includes("ann: こんにちは"));
    screen.event({ type: "chat", time: TIME, seq: 1, sender: "ann", text: "こんにちは" }, true);
    ok(plain(terminal.output).includes("09:05 ann: こんにちは"));
    session.end({ kind: "left" });
    deepStrictEqual(await running, { kind: "left" });
  });

  await t.step(
    "an incoming line is printed above, and the half-typed input is redrawn",
    async () => {
      const { terminal, screen, session, running } = setUp();
      terminal.type("half typed");
      await terminal.idle();
      const before = terminal.output.length;
      screen.event({ type: "chat", time: TIME, seq: 1, sender: "bob", text: "🎉 yo" }, false);
      const written = terminal.output.slice(before);
      strictEqual(
        plain(written),
        "\r09:05 bob: 🎉 yo\r\n\r[lobby 1] ann> half typed\r[lobby 1] ann> half typed",
      );
      session.end({ kind: "left" });
      await running;
    },
  );

  await t.step("a message too long is not sent and stays in the editor", async () => {
    const { terminal, screen, session, running } = setUp();
    terminal.type("x".repeat(MAX_BYTES + 1), true);
    await terminal.idle();
    deepStrictEqual(session.said, []);
    strictEqual(screen.editor.text, "x".repeat(MAX_BYTES + 1));
    ok(plain(terminal.output).includes(`* message too long: ${MAX_BYTES} bytes max, not sent`));
    session.end({ kind: "left" });
    await running;
  });

  await t.step("/who asks the session; /help and unknown commands are notices", async () => {
    const { terminal, session, running } = setUp();
    terminal.type("/who", true);
    terminal.type("/help", true);
    terminal.type("/nope", true);
    await terminal.idle();
    strictEqual(session.whoCount, 1);
    const output = plain(terminal.output);
    ok(output.includes("* /rooms"), output);
    ok(output.includes("* unknown command /nope: /help lists the commands"), output);
    deepStrictEqual(session.said, []);
    session.end({ kind: "left" });
    await running;
  });

  await t.step("/rooms lists the rooms, or says why it cannot", async () => {
    const list = { rooms: [{ name: "lobby", members: 2, password: true }], truncated: false };
    const ok1 = setUp({ listRooms: () => Promise.resolve(list) });
    ok1.terminal.type("/rooms", true);
    await ok1.terminal.waitFor("lobby (2 members) 🔒");
    ok1.session.end({ kind: "left" });
    await ok1.running;
    const failing = setUp({
      listRooms: () => Promise.reject(new ClientError("Cannot reach the server", "unreachable")),
    });
    failing.terminal.type("/rooms", true);
    await failing.terminal.waitFor("* Cannot reach the server");
    failing.session.end({ kind: "left" });
    await failing.running;
  });

  await t.step("a resize redraws the input for the new width", async () => {
    const { terminal, session, running } = setUp();
    terminal.type("abcdefghijklmnopqrstuvwxyz");
    await terminal.idle();
    const before = terminal.output.length;
    terminal.resize(24);
    // 24 columns: the prompt (15), one cell kept for the cursor, 8 cells of input.
    strictEqual(
      plain(terminal.output.slice(before)),
      "\r\r[lobby 1] ann> stuvwxyz\r[lobby 1] ann> stuvwxyz",
    );
    session.end({ kind: "left" });
    await running;
    ok(terminal.resizeListenerRemoved);
  });

  await t.step("the end of the session is said, and the screen is left clean", async () => {
    const { terminal, screen, session, running } = setUp();
    screen.event({ type: "room-closed", time: TIME, reason: 1 }, false);
    session.end({ kind: "room-closed", reason: 1 });
    await running;
    ok(plain(terminal.output).includes("* the room was closed: the host left"));
    ok(
      terminal.output.endsWith("\r\x1b[K\x1b[?1004l\x1b[?2004l"),
      JSON.stringify(terminal.output.slice(-20)),
    );
    const lost = setUp();
    lost.session.end({ kind: "lost" });
    await lost.running;
    ok(plain(lost.terminal.output).includes("* Connection lost: the server has not answered"));
  });
});

Deno.test("ChatScreen: leaving", { permissions: "none" }, async (t) => {
  await t.step("/quit and /exit leave at once when we are not the host", async () => {
    for (const command of ["/quit", "/exit"]) {
      const { terminal, session, running } = setUp();
      terminal.type(command, true);
      deepStrictEqual(await running, { kind: "left" });
      strictEqual(session.leaveCount, 1);
    }
  });

  await t.step("the host is warned on the first /quit and leaves on the second", async () => {
    const { terminal, session, running } = setUp({ created: true, others: ["bob"] });
    terminal.type("/quit", true);
    await terminal.idle();
    strictEqual(session.leaveCount, 0);
    ok(plain(terminal.output).includes(`* ${HOST_QUIT_WARNING}`));
    terminal.type("/quit", true);
    await running;
    strictEqual(session.leaveCount, 1);
  });

  await t.step("Ctrl-C and Ctrl-D on an empty line count as /quit", async () => {
    const host = setUp({ created: true, others: ["bob"] });
    host.terminal.press({ type: "ctrl-c" });
    await host.terminal.idle();
    strictEqual(host.session.leaveCount, 0);
    host.terminal.press({ type: "ctrl-d" });
    await host.running;
    strictEqual(host.session.leaveCount, 1);
    const member = setUp();
    member.terminal.type("draft");
    member.terminal.press({ type: "ctrl-d" }, { type: "ctrl-a" }, { type: "ctrl-k" }, {
      type: "ctrl-d",
    });
    await member.running;
    strictEqual(member.session.leaveCount, 1);
  });

  await t.step("a host alone leaves at once: there is nobody to warn about", async () => {
    const { terminal, session, running } = setUp({ created: true });
    terminal.type("/quit", true);
    await running;
    strictEqual(session.leaveCount, 1);
    ok(!plain(terminal.output).includes(HOST_QUIT_WARNING));
  });

  await t.step("the host's warning expires: a /quit long after it warns again", async () => {
    const { terminal, session, running, time } = setUp({ created: true, others: ["bob"] });
    terminal.type("/quit", true);
    await terminal.idle();
    time.now += HOST_QUIT_CONFIRM_MS + 1;
    terminal.type("/quit", true);
    await terminal.idle();
    strictEqual(session.leaveCount, 0);
    strictEqual(plain(terminal.output).split(HOST_QUIT_WARNING).length - 1, 2);
    terminal.type("/quit", true);
    await running;
    strictEqual(session.leaveCount, 1);
  });

  await t.step("the end of input (or a stop signal) leaves, host or not", async () => {
    const { terminal, session, running } = setUp({ created: true });
    terminal.end();
    await running;
    strictEqual(session.leaveCount, 1);
  });
});

Deno.test(
  "TerminalPrompter reads a line, a password without echo",
  { permissions: "none" },
  async (t) => {
    await t.step("an answer is edited and left on screen", async () => {
      const terminal = new FakeTerminal();
      const prompter = new TerminalPrompter(terminal, true);
      const answer = prompter.ask("room: ");
      terminal.type("lobbx");
      terminal.press({ type: "backspace" }, { type: "text", text: "y" }, { type: "enter" });
      strictEqual(await answer, "lobby");
      ok(
        plain(terminal.output).endsWith("room: lobby\r\n"),
        JSON.stringify(plain(terminal.output)),
      );
    });

    await t.step("a secret never reaches the screen", async () => {
      const terminal = new FakeTerminal();
      const prompter = new TerminalPrompter(terminal, true);
      const answer = prompter.ask("password: ", true);
      terminal.type("hunter2", true);
      strictEqual(await answer, "hunter2");
      ok(!terminal.output.includes("hunter2"));
      ok(!terminal.output.includes("*******"));
    });

    await t.step("Enter alone answers empty; Ctrl-C and the end of input give up", async () => {
      const terminal = new FakeTerminal();
      const prompter = new TerminalPrompter(terminal, false);
      const empty = prompter.ask("password (empty for none): ", true);
      terminal.press({ type: "enter" });
      strictEqual(await empty, "");
      const interrupted = prompter.ask("room: ");
      terminal.press({ type: "text", text: "lob" }, { type: "ctrl-c" });
      strictEqual(await interrupted, null);
      const ended = prompter.ask("room: ");
      terminal.end();
      strictEqual(await ended, null);
      ok(!terminal.output.includes("\x1b"), "TERM=dumb: no escape codes");
    });
  },
);

Deno.test("ChatScreen: a rejoin is told, and a room found gone ends with its sentence", {
  permissions: "none",
}, async () => {
  const { terminal, screen, session, running } = setUp();
  screen.rejoin("rejoining");
  screen.rejoin("back");
  // What the rejoin's History brings is what was missed, not the room's past from before.
  screen.event(
    { type: "chat", time: TIME, seq: 1, sender: "bo", text: "hi", history: true },
    false,
  );
  const shown = plain(terminal.output);
  ok(shown.includes("* connection lost; rejoining…"), shown);
  ok(shown.includes("* back in lobby"), shown);
  ok(shown.includes("* messages while you were away:"), shown);
  ok(!shown.includes("earlier messages"), shown);
  session.end({ kind: "room-gone" });
  deepStrictEqual(await running, { kind: "room-gone" });
  ok(plain(terminal.output).includes("* The room is gone"), plain(terminal.output));
});

Deno.test(
  "ChatScreen: completion, /me, mentions (issue #15)",
  { permissions: "none" },
  async (t) => {
    await t.step("Tab completes a member's name, ': ' at the start of the line", async () => {
      const { terminal, screen, session, running } = setUp({ others: ["alice", "bob"] });
      terminal.type("al");
      terminal.press({ type: "tab" });
      await terminal.idle();
      strictEqual(screen.editor.text, "alice: ");
      terminal.press({ type: "ctrl-u" });
      terminal.type("/wh");
      terminal.press({ type: "tab" });
      await terminal.idle();
      strictEqual(screen.editor.text, "/who ");
      session.end({ kind: "left" });
      await running;
    });

    await t.step("/me sends an action; a line of only spaces is not sent", async () => {
      const { terminal, session, running } = setUp();
      terminal.type("/me waves", true);
      terminal.type("   ", true);
      terminal.type("/me", true);
      await terminal.idle();
      deepStrictEqual(session.said, ["/me waves"]);
      ok(plain(terminal.output).includes("* /me needs an action"));
      session.end({ kind: "left" });
      await running;
    });

    await t.step("a mention rings the bell only out of focus, or always with --bell", async () => {
      const mention = {
        type: "chat",
        time: TIME,
        seq: 1,
        sender: "bob",
        text: "ann: lunch?",
      } as const;
      const focused = setUp();
      focused.screen.event(mention, false);
      ok(!focused.terminal.output.includes("\x07"));
      focused.terminal.press({ type: "focus-out" });
      await focused.terminal.idle();
      focused.screen.event({ ...mention, seq: 2 }, false);
      ok(focused.terminal.output.includes("\x07"));
      focused.session.end({ kind: "left" });
      await focused.running;
      const always = setUp({ bell: "always" });
      always.screen.event(mention, false);
      ok(always.terminal.output.includes("\x07"));
      always.screen.event({ ...mention, seq: 2, text: "no name here" }, false);
      strictEqual(always.terminal.output.split("\x07").length, 2);
      always.session.end({ kind: "left" });
      await always.running;
    });
  },
);

Deno.test(
  "ChatScreen: scrollback and the status prompt (issue #15)",
  { permissions: "none" },
  async (t) => {
    await t.step(
      "PageUp opens the alternate screen; lines meanwhile are counted, then shown",
      async () => {
        const { terminal, screen, session, running } = setUp();
        terminal.height = 4;
        for (let seq = 1; seq <= 8; seq++) {
          screen.event(
            { type: "chat", time: TIME, seq, sender: "bob", text: `line ${seq}` },
            false,
          );
        }
        terminal.press({ type: "page-up" });
        await terminal.idle();
        const opened = terminal.output.lastIndexOf("\x1b[?1049h");
        ok(opened !== -1);
        // A page of three rows above the input line: the page above the bottom one (lines 6-8).
        const page = plain(terminal.output.slice(opened));
        ok(page.includes("line 3") && page.includes("line 5") && !page.includes("line 6"), page);
        screen.event(
          { type: "chat", time: TIME, seq: 9, sender: "bob", text: "while away" },
          false,
        );
        ok(plain(terminal.output).includes("[lobby 1 +1] ann> "));
        const before = terminal.output.length;
        terminal.press({ type: "page-down" });
        await terminal.idle();
        const after = terminal.output.slice(before);
        ok(after.startsWith("\x1b[?1049l"), JSON.stringify(after));
        ok(plain(after).includes("09:05 bob: while away"), after);
        ok(plain(after).endsWith("[lobby 1] ann> "), after);
        session.end({ kind: "left" });
        await running;
      },
    );

    await t.step("the prompt shows the member count and the messages being sent", async () => {
      const { terminal, screen, session, running } = setUp({ others: ["bob", "carol"] });
      Object.defineProperty(session, "pending", { value: 1 });
      terminal.type("hi", true);
      await terminal.idle();
      ok(plain(terminal.output).includes("[lobby 3] ann (sending 1)> "), plain(terminal.output));
      // Confirmed without an echo to show (one seen before, as history): the count goes all the same.
      Object.defineProperty(session, "pending", { value: 0 });
      screen.confirmed();
      ok(plain(terminal.output).endsWith("[lobby 3] ann> "), plain(terminal.output));
      session.end({ kind: "left" });
      await running;
    });
  },
);

Deno.test(
  "ChatScreen: reconnects after the server went away (issue #15)",
  { permissions: "none" },
  async () => {
    const next = new FakeSession();
    let back: (reconnected: Reconnected) => void = () => {};
    const { terminal, session, running } = setUp({
      others: ["bob"],
      reconnect: () => new Promise((resolve) => back = resolve),
    });
    Object.defineProperty(session, "unconfirmed", { value: ["not confirmed yet"] });
    session.end({ kind: "shutdown" });
    await terminal.waitFor("* the server went away; reconnecting to lobby…");
    // The members are forgotten until the new room says who is there (the prompt claims no
    // count); what was not confirmed is held for the new session.
    ok(plain(terminal.output).endsWith("[lobby …] ann (sending 1)> "), plain(terminal.output));
    terminal.type("typed meanwhile", true);
    await terminal.idle();
    ok(plain(terminal.output).includes("[lobby …] ann (sending 2)> "));
    back({ session: next, created: false });
    await terminal.waitFor("* back in lobby");
    terminal.type("still here", true);
    await terminal.idle();
    deepStrictEqual(next.said, ["not confirmed yet", "typed meanwhile", "still here"]);
    terminal.type("/quit", true);
    deepStrictEqual(await running, { kind: "left" });
    ok(!plain(terminal.output).includes("Connection lost"));
    ok(!plain(terminal.output).includes("not delivered"));
  },
);

Deno.test(
  "ChatScreen: a reconnection that fails ends as the session did, listing what was held",
  { permissions: "none" },
  async () => {
    const gaveUp = new ClientError("Cannot reach the server at 127.0.0.1:9001", "unreachable");
    const { terminal, session, running } = setUp({ reconnect: () => Promise.resolve(gaveUp) });
    Object.defineProperty(session, "unconfirmed", { value: ["lost words"] });
    session.end({ kind: "shutdown" });
    deepStrictEqual(await running, { kind: "shutdown" });
    // The last word is not "reconnecting…": the user is told it gave up, and why.
    ok(
      plain(terminal.output).includes(
        "* gave up reconnecting to lobby: Cannot reach the server at 127.0.0.1:9001",
      ),
      plain(terminal.output),
    );
    strictEqual(plain(terminal.output).split("not delivered: lost words").length, 2);
  },
);

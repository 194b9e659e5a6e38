import { notStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  detectColorMode,
  formatChatLine,
  formatClock,
  formatNotice,
  nameColor,
  type RenderStyle,
} from "../client/tui/render.ts";

const PLAIN: RenderStyle = { color: "none" };
const COLOR_256: RenderStyle = { color: "256" };
const COLOR_16: RenderStyle = { color: "16" };
/** 09:05 local time, whatever the machine's time zone. */
const MORNING = new Date(2024, 0, 2, 9, 5, 59);
const HOSTILE = "\x1b[2J\x1b]52;c;cm0gLXJm\x07\x9b31m\u202eevil\x00\x07\x08";

Deno.test({
  name: "formatClock() shows local HH:MM",
  permissions: "none",
  fn: () => {
    strictEqual(formatClock(MORNING), "09:05");
    strictEqual(formatClock(MORNING.getTime()), "09:05");
    strictEqual(formatClock(new Date(2024, 0, 2, 23, 0)), "23:00");
  },
});

Deno.test({
  name: "formatChatLine() shows time, sender and text",
  permissions: "none",
  fn: async (t) => {
    await t.step("without colour: plain 'HH:MM sender: text'", () => {
      const line = formatChatLine({
        time: MORNING,
        sender: "ゆき",
        text: "こんにちは 👋",
        self: false,
      }, PLAIN);
      strictEqual(line, "09:05 ゆき: こんにちは 👋");
    });
    await t.step("without colour, own messages look the same", () => {
      const line = formatChatLine({ time: MORNING, sender: "me", text: "hi", self: true }, PLAIN);
      strictEqual(line, "09:05 me: hi");
    });
    await t.step("with colour: dim time, sender in its colour, text unstyled", () => {
      const line = formatChatLine(
        { time: MORNING, sender: "bob", text: "hi", self: false },
        COLOR_256,
      );
      strictEqual(line, `\x1b[2m09:05\x1b[0m \x1b[${nameColor("bob", "256")}mbob:\x1b[0m hi`);
    });
    await t.step("own name is bold as well as coloured", () => {
      const line = formatChatLine(
        { time: MORNING, sender: "bob", text: "hi", self: true },
        COLOR_16,
      );
      ok(line.includes(`\x1b[1;${nameColor("bob", "16")}mbob:`));
    });
    await t.step("sanitises sender and text", () => {
      const line = formatChatLine({
        time: MORNING,
        sender: "m\x1b[0mallory",
        text: HOSTILE,
        self: false,
      }, PLAIN);
      strictEqual(line, "09:05 m\uFFFDallory: \uFFFD\uFFFD\uFFFDevil\uFFFD\uFFFD\uFFFD");
    });
    await t.step("NO_COLOR output holds no ESC byte at all, even with hostile input", () => {
      const line = formatChatLine(
        { time: MORNING, sender: "m\x1bx", text: HOSTILE, self: true },
        PLAIN,
      );
      const notice = formatNotice(HOSTILE, MORNING, PLAIN);
      ok(!line.includes("\x1b") && !notice.includes("\x1b"));
      ok(!/[\x80-\x9f]/.test(line + notice));
    });
    await t.step("with colour, the only ESC bytes are our own SGR codes", () => {
      const line = formatChatLine(
        { time: MORNING, sender: "x", text: HOSTILE, self: false },
        COLOR_256,
      );
      // deno-lint-ignore no-control-regex -- ESC is what is being matched
      const withoutSgr = line.replace(/\x1b\[[0-9;]*m/g, "");
      ok(!withoutSgr.includes("\x1b"));
    });
  },
});

Deno.test({
  name: "formatNotice() shows a dim '*' line",
  permissions: "none",
  fn: () => {
    strictEqual(formatNotice("alice joined", MORNING, PLAIN), "09:05 * alice joined");
    strictEqual(
      formatNotice("alice joined", MORNING, COLOR_16),
      "\x1b[2m09:05 * alice joined\x1b[0m",
    );
    strictEqual(formatNotice("bad\x1b[2J", MORNING, PLAIN), "09:05 * bad\uFFFD");
  },
});

Deno.test({
  name: "nameColor() gives each name a stable colour from a small palette",
  permissions: "none",
  fn: async (t) => {
    const names = ["alice", "bob", "carol", "dave", "erin", "frank", "ゆき", "😀"];
    await t.step("the same name always gets the same colour", () => {
      for (const name of names) strictEqual(nameColor(name, "256"), nameColor(name, "256"));
      // Pinned (FNV-1a of "alice" is 0x872213e7): the colour must not change between versions.
      strictEqual(nameColor("alice", "256"), "38;5;30");
    });
    await t.step("different names spread over several colours", () => {
      ok(new Set(names.map((name) => nameColor(name, "256"))).size >= 4);
      ok(new Set(names.map((name) => nameColor(name, "16"))).size >= 4);
    });
    await t.step("16-colour codes are foreground SGR codes; none gives nothing", () => {
      for (const name of names) ok(/^(3[1-6]|9[1-6])$/.test(nameColor(name, "16")));
      strictEqual(nameColor("alice", "none"), "");
      notStrictEqual(nameColor("alice", "16"), "");
    });
  },
});

Deno.test({
  name: "detectColorMode() honours NO_COLOR, TERM and the tty",
  permissions: "none",
  fn: () => {
    strictEqual(detectColorMode({ term: "xterm-256color", isTerminal: true }), "256");
    strictEqual(
      detectColorMode({ term: "xterm", colorTerm: "truecolor", isTerminal: true }),
      "256",
    );
    strictEqual(detectColorMode({ term: "xterm", isTerminal: true }), "16");
    strictEqual(detectColorMode({ isTerminal: true }), "16");
    strictEqual(
      detectColorMode({ noColor: "1", term: "xterm-256color", isTerminal: true }),
      "mono",
    );
    strictEqual(detectColorMode({ noColor: "", term: "xterm", isTerminal: true }), "16");
    strictEqual(detectColorMode({ term: "dumb", isTerminal: true }), "none");
    strictEqual(detectColorMode({ term: "xterm-256color", isTerminal: false }), "none");
  },
});

Deno.test({
  name: "NO_COLOR on a terminal: no colour, but a mention stays in reverse video (no-color.org)",
  permissions: "none",
  fn: () => {
    const style = {
      color: detectColorMode({ noColor: "1", term: "xterm-256color", isTerminal: true }),
    };
    const mention = formatChatLine(
      { time: MORNING, sender: "bob", text: "ann: look", self: false, mention: true },
      style,
    );
    strictEqual(mention, "\x1b[2m09:05\x1b[0m bob: \x1b[7mann: look\x1b[0m");
    const own = formatChatLine({ time: MORNING, sender: "ann", text: "hi", self: true }, style);
    strictEqual(own, "\x1b[2m09:05\x1b[0m \x1b[1mann:\x1b[0m hi", "our name bold, uncoloured");
    strictEqual(nameColor("bob", "mono"), "");
  },
});

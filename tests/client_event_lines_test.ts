import { strictEqual } from "node:assert/strict";
import { formatEventLine } from "../client/event_lines.ts";
import { LeaveReason } from "../protocol/mod.ts";

Deno.test("formatEventLine writes chat as 'name: text' and notices as standard text", {
  permissions: "none",
}, () => {
  strictEqual(
    formatEventLine({ type: "chat", time: 0, seq: 1, sender: "ann", text: "こんにちは" }, false),
    "ann: こんにちは",
  );
  strictEqual(formatEventLine({ type: "joined", time: 0, names: ["bo"] }, false), "* bo joined");
  strictEqual(
    formatEventLine({ type: "left", time: 0, reason: LeaveReason.Left, names: ["bo"] }, false),
    "* bo left",
  );
  strictEqual(formatEventLine({ type: "pong", time: 0 }, false), null);
  strictEqual(formatEventLine({ type: "members", time: 0, members: [] }, false), null);
});

Deno.test("formatEventLine keeps hostile text on one safe line", { permissions: "none" }, () => {
  const line = formatEventLine({
    type: "chat",
    time: 0,
    seq: 1,
    sender: "ann",
    text: "a\nb\u001b[2Jc\u202e",
  }, false)!;
  for (const unsafe of ["\n", "\u001b", "\u202e"]) strictEqual(line.includes(unsafe), false, line);
});

Deno.test("formatEventLine in JSON mode gives one parseable line per event", {
  permissions: "none",
}, () => {
  const event = {
    type: "chat" as const,
    time: 5,
    seq: 2,
    sender: "ann",
    text: "line\nbreak\u001b",
  };
  const line = formatEventLine(event, true)!;
  strictEqual(line.includes("\n"), false);
  strictEqual(JSON.parse(line).text, event.text);
  strictEqual(formatEventLine({ type: "pong", time: 0 }, true), null);
});

Deno.test("formatEventLine in JSON mode escapes C1 controls, DEL, U+2028 and U+2029 (fault 5)", {
  permissions: "none",
}, () => {
  const text = "csi\u009b2J del\u007f nel\u0085 ls\u2028 ps\u2029 ok";
  const line = formatEventLine({ type: "chat", time: 5, seq: 2, sender: "a\u009bb", text }, true)!;
  // deno-lint-ignore no-control-regex -- control characters are what is being looked for
  strictEqual(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(line), false, line);
  strictEqual(line.includes("\\u009b2J"), true, line);
  strictEqual(JSON.parse(line).text, text);
  strictEqual(JSON.parse(line).sender, "a\u009bb");
});

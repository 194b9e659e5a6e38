import { deepStrictEqual, ok } from "node:assert/strict";
import { HELP_LINES, parseChatInput } from "../client/interactive/commands.ts";

Deno.test("parseChatInput() tells messages from commands", { permissions: "none" }, async (t) => {
  await t.step("plain text, Japanese and emoji are messages, unchanged", () => {
    deepStrictEqual(parseChatInput("hello"), { type: "say", text: "hello" });
    deepStrictEqual(parseChatInput("こんにちは 🎉"), { type: "say", text: "こんにちは 🎉" });
    deepStrictEqual(parseChatInput(" /who"), { type: "say", text: " /who" });
  });

  await t.step("each command, and /exit as /quit", () => {
    deepStrictEqual(parseChatInput("/quit"), { type: "quit" });
    deepStrictEqual(parseChatInput("/exit"), { type: "quit" });
    deepStrictEqual(parseChatInput("/who"), { type: "who" });
    deepStrictEqual(parseChatInput("/rooms"), { type: "rooms" });
    deepStrictEqual(parseChatInput("/help"), { type: "help" });
  });

  await t.step("commands ignore case and words after them", () => {
    deepStrictEqual(parseChatInput("/QUIT"), { type: "quit" });
    deepStrictEqual(parseChatInput("/who   "), { type: "who" });
    deepStrictEqual(parseChatInput("/quit now"), { type: "quit" });
  });

  await t.step("an unknown command is never sent as text", () => {
    deepStrictEqual(parseChatInput("/whoo"), { type: "unknown", name: "/whoo" });
    deepStrictEqual(parseChatInput("/ nope"), { type: "unknown", name: "/" });
    deepStrictEqual(parseChatInput("/Shrug ¯\\_(ツ)_/¯"), { type: "unknown", name: "/Shrug" });
  });

  await t.step("two slashes send the text with one", () => {
    deepStrictEqual(parseChatInput("//who"), { type: "say", text: "/who" });
    deepStrictEqual(parseChatInput("//"), { type: "say", text: "/" });
  });

  await t.step("the help lists every command", () => {
    for (const command of ["/who", "/rooms", "/quit", "/exit", "/help"]) {
      ok(HELP_LINES.some((line) => line.includes(command)), command);
    }
  });
});

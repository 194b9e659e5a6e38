/**
 * Text a standard member sends reaches the other standard members neutralised (docs/protocol.md
 * §3.3): it cannot forge a line from another sender or act on their terminals. kaiwa members get
 * it as it was sent: kaiwa's client sanitises on display.
 */

import { ok, strictEqual } from "node:assert/strict";
import { encodeUtf8, isBidiControl, isControlCharacter, Operation } from "../protocol/mod.ts";
import { enter, SILENCE_MS, startTestServer, UdpClient } from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;

/** The finding of issue 10: "hi", CR, LF, "alice: forged". */
const FORGED = Uint8Array.of(0x68, 0x69, 0x0d, 0x0a, ...encodeUtf8("alice: forged"));
/** OSC 52, a clipboard write: ESC ] 52 ; c ; base64 BEL. */
const OSC_52 = encodeUtf8("\u001b]52;c;aGVsbG8=\u0007");
/** True when a character of `line` would act on a terminal (TAB aside: it stays, §3.3). */
const hasActing = (line: string) =>
  [...line].some((char) => {
    const code = char.codePointAt(0)!;
    return code !== TAB && (isControlCharacter(code) || isBidiControl(code));
  });
const TAB = 0x09;

Deno.test("a standard member's text is neutralised for the others", async (t) => {
  await using test = await startTestServer();
  await using alice = new UdpClient();
  await using mallory = new UdpClient();
  await using kit = new UdpClient();
  await enter(test, alice, CreateRoom, "r", "alice", { announce: true });
  const token = await enter(test, mallory, JoinRoom, "r", "mallory", { announce: true });
  await alice.receiveText(); // * mallory joined
  await enter(test, kit, JoinRoom, "r", "kit", { kaiwa: true });
  await kit.receiveEvent(); // its member list
  await alice.receiveText(); // * kit joined
  await mallory.receiveText(); // * kit joined

  await t.step("CR LF cannot forge a line: the reader gets one line, no control", async () => {
    await mallory.send(test.udp, "r", token, FORGED);
    const line = await alice.receiveText();
    strictEqual(line, "mallory: hi\uFFFD\uFFFDalice: forged");
    ok(!hasActing(line));
    strictEqual(await alice.receive(SILENCE_MS), null, "one datagram, not two");
  });
  await t.step("an escape sequence arrives without its ESC and BEL", async () => {
    await mallory.send(test.udp, "r", token, OSC_52);
    strictEqual(await alice.receiveText(), "mallory: \uFFFD]52;c;aGVsbG8=\uFFFD");
  });
  await t.step("a kaiwa member gets the text as sent, to sanitise on display", async () => {
    const forged = await kit.receiveEvent();
    strictEqual(forged.type === "chat" && forged.text, "hi\r\nalice: forged");
    const osc = await kit.receiveEvent();
    strictEqual(osc.type === "chat" && osc.text, "\u001b]52;c;aGVsbG8=\u0007");
  });
});

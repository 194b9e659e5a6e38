/**
 * Every proper prefix of every §6 vector, through the decoder of its format. Each format says
 * exactly which prefixes are truncated and which are a shorter valid message (an open-ended
 * tail: a datagram's message, a chat or notice text), so no outcome is accepted by default.
 */

import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  decodeCommand,
  decodeEvent,
  decodePortAnnouncement,
  decodeTcrpFrame,
  decodeTcrpHeader,
  EVENT_HEADER_SIZE,
  InvalidTextError,
  type KaiwaEvent,
  parseClientDatagram,
  parseStage1Datagram,
  TCRP_HEADER_SIZE,
  TruncatedError,
} from "../protocol/mod.ts";
import { loadVectors } from "./protocol_vectors.ts";

/** Checks the decoder's outcome for `prefix`, a proper prefix of `whole`. */
type PrefixCheck = (prefix: Uint8Array, whole: Uint8Array) => void;

const strict = new TextDecoder("utf-8", { fatal: true });

/** Whether bytes are valid UTF-8, decided independently of protocol/utf8.ts. */
function isUtf8(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Every declared length covers the whole frame: any proper prefix is truncated. */
const tcrpFrame: PrefixCheck = (prefix) => {
  throws(() => decodeTcrpFrame(prefix), TruncatedError);
  if (prefix.length < TCRP_HEADER_SIZE) throws(() => decodeTcrpHeader(prefix), TruncatedError);
};

/** Room name and token are declared; the message is whatever follows them. */
function clientDatagram(commandTail: boolean): PrefixCheck {
  return (prefix, whole) => {
    const messageStart = 2 + whole[0] + whole[1];
    if (prefix.length < messageStart) {
      throws(() => parseClientDatagram(prefix), TruncatedError);
      return;
    }
    const datagram = parseClientDatagram(prefix);
    deepStrictEqual(datagram.roomName, whole.subarray(2, 2 + whole[0]));
    deepStrictEqual(datagram.token, whole.subarray(2 + whole[0], messageStart));
    deepStrictEqual(datagram.message, whole.subarray(messageStart, prefix.length));
    if (!commandTail) return;
    // A cut chat command is a shorter chat, unless the cut splits a character.
    const message = datagram.message;
    if (message.length === 0) deepStrictEqual(decodeCommand(message), { type: "keepalive" });
    else if (isUtf8(message.subarray(1))) {
      deepStrictEqual(decodeCommand(message), {
        type: "chat",
        text: strict.decode(message.subarray(1)),
      });
    } else throws(() => decodeCommand(message), InvalidTextError);
  };
}

/** Events whose every field is fixed or counted: any proper prefix is truncated. */
const countedEvent: PrefixCheck = (prefix) => {
  throws(() => decodeEvent(prefix), TruncatedError);
};

/**
 * Events ending in a text (chat, notice): a prefix cut inside the text is a shorter text, or
 * invalid text when the cut splits a character.
 */
function textEvent(textStart: (whole: Uint8Array) => number): PrefixCheck {
  return (prefix, whole) => {
    const start = textStart(whole);
    if (prefix.length < start) {
      throws(() => decodeEvent(prefix), TruncatedError);
      return;
    }
    const text = prefix.subarray(start);
    if (!isUtf8(text)) {
      throws(() => decodeEvent(prefix), InvalidTextError);
      return;
    }
    const expected = { ...decodeEvent(whole), text: strict.decode(text) };
    deepStrictEqual(decodeEvent(prefix), expected);
  };
}

/** The username is declared; the message is whatever follows it. */
const stage1: PrefixCheck = (prefix, whole) => {
  const messageStart = 1 + whole[0];
  if (prefix.length < messageStart) {
    throws(() => parseStage1Datagram(prefix), TruncatedError);
    return;
  }
  const datagram = parseStage1Datagram(prefix);
  deepStrictEqual(datagram.username, whole.subarray(1, messageStart));
  deepStrictEqual(datagram.message, whole.subarray(messageStart, prefix.length));
};

/**
 * A Pong's latest seq is optional (§4.2): the header alone is an older server's Pong; a prefix cut
 * inside the header or the u32 is truncated.
 */
const pongEvent: PrefixCheck = (prefix, whole) => {
  if (prefix.length !== EVENT_HEADER_SIZE) {
    throws(() => decodeEvent(prefix), TruncatedError);
    return;
  }
  const { latest: _, ...older } = decodeEvent(whole) as Extract<KaiwaEvent, { type: "pong" }>;
  deepStrictEqual(decodeEvent(prefix), older);
};

// Chat: header 10, seq 4, sender length 1, sender. Notice: header 10, code 1.
const CHAT_TEXT_START = (whole: Uint8Array) => 15 + whole[14];
const NOTICE_TEXT_START = () => 11;

/** The expected outcome for every vector id; null for bytes that no decoder reads. */
const CHECKS: Record<string, PrefixCheck | null> = {
  "tcrp-create-request": tcrpFrame,
  "tcrp-join-request-standard": tcrpFrame,
  "tcrp-join-request-raw-name": tcrpFrame,
  "tcrp-list-request": tcrpFrame,
  "tcrp-status-ok": tcrpFrame,
  "tcrp-status-name-taken": tcrpFrame,
  "tcrp-token": tcrpFrame,
  "tcrp-room-list": tcrpFrame,
  "udp-port-announcement": (prefix) => throws(() => decodePortAnnouncement(prefix), TruncatedError),
  "udp-standard-chat": clientDatagram(false),
  "udp-standard-exit": clientDatagram(false),
  "udp-keepalive": clientDatagram(true),
  "udp-kaiwa-chat": clientDatagram(true),
  "udp-kaiwa-leave": clientDatagram(false),
  "udp-kaiwa-who": clientDatagram(false),
  "udp-kaiwa-ping": clientDatagram(false),
  "udp-kaiwa-ping-latest": clientDatagram(false),
  // The message is framed by the datagram; a cut id or range is the command decoder's to refuse.
  "udp-kaiwa-chat-id": clientDatagram(false),
  "udp-kaiwa-nack": clientDatagram(false),
  // Relayed text for standard clients has no framing: a prefix is just shorter text.
  "text-chat": null,
  "text-chat-neutralized": null,
  "event-chat": textEvent(CHAT_TEXT_START),
  "event-joined": countedEvent,
  "event-left": countedEvent,
  "event-room-closed": countedEvent,
  "event-removed": countedEvent,
  "event-shutdown": countedEvent,
  "event-notice": textEvent(NOTICE_TEXT_START),
  "event-members": countedEvent,
  "event-pong": pongEvent,
  "event-history": textEvent(CHAT_TEXT_START),
  "event-gap": countedEvent,
  "stage1": stage1,
};

Deno.test("every truncation of every §6 vector", { permissions: { read: true } }, async (t) => {
  const vectors = await loadVectors();

  await t.step("every vector has an expected truncation outcome", () => {
    deepStrictEqual(
      [...vectors.keys()].filter((id) => !(id in CHECKS)),
      [],
      "vectors without a check",
    );
    deepStrictEqual(
      Object.keys(CHECKS).filter((id) => !vectors.has(id)),
      [],
      "checks without a vector",
    );
  });

  for (const [id, check] of Object.entries(CHECKS)) {
    const whole = vectors.get(id);
    if (check === null || whole === undefined) continue;
    await t.step(id, () => {
      for (let length = 0; length < whole.length; length++) {
        try {
          check(whole.subarray(0, length), whole);
        } catch (error) {
          throw new Error(`${id}: prefix of ${length} of ${whole.length} bytes`, { cause: error });
        }
      }
    });
  }

  await t.step(
    "the chat vectors end in multi-byte text, so cuts inside a character are tested",
    () => {
      // Guards the InvalidTextError branches above against a vector change that removes them.
      for (const id of ["event-chat", "udp-kaiwa-chat"]) {
        const whole = vectors.get(id) ?? new Uint8Array(0);
        strictEqual(isUtf8(whole.subarray(whole.length - 2)), false, id);
      }
    },
  );
});

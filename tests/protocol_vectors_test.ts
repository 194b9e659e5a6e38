/**
 * Golden bytes: every vector of docs/protocol.md §6 is encoded from the value its row describes
 * and decoded back, so the codecs and the specification cannot drift apart.
 */

import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  type ClientCommand,
  Command,
  decodeCommand,
  decodeEvent,
  decodePortAnnouncement,
  decodeRoomList,
  decodeRoomRequest,
  decodeStatus,
  decodeTcrpFrame,
  decodeToken,
  decodeUtf8,
  encodeClientDatagram,
  encodeCommand,
  encodeEvent,
  encodePortAnnouncement,
  encodeRequestFrame,
  encodeRoomListFrame,
  encodeStage1Datagram,
  encodeStatusFrame,
  encodeTcrpFrame,
  encodeTextChat,
  encodeTokenFrame,
  encodeUtf8,
  EventType,
  type KaiwaEvent,
  Operation,
  parseClientDatagram,
  parseStage1Datagram,
  PingFlag,
  State,
  Status,
} from "../protocol/mod.ts";
import { loadVectors, parseVectorTable } from "./protocol_vectors.ts";

/** 2026-01-01T00:00:00Z, the time every event vector carries. */
const TIME = 1767225600000;
const LOBBY = encodeUtf8("lobby");
const TOKEN = encodeUtf8("tok");
const TOKEN_22 = "AAECAwQFBgcICQoLDA0ODw";

/** How one vector is produced from its value and read back into it. */
interface GoldenCase {
  encode(): Uint8Array;
  decode(bytes: Uint8Array): unknown;
  value: unknown;
}

/** A TCRP frame as plain fields, for comparing decoded frames. */
function frameFields(bytes: Uint8Array) {
  const frame = decodeTcrpFrame(bytes);
  return {
    operation: frame.operation,
    state: frame.state,
    roomName: decodeUtf8(frame.roomName, "room name"),
    payload: frame.payload,
  };
}

/** A request frame whose payload a standard client wrote: kaiwa's encoder would not produce it. */
function rawRequestFrame(operation: number, payloadText: string): Uint8Array {
  return encodeTcrpFrame({
    operation,
    state: State.Request,
    roomName: "lobby",
    payload: encodeUtf8(payloadText),
  });
}

function requestCase(
  operation: number,
  payloadText: string,
  encode: () => Uint8Array,
  request: unknown,
): GoldenCase {
  return {
    encode,
    decode: (bytes) => {
      const { payload, ...rest } = frameFields(bytes);
      return {
        ...rest,
        payloadText: decodeUtf8(payload, "payload"),
        request: decodeRoomRequest(payload),
      };
    },
    value: { operation, state: State.Request, roomName: "lobby", payloadText, request },
  };
}

function datagramCase(message: Uint8Array, command: unknown): GoldenCase {
  return {
    encode: () => encodeClientDatagram(LOBBY, TOKEN, message),
    decode: (bytes) => {
      const datagram = parseClientDatagram(bytes);
      return {
        roomName: decodeUtf8(datagram.roomName, "room name"),
        token: decodeUtf8(datagram.token, "token"),
        message: datagram.message,
        command: command === null ? null : decodeCommand(datagram.message),
      };
    },
    value: { roomName: "lobby", token: "tok", message, command },
  };
}

function kaiwaDatagramCase(command: ClientCommand, firstByte: number) {
  const golden = datagramCase(Uint8Array.of(firstByte), command);
  return { ...golden, encode: () => encodeClientDatagram(LOBBY, TOKEN, encodeCommand(command)) };
}

function eventCase(event: KaiwaEvent): GoldenCase {
  return { encode: () => encodeEvent(event), decode: decodeEvent, value: event };
}

const CASES: Record<string, GoldenCase> = {
  "tcrp-create-request": requestCase(
    Operation.CreateRoom,
    '{"username":"ann","kaiwa":1}',
    () =>
      encodeRequestFrame(Operation.CreateRoom, "lobby", {
        username: "ann",
        password: null,
        eventFormat: 1,
      }),
    { username: "ann", password: null, eventFormat: 1 },
  ),
  "tcrp-join-request-standard": requestCase(
    Operation.JoinRoom,
    '{"user_name":"bo","password":"pw"}',
    () => rawRequestFrame(Operation.JoinRoom, '{"user_name":"bo","password":"pw"}'),
    { username: "bo", password: "pw", eventFormat: 0 },
  ),
  "tcrp-join-request-raw-name": requestCase(
    Operation.JoinRoom,
    "さくら",
    () => rawRequestFrame(Operation.JoinRoom, "さくら"),
    { username: "さくら", password: null, eventFormat: 0 },
  ),
  "tcrp-list-request": {
    encode: () => encodeRequestFrame(Operation.ListRooms, "", null),
    decode: frameFields,
    value: {
      operation: Operation.ListRooms,
      state: State.Request,
      roomName: "",
      payload: new Uint8Array(0),
    },
  },
  "tcrp-status-ok": {
    encode: () => encodeStatusFrame(Operation.CreateRoom, LOBBY, Status.Ok),
    decode: (bytes) => ({ ...frameFields(bytes), status: decodeStatus(decodeTcrpFrame(bytes)) }),
    value: {
      operation: Operation.CreateRoom,
      state: State.Response,
      roomName: "lobby",
      payload: Uint8Array.of(Status.Ok),
      status: Status.Ok,
    },
  },
  "tcrp-status-name-taken": {
    encode: () => encodeStatusFrame(Operation.JoinRoom, LOBBY, Status.NameTaken),
    decode: (bytes) => ({ ...frameFields(bytes), status: decodeStatus(decodeTcrpFrame(bytes)) }),
    value: {
      operation: Operation.JoinRoom,
      state: State.Response,
      roomName: "lobby",
      payload: Uint8Array.of(Status.NameTaken),
      status: Status.NameTaken,
    },
  },
  "tcrp-token": {
    encode: () => encodeTokenFrame(Operation.CreateRoom, LOBBY, TOKEN_22),
    decode: (bytes) => {
      const { payload: _payload, ...rest } = frameFields(bytes);
      return { ...rest, token: decodeToken(decodeTcrpFrame(bytes)) };
    },
    value: {
      operation: Operation.CreateRoom,
      state: State.Complete,
      roomName: "lobby",
      token: TOKEN_22,
    },
  },
  "tcrp-room-list": {
    encode: () => encodeRoomListFrame([{ name: "lobby", members: 2, password: false }]),
    decode: (bytes) => {
      const { payload: _payload, ...rest } = frameFields(bytes);
      return { ...rest, list: decodeRoomList(decodeTcrpFrame(bytes)) };
    },
    value: {
      operation: Operation.ListRooms,
      state: State.Complete,
      roomName: "",
      list: { rooms: [{ name: "lobby", members: 2, password: false }], truncated: false },
    },
  },
  "udp-port-announcement": {
    encode: () => encodePortAnnouncement(50000),
    decode: decodePortAnnouncement,
    value: 50000,
  },
  "udp-standard-chat": datagramCase(encodeUtf8("hi"), null),
  "udp-standard-exit": datagramCase(encodeUtf8("/exit"), null),
  "udp-keepalive": datagramCase(new Uint8Array(0), { type: "keepalive" }),
  "udp-kaiwa-chat": {
    ...datagramCase(Uint8Array.of(Command.Chat, ...encodeUtf8("こんにちは")), {
      type: "chat",
      text: "こんにちは",
    }),
    encode: () =>
      encodeClientDatagram(LOBBY, TOKEN, encodeCommand({ type: "chat", text: "こんにちは" })),
  },
  "udp-kaiwa-leave": kaiwaDatagramCase({ type: "leave" }, Command.Leave),
  "udp-kaiwa-who": kaiwaDatagramCase({ type: "who" }, Command.Who),
  "udp-kaiwa-ping": kaiwaDatagramCase({ type: "ping" }, Command.Ping),
  "udp-kaiwa-ping-latest": {
    ...datagramCase(Uint8Array.of(Command.Ping, PingFlag.Latest), { type: "ping", latest: true }),
    encode: () => encodeClientDatagram(LOBBY, TOKEN, encodeCommand({ type: "ping", latest: true })),
  },
  "udp-kaiwa-chat-id": datagramCase(
    Uint8Array.of(Command.ChatWithId, 0, 0, 0, 7, ...encodeUtf8("hi")),
    { type: "chat", text: "hi", id: 7 },
  ),
  "udp-kaiwa-nack": datagramCase(
    Uint8Array.of(Command.Nack, 0, 0, 0, 3, 0, 0, 0, 5),
    { type: "nack", from: 3, to: 5 },
  ),
  "text-chat": {
    encode: () => encodeTextChat(encodeUtf8("ann"), encodeUtf8("hi")),
    decode: (bytes) => decodeUtf8(bytes, "text chat"),
    value: "ann: hi",
  },
  "text-chat-neutralized": {
    encode: () =>
      encodeTextChat(
        encodeUtf8("mallory"),
        Uint8Array.of(0x68, 0x69, 0x0d, 0x0a, ...encodeUtf8("alice: forged")),
      ),
    decode: (bytes) => decodeUtf8(bytes, "text chat"),
    value: "mallory: hi\uFFFD\uFFFDalice: forged",
  },
  "event-chat": eventCase({ type: "chat", time: TIME, seq: 1, sender: "ann", text: "hi 👋" }),
  "event-joined": eventCase({ type: "joined", time: TIME, names: ["ann", "ぼぶ"] }),
  "event-left": eventCase({ type: "left", time: TIME, reason: 2, names: ["bo"] }),
  "event-room-closed": eventCase({ type: "room-closed", time: TIME, reason: 1 }),
  "event-removed": eventCase({ type: "removed", time: TIME, reason: 1 }),
  "event-shutdown": eventCase({ type: "shutdown", time: TIME }),
  "event-notice": eventCase({ type: "notice", time: TIME, code: 1, text: "slow down" }),
  "event-members": eventCase({
    type: "members",
    time: TIME,
    members: [{ name: "ann", host: true, you: false }, { name: "bo", host: false, you: true }],
  }),
  "event-pong": eventCase({ type: "pong", time: TIME, latest: 42 }),
  "event-history": eventCase({
    type: "chat",
    time: TIME,
    seq: 1,
    sender: "ann",
    text: "hi",
    history: true,
  }),
  "event-gap": eventCase({ type: "gap", time: TIME, from: 3, to: 5 }),
  "stage1": {
    encode: () => encodeStage1Datagram("ann", "hello"),
    decode: (bytes) => {
      const datagram = parseStage1Datagram(bytes);
      return {
        username: decodeUtf8(datagram.username, "username"),
        message: decodeUtf8(datagram.message, "message"),
      };
    },
    value: { username: "ann", message: "hello" },
  },
};

const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

Deno.test("docs/protocol.md §6 test vectors", { permissions: { read: true } }, async (t) => {
  const vectors = await loadVectors();

  await t.step("every vector in the doc has a golden case, and every case a vector", () => {
    deepStrictEqual(
      [...vectors.keys()].filter((id) => !(id in CASES)),
      [],
      "vectors without a test",
    );
    deepStrictEqual(
      Object.keys(CASES).filter((id) => !vectors.has(id)),
      [],
      "tests without a vector",
    );
  });

  for (const [id, golden] of Object.entries(CASES)) {
    const bytes = vectors.get(id);
    if (bytes === undefined) continue;
    await t.step(`${id}: encoding the described value gives the doc's bytes`, () => {
      strictEqual(toHex(golden.encode()), toHex(bytes));
    });
    await t.step(`${id}: decoding the doc's bytes gives the described value`, () => {
      deepStrictEqual(golden.decode(bytes), golden.value);
    });
  }

  await t.step("event vectors carry their documented type byte", () => {
    const types: Record<string, number> = {
      "event-chat": EventType.Chat,
      "event-joined": EventType.Joined,
      "event-left": EventType.Left,
      "event-room-closed": EventType.RoomClosed,
      "event-removed": EventType.Removed,
      "event-shutdown": EventType.Shutdown,
      "event-notice": EventType.Notice,
      "event-members": EventType.Members,
      "event-pong": EventType.Pong,
      "event-history": EventType.History,
      "event-gap": EventType.Gap,
    };
    for (const [id, type] of Object.entries(types)) strictEqual(vectors.get(id)?.[1], type, id);
  });
});

Deno.test("parseVectorTable() refuses a broken table", { permissions: "none" }, async (t) => {
  const doc = (rows: string) =>
    `# x\n\n## 6. Test vectors\n\n| id | what | bytes (hex) |\n|---|---|---|\n${rows}\n`;

  await t.step("reads ids and bytes, and stops at the next section", () => {
    const vectors = parseVectorTable(
      doc("| `a` | one | `01 ff` |\n| `b` | none | `` |\n## 7. Next\n| `c` | x | `00` |"),
    );
    deepStrictEqual([...vectors.entries()], [["a", Uint8Array.of(1, 255)], [
      "b",
      new Uint8Array(0),
    ]]);
  });
  await t.step("a duplicate id", () => {
    throws(() => parseVectorTable(doc("| `a` | one | `01` |\n| `a` | two | `02` |")), {
      message: "Duplicate test vector id: a",
    });
  });
  await t.step("a byte that is not two hex digits", () => {
    throws(() => parseVectorTable(doc("| `a` | one | `01 2` |")), {
      message: 'Test vector a: "2" is not a hex byte',
    });
  });
  await t.step("a malformed row", () => {
    throws(() => parseVectorTable(doc("| `a` | one | 01 |")), /Malformed test vector row/);
  });
  await t.step("a missing or empty section", () => {
    throws(() => parseVectorTable("# no vectors here"), /Cannot find/);
    throws(() => parseVectorTable(doc("")), /is empty/);
  });
});

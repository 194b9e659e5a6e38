/**
 * Names that look the same are the same name over TCP (docs/protocol.md §1.2): a username or room
 * name in another normalisation form is the name already there (status 6, status 1), and one
 * with an invisible character or a blank at an edge is refused (status 4). A member that names
 * its room in NFD can still chat: its datagrams match the canonical name.
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Operation, Status } from "../protocol/mod.ts";
import { enter, roomRequest, startTestServer, tcrpRequest, UdpClient } from "./server_helpers.ts";

const { CreateRoom, JoinRoom, ListRooms } = Operation;
const JOSE_NFC = "Jos\u00e9";
const JOSE_NFD = "Jose\u0301";
const CAFE_NFC = "caf\u00e9";
const CAFE_NFD = "cafe\u0301";

Deno.test("look-alike names are one name, or refused", async (t) => {
  await using test = await startTestServer();
  const port = test.tcpPort;
  const status = async (operation: number, room: string, username: string) =>
    (await tcrpRequest(port, operation, room, roomRequest(username))).status;
  strictEqual(await status(CreateRoom, "r", JOSE_NFC), Status.Ok);

  await t.step("NFD José joining NFC José's room: name taken", async () => {
    strictEqual(await status(JoinRoom, "r", JOSE_NFD), Status.NameTaken);
  });
  await t.step("José with an invisible character or a blank at an edge: refused", async () => {
    for (const name of [`${JOSE_NFC}\u200b`, `${JOSE_NFC} `, " José", "\u200b", "\u2800"]) {
      strictEqual(await status(JoinRoom, "r", name), Status.InvalidRequest, JSON.stringify(name));
    }
  });
  await t.step("café in NFD when café in NFC exists: room exists", async () => {
    strictEqual(await status(CreateRoom, CAFE_NFC, "ann"), Status.Ok);
    strictEqual(await status(CreateRoom, CAFE_NFD, "bo"), Status.RoomExists);
  });
  await t.step("lobby + ZERO WIDTH SPACE beside lobby: refused", async () => {
    strictEqual(await status(CreateRoom, "lobby", "ann"), Status.Ok);
    strictEqual(await status(CreateRoom, "lobby\u200b", "bo"), Status.InvalidRequest);
    strictEqual(await status(JoinRoom, "lobby\u200b", "bo"), Status.InvalidRequest);
  });
  await t.step("an emoji name with joiners is a name", async () => {
    strictEqual(await status(JoinRoom, "r", "👨‍👩‍👧"), Status.Ok);
  });
  await t.step("the state holds each name once, in NFC", async () => {
    const list = (await tcrpRequest(port, ListRooms, "", null)).list;
    deepStrictEqual(list?.rooms.map((room) => room.name).sort(), [CAFE_NFC, "lobby", "r"]);
    deepStrictEqual([...test.server.state.rooms.get("r")!.members.keys()], [JOSE_NFC, "👨‍👩‍👧"]);
  });
});

Deno.test("a member naming its room in NFD chats in the NFC room", async () => {
  await using test = await startTestServer();
  await using ann = new UdpClient();
  await using bo = new UdpClient();
  await enter(test, ann, CreateRoom, CAFE_NFC, "ann", { announce: true });
  // enter() binds bo with a keep-alive naming the room in NFD: dropped, it would time out.
  const token = await enter(test, bo, JoinRoom, CAFE_NFD, JOSE_NFD);
  strictEqual(await ann.receiveText(), `* ${JOSE_NFC} joined`);
  await bo.send(test.udp, CAFE_NFD, token, "hola");
  strictEqual(await ann.receiveText(), `${JOSE_NFC}: hola`);
});

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { encodeUtf8, Operation, State, Status, TCRP_HEADER_SIZE } from "../protocol/mod.ts";
import {
  readFrames,
  roomRequest,
  startTestServer,
  tcrpRequest,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom, ListRooms } = Operation;
const json = (value: unknown) => encodeUtf8(JSON.stringify(value));

Deno.test("TCRP create and join answer every status", async (t) => {
  await using test = await startTestServer({ maxRoomMembers: 2, maxRooms: 2 });
  const port = test.tcpPort;

  await t.step("create: Ok with a 22-character token, the room name echoed", async () => {
    const answer = await tcrpRequest(port, CreateRoom, "lobby", roomRequest("ann"));
    strictEqual(answer.status, Status.Ok);
    strictEqual(answer.roomName, "lobby");
    ok(/^[A-Za-z0-9_-]{22}$/.test(answer.token ?? ""), answer.token ?? "no token");
  });
  await t.step("create an existing room: 1", async () => {
    const answer = await tcrpRequest(port, CreateRoom, "lobby", roomRequest("bob"));
    deepStrictEqual([answer.status, answer.roomName, answer.token], [
      Status.RoomExists,
      "lobby",
      null,
    ]);
  });
  await t.step("join a missing room: 2", async () => {
    strictEqual(
      (await tcrpRequest(port, JoinRoom, "nowhere", roomRequest("bob"))).status,
      Status.RoomNotFound,
    );
  });
  await t.step("wrong or missing password: 3; the right one: 0", async () => {
    strictEqual(
      (await tcrpRequest(port, CreateRoom, "vault", roomRequest("ann", { password: "s3" }))).status,
      Status.Ok,
    );
    strictEqual(
      (await tcrpRequest(port, JoinRoom, "vault", roomRequest("bob", { password: "no" }))).status,
      Status.WrongPassword,
    );
    strictEqual(
      (await tcrpRequest(port, JoinRoom, "vault", roomRequest("bob"))).status,
      Status.WrongPassword,
    );
    strictEqual(
      (await tcrpRequest(port, JoinRoom, "vault", json({ username: "bob", password: "" }))).status,
      Status.WrongPassword,
    );
    strictEqual(
      (await tcrpRequest(port, JoinRoom, "vault", roomRequest("bob", { password: "s3" }))).status,
      Status.Ok,
    );
  });
  await t.step("invalid names and payloads: 4", async () => {
    for (
      const payload of [
        json({ username: "a\u0007b" }),
        json({ username: 5 }),
        Uint8Array.of(0xff),
        new Uint8Array(0),
      ]
    ) {
      strictEqual(
        (await tcrpRequest(port, JoinRoom, "lobby", payload)).status,
        Status.InvalidRequest,
      );
    }
    strictEqual(
      (await tcrpRequest(port, CreateRoom, "bad\u202Ename", roomRequest("ann"))).status,
      Status.InvalidRequest,
    );
    strictEqual(
      (await tcrpRequest(port, 9, "lobby", roomRequest("ann"))).status,
      Status.InvalidRequest,
    );
  });
  await t.step("name taken: 6", async () => {
    strictEqual(
      (await tcrpRequest(port, JoinRoom, "lobby", roomRequest("ann"))).status,
      Status.NameTaken,
    );
  });
  await t.step("room full: 7", async () => {
    strictEqual((await tcrpRequest(port, JoinRoom, "lobby", roomRequest("bob"))).status, Status.Ok);
    strictEqual(
      (await tcrpRequest(port, JoinRoom, "lobby", roomRequest("cid"))).status,
      Status.RoomFull,
    );
  });
  await t.step("server full (maxRooms): 9", async () => {
    strictEqual(
      (await tcrpRequest(port, CreateRoom, "third", roomRequest("ann"))).status,
      Status.ServerFull,
    );
  });
  await t.step("list: Ok then the rooms with member counts and password flags", async () => {
    const answer = await tcrpRequest(port, ListRooms, "", null);
    strictEqual(answer.status, Status.Ok);
    deepStrictEqual(answer.list, {
      rooms: [{ name: "lobby", members: 2, password: false }, {
        name: "vault",
        members: 2,
        password: true,
      }],
      truncated: false,
    });
  });
});

Deno.test("TCRP accepts every payload form", async (t) => {
  await using test = await startTestServer();
  const port = test.tcpPort;
  const cases: [string, Uint8Array][] = [
    ["username", json({ username: "u1" })],
    ["user_name", json({ user_name: "u2" })],
    ["raw name", encodeUtf8("u3")],
    ["password null", json({ username: "u4", password: null })],
    ["password empty", json({ username: "u5", password: "" })],
    ["kaiwa flag", json({ username: "u6", kaiwa: 1 })],
  ];
  await t.step("create with each form", async () => {
    for (const [what, payload] of cases) {
      const answer = await tcrpRequest(port, CreateRoom, `room-${what}`, payload);
      strictEqual(answer.status, Status.Ok, what);
    }
  });
  await t.step("members get the names their payloads gave", () => {
    const names = [...test.server.state.rooms.values()].map((room) => room.host.name);
    deepStrictEqual(names, ["u1", "u2", "u3", "u4", "u5", "u6"]);
    strictEqual(test.server.state.rooms.get("room-kaiwa flag")?.host.kaiwa, true);
    strictEqual(test.server.state.rooms.get("room-username")?.host.kaiwa, false);
  });
  await t.step("an empty password leaves the room open", async () => {
    strictEqual(
      (await tcrpRequest(port, JoinRoom, "room-password empty", roomRequest("x"))).status,
      Status.Ok,
    );
  });
});

Deno.test("TCRP port announcement binds the member's UDP port", async () => {
  await using test = await startTestServer();
  await using client = new UdpClient();
  const answer = await tcrpRequest(test.tcpPort, CreateRoom, "r", roomRequest("ann"), {
    announcePort: client.port,
  });
  const member = test.server.state.memberByToken(answer.token ?? "");
  ok(member);
  await waitFor(() => member.address !== null, "the announced port");
  deepStrictEqual(member.address, { transport: "udp", hostname: "127.0.0.1", port: client.port });
});

Deno.test("TCRP refuses what it must not serve", async (t) => {
  await t.step("too many requests from one IP: 8", async () => {
    await using test = await startTestServer({ joinRate: 2 });
    strictEqual((await tcrpRequest(test.tcpPort, ListRooms, "", null)).status, Status.Ok);
    strictEqual((await tcrpRequest(test.tcpPort, ListRooms, "", null)).status, Status.Ok);
    const refused = await tcrpRequest(test.tcpPort, CreateRoom, "r", roomRequest("ann"));
    deepStrictEqual([refused.status, refused.roomName], [Status.TooManyRequests, "r"]);
    test.clock.advance(1_000);
    strictEqual(
      (await tcrpRequest(test.tcpPort, CreateRoom, "r", roomRequest("ann"))).status,
      Status.Ok,
    );
  });
  await t.step("a declared payload over 64 KiB: 4 without reading it", async () => {
    await using test = await startTestServer();
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: test.tcpPort });
    const header = new Uint8Array(TCRP_HEADER_SIZE);
    header[0] = 1;
    header[1] = CreateRoom;
    header[2] = State.Request;
    new DataView(header.buffer).setUint32(TCRP_HEADER_SIZE - 4, 64 * 1024 + 1);
    await conn.write(Uint8Array.of(...header, 0x72));
    const [frame] = await readFrames(conn, 1);
    deepStrictEqual([frame.state, frame.payload[0], frame.roomName[0]], [
      State.Response,
      Status.InvalidRequest,
      0x72,
    ]);
    strictEqual(await conn.read(new Uint8Array(1)), null);
  });
  await t.step("a stalled request is closed after the request timeout", async () => {
    await using test = await startTestServer({ requestTimeoutSeconds: 0.05 });
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: test.tcpPort });
    await conn.write(new Uint8Array(10));
    strictEqual(await conn.read(new Uint8Array(64)), null);
  });
  await t.step("connections over the per-IP cap are closed at once", async () => {
    await using test = await startTestServer({ maxConnectionsPerIp: 1 });
    using first = await Deno.connect({ hostname: "127.0.0.1", port: test.tcpPort });
    using second = await Deno.connect({ hostname: "127.0.0.1", port: test.tcpPort });
    strictEqual(await second.read(new Uint8Array(64)), null);
    await waitFor(
      () => test.logs.some((line) => line.includes("too many connections")),
      "the refusal",
    );
    first.close();
  });
  await t.step("connections over the total cap are closed at once", async () => {
    await using test = await startTestServer({ maxConnections: 1 });
    using first = await Deno.connect({ hostname: "127.0.0.1", port: test.tcpPort });
    using second = await Deno.connect({ hostname: "127.0.0.1", port: test.tcpPort });
    strictEqual(await second.read(new Uint8Array(64)), null);
    first.close();
  });
  await t.step("a failing token generator: 5", async () => {
    await using test = await startTestServer({}, { newToken: () => "always-the-same-token1" });
    strictEqual(
      (await tcrpRequest(test.tcpPort, CreateRoom, "r", roomRequest("ann"))).status,
      Status.Ok,
    );
    strictEqual(
      (await tcrpRequest(test.tcpPort, JoinRoom, "r", roomRequest("bob"))).status,
      Status.ServerError,
    );
  });
});

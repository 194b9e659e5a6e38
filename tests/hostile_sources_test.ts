import { strictEqual } from "node:assert/strict";
import { Operation, Status } from "../protocol/mod.ts";
import { roomRequest, startTestServer, tcrpStatusFrom } from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;

Deno.test("rooms and members are capped per source address over TCP, other sources unaffected", async (t) => {
  await using test = await startTestServer({ maxRoomsPerIp: 2, maxMembersPerIp: 3 });
  const from = (ip: string, op: number, room: string, name: string) =>
    tcrpStatusFrom(ip, test.tcpPort, op, room, roomRequest(name));

  await t.step("a source creates up to its room cap, then gets status 8", async () => {
    strictEqual(await from("127.0.0.2", CreateRoom, "r1", "ann"), Status.Ok);
    strictEqual(await from("127.0.0.2", CreateRoom, "r2", "ann"), Status.Ok);
    strictEqual(await from("127.0.0.2", CreateRoom, "r3", "ann"), Status.TooManyRequests);
    strictEqual(await from("127.0.0.3", CreateRoom, "r3", "bob"), Status.Ok);
  });
  await t.step("a source joins up to its member cap, then gets status 8", async () => {
    for (const name of ["a", "b", "c"]) {
      strictEqual(await from("127.0.0.4", JoinRoom, "r3", name), Status.Ok);
    }
    strictEqual(await from("127.0.0.4", JoinRoom, "r3", "d"), Status.TooManyRequests);
    strictEqual(await from("127.0.0.5", JoinRoom, "r3", "d"), Status.Ok);
  });
  strictEqual(test.server.state.memberCount, 2 + 1 + 3 + 1);
});

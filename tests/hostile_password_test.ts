/**
 * Hostile password joins (issue 10, #2 and #3): hashing has a global budget (slots and a short
 * queue, then status 8), a hash queued for a connection that is gone never starts, and each IP
 * and each room are throttled before any hash. A controllable hasher stands for scrypt.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Operation, Status } from "../protocol/mod.ts";
import {
  GatedHasher,
  roomRequest,
  startTestServer,
  tcrpStatusFrom,
  waitFor,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;

const join = (host: string, port: number, room: string, password: string) =>
  tcrpStatusFrom(host, port, JoinRoom, room, roomRequest(`u${host}`, { password }));

Deno.test("hashes never exceed the budget; past the queue, status 8 without a hash", async () => {
  const hasher = new GatedHasher();
  await using test = await startTestServer({ maxPasswordHashes: 2, passwordQueue: 2 }, { hasher });
  const port = test.tcpPort;
  const create = roomRequest("owner", { password: "right" });
  strictEqual(await tcrpStatusFrom("127.0.0.1", port, CreateRoom, "p", create), Status.Ok);

  hasher.held = true;
  const attempts = [2, 3, 4, 5, 6].map((i) => join(`127.0.0.${i}`, port, "p", "wrong"));
  // Two run, two wait, the fifth is refused while the others are still held.
  const refused = await Promise.race(attempts);
  strictEqual(refused, Status.TooManyRequests);
  strictEqual(hasher.running, 2);
  hasher.release();
  const statuses = (await Promise.all(attempts)).sort();
  deepStrictEqual(statuses, [3, 3, 3, 3, 8].map((status) => status as number));
  strictEqual(hasher.peak, 2);
  strictEqual(hasher.started, 1 + 4);
  // The budget is free again: a right password from yet another IP gets in.
  strictEqual(await join("127.0.0.7", port, "p", "right"), Status.Ok);
});

Deno.test("a hash queued for a connection that is gone is never started", async () => {
  const hasher = new GatedHasher();
  // The request deadline runs on the real clock (server/tcp/connection.ts) and must also let the
  // create and the last join through on a loaded machine: 2 s, not a fraction of one.
  await using test = await startTestServer(
    { maxPasswordHashes: 1, passwordQueue: 4, requestTimeoutSeconds: 2 },
    { hasher },
  );
  const port = test.tcpPort;
  const create = roomRequest("owner", { password: "right" });
  strictEqual(await tcrpStatusFrom("127.0.0.1", port, CreateRoom, "p", create), Status.Ok);

  hasher.held = true;
  const first = join("127.0.0.2", port, "p", "wrong");
  await waitFor(() => hasher.running === 1, "the first hash running");
  // The second waits in the queue until its deadline closes the connection, unanswered.
  strictEqual(await join("127.0.0.3", port, "p", "wrong"), null);
  strictEqual(await first, null);
  hasher.release();
  await waitFor(() => test.server.tcp.connections === 0, "every connection closed");
  strictEqual(hasher.started, 1 + 1);
  ok(test.logs.some((line) => line.includes("before its password was hashed")), "logged");
  // The slot is free: the next join is hashed and served.
  strictEqual(await join("127.0.0.4", port, "p", "right"), Status.Ok);
  strictEqual(hasher.started, 1 + 2);
});

Deno.test("wrong passwords are throttled per IP and per room before hashing", async (t) => {
  const hasher = new GatedHasher();
  await using test = await startTestServer({ passwordRate: 1, wrongPasswordRate: 1 }, { hasher });
  const port = test.tcpPort;
  const create = roomRequest("owner", { password: "right" });
  strictEqual(await tcrpStatusFrom("127.0.0.1", port, CreateRoom, "p", create), Status.Ok);

  await t.step("one IP: wrong until the room's budget is used up, then 8 unhashed", async () => {
    const statuses: (number | null)[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await join("127.0.0.2", port, "p", "wrong"));
    const hashed = statuses.filter((status) => status === Status.WrongPassword).length;
    ok(hashed >= 1 && hashed < 6, `${hashed} hashed`);
    deepStrictEqual(statuses.slice(hashed), Array(6 - hashed).fill(Status.TooManyRequests));
    strictEqual(hasher.started, 1 + hashed);
  });
  await t.step("a legit user from a fresh IP still gets in", async () => {
    const before = hasher.started;
    strictEqual(await join("127.0.0.3", port, "p", "right"), Status.Ok);
    strictEqual(hasher.started, before + 1);
  });
  await t.step("another attacker IP: one guess, then 8 without a hash", async () => {
    strictEqual(await join("127.0.0.4", port, "p", "wrong"), Status.WrongPassword);
    const before = hasher.started;
    strictEqual(await join("127.0.0.4", port, "p", "wrong"), Status.TooManyRequests);
    strictEqual(hasher.started, before);
  });
  await t.step("the per-IP limit alone, on creates", async () => {
    const before = hasher.started;
    const statuses: (number | null)[] = [];
    for (let i = 0; i < 7; i++) {
      const request = roomRequest(`c${i}`, { password: "x" });
      statuses.push(await tcrpStatusFrom("127.0.0.5", port, CreateRoom, `c${i}`, request));
    }
    deepStrictEqual(statuses, [0, 0, 0, 0, 0, 8, 8]);
    strictEqual(hasher.started, before + 5);
  });
  await t.step("once the buckets refill, the IP is heard again", async () => {
    test.clock.advance(60_000);
    strictEqual(await join("127.0.0.2", port, "p", "right"), Status.Ok);
  });
});

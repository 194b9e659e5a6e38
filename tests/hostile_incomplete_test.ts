/**
 * Hostile incomplete connections (issue 10, #10): a full server evicts the oldest incomplete
 * connection of the IP holding the most instead of refusing a newcomer, each IP holds a bounded
 * number of incomplete connections, and the header has its own short deadline.
 */

import { ok, strictEqual } from "node:assert/strict";
import type net from "node:net";
import { Operation, Status } from "../protocol/mod.ts";
import {
  connectFrom,
  destroyAll,
  HELD_TIMEOUT_SECONDS,
  receivedUntilClosed,
  roomRequest,
  startTestServer,
  tcrpStatusFrom,
  waitFor,
} from "./server_helpers.ts";

Deno.test("a full server evicts the busiest IP's oldest incomplete connection", async () => {
  // The held connections send nothing: the default header deadline (2 s) would close them itself
  // while a slow machine answers the create.
  await using test = await startTestServer({
    maxConnections: 6,
    headerTimeoutSeconds: HELD_TIMEOUT_SECONDS,
  });
  const held: net.Socket[] = [];
  try {
    for (const host of ["127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.2", "127.0.0.2"]) {
      held.push(await connectFrom(host, test.tcpPort));
    }
    held.push(await connectFrom("127.0.0.3", test.tcpPort));
    await waitFor(() => test.server.tcp.incomplete === 6, "six incomplete connections");
    const firstClosed = receivedUntilClosed(held[0]);

    const request = roomRequest("ann");
    strictEqual(
      await tcrpStatusFrom("127.0.0.1", test.tcpPort, Operation.CreateRoom, "r", request),
      Status.Ok,
    );
    strictEqual(test.server.tcp.evictions, 1);
    strictEqual((await firstClosed).length, 0);
    // 127.0.0.3's connections were left alone.
    ok(!held[2].destroyed && !held[5].destroyed);
  } finally {
    await destroyAll(held);
  }
});

Deno.test("each IP holds at most --max-incomplete-per-ip incomplete connections", async () => {
  // Held without a header: only the cap may close the oldest, not the header deadline (2 s by
  // default) on a slow machine.
  await using test = await startTestServer({
    maxIncompletePerIp: 3,
    headerTimeoutSeconds: HELD_TIMEOUT_SECONDS,
  });
  const held: net.Socket[] = [];
  try {
    for (let i = 0; i < 3; i++) held.push(await connectFrom("127.0.0.2", test.tcpPort));
    await waitFor(() => test.server.tcp.incomplete === 3, "three incomplete connections");
    const firstClosed = receivedUntilClosed(held[0]);
    held.push(await connectFrom("127.0.0.2", test.tcpPort));
    strictEqual((await firstClosed).length, 0);
    await waitFor(() => test.server.tcp.connections === 3, "the oldest closed");
    strictEqual(test.server.tcp.incomplete, 3);
    strictEqual(test.server.tcp.evictions, 1);
    // Another IP is not concerned.
    strictEqual(
      await tcrpStatusFrom("127.0.0.3", test.tcpPort, Operation.ListRooms, "", null),
      Status.Ok,
    );
  } finally {
    await destroyAll(held);
  }
});

Deno.test("a connection that sends no header is closed at the header deadline", async () => {
  await using test = await startTestServer({
    headerTimeoutSeconds: 0.2,
    requestTimeoutSeconds: 60,
  });
  const silent = await connectFrom("127.0.0.2", test.tcpPort);
  try {
    strictEqual((await receivedUntilClosed(silent)).length, 0);
    await waitFor(() => test.server.tcp.connections === 0, "the connection closed");
    ok(test.logs.some((line) => line.includes("no request header in time")), test.logs.join("\n"));
  } finally {
    await destroyAll([silent]);
  }
});

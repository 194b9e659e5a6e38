/**
 * Hostile accepts (issue 10, #1): connections reset right after the handshake never pause the
 * accept loop; only a process out of descriptors backs off, saying so once until it recovers.
 */

import { ok, strictEqual } from "node:assert/strict";
import net from "node:net";
import { Operation, Status } from "../protocol/mod.ts";
import type { ServerDeps } from "../server/mod.ts";
import { roomRequest, startTestServer, tcrpRequest, waitFor } from "./server_helpers.ts";

/** Connections the attacker resets in the reset test. */
const RESETS = 200;

/** Connects from 127.0.0.5 and resets the connection (RST, linger 0) once it is established. */
function connectAndReset(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress: "127.0.0.5" });
    socket.on("error", () => {});
    socket.once("connect", () => socket.resetAndDestroy());
    socket.once("close", () => resolve());
  });
}

Deno.test("connections reset after the handshake never put the accept loop in back-off", async () => {
  await using test = await startTestServer();
  const resets: Promise<void>[] = [];
  for (let i = 0; i < RESETS; i++) resets.push(connectAndReset(test.tcpPort));
  // A legit create and join while the resets are under way.
  const created = await tcrpRequest(test.tcpPort, Operation.CreateRoom, "r", roomRequest("ann"));
  strictEqual(created.status, Status.Ok);
  await Promise.all(resets);
  const joined = await tcrpRequest(test.tcpPort, Operation.JoinRoom, "r", roomRequest("bob"));
  strictEqual(joined.status, Status.Ok);
  await waitFor(() => test.server.tcp.connections === 0, "every connection closed");
  const counters = test.server.tcp.acceptCounters;
  strictEqual(counters.backoffs, 0);
  strictEqual(counters.exhaustedFailures, 0);
  strictEqual(test.server.faults.count, 0);
});

/** An accept error as Deno surfaces errno `code`. */
function osError(code: string): Error {
  return Object.assign(new Error(`Too many open files (${code})`), { code });
}

Deno.test("out of descriptors: one back-off, said once, and said again on recovery", async () => {
  const script = [
    ...Array.from({ length: 5 }, () => osError("EMFILE")),
    osError("ENFILE"),
    Object.assign(new Deno.errors.ConnectionAborted("connection aborted"), {
      code: "ECONNABORTED",
    }),
  ];
  const acceptor: ServerDeps["acceptor"] = (listener) => ({
    addr: listener.addr,
    close: () => listener.close(),
    accept: () => {
      const error = script.shift();
      return error === undefined ? listener.accept() : Promise.reject(error);
    },
  });
  await using test = await startTestServer({}, { acceptor });
  const listed = await tcrpRequest(test.tcpPort, Operation.ListRooms, "", null);
  strictEqual(listed.status, Status.Ok);
  strictEqual(script.length, 0);
  const counters = test.server.tcp.acceptCounters;
  strictEqual(counters.exhaustedFailures, 6);
  strictEqual(counters.backoffs, 1);
  strictEqual(counters.connectionFailures, 1);
  const said = test.logs.filter((line) => line.includes("cannot accept connections"));
  strictEqual(said.length, 1, said.join("\n"));
  ok(said[0].includes("EMFILE"), said[0]);
  strictEqual(test.logs.filter((line) => line.includes("accepting connections again")).length, 1);
});

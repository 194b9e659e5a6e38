/**
 * Two standard Online Chat Messenger clients and two kaiwa clients share one room through one
 * server. The standard clients speak the protocol as the teaching project's clients do: a
 * `user_name` JSON payload (or a raw name), the 2-byte UDP port announcement (or none), and
 * plain text datagrams both ways. The kaiwa clients are real `kaiwa join` processes.
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { Operation, Status } from "../protocol/mod.ts";
import { CLIENT_DEADLINE_MS, PipeClient, untilBound } from "./pipe_client.ts";
import {
  startTestServer,
  tcrpRequest,
  type TestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const ROOM = "mixed";
const encoder = new TextEncoder();
/** `チャットルームが閉じられました`, byte for byte as the reference server sends it. */
const REFERENCE_CLOSED = Uint8Array.fromHex(
  "e38381e383a3e38383e38388e383abe383bce383a0e3818ce99689e38198e38289e3828ce381bee38197e3819f",
);

/**
 * Reads datagrams as text until one equals `expected`; fails when the stream goes quiet for as
 * long as a client process may take to act (some of these are sent by one).
 */
async function receiveUntil(client: UdpClient, expected: string): Promise<void> {
  const seen: string[] = [];
  for (;;) {
    const bytes = await client.receive(CLIENT_DEADLINE_MS);
    if (bytes === null) {
      throw new Error(`never received ${JSON.stringify(expected)}; saw ${JSON.stringify(seen)}`);
    }
    const text = new TextDecoder().decode(bytes);
    if (text === expected) return;
    seen.push(text);
  }
}

/** Joins as a standard client would; returns its token. */
async function standardJoin(
  test: TestServer,
  client: UdpClient,
  payload: string,
  announce: boolean,
): Promise<string> {
  const answer = await tcrpRequest(
    test.tcpPort,
    Operation.JoinRoom,
    ROOM,
    encoder.encode(payload),
    announce ? { announcePort: client.port } : {},
  );
  strictEqual(answer.status, Status.Ok);
  strictEqual(answer.roomName, ROOM, "the server echoes the room name");
  const token = answer.token!;
  // A client that did not announce its port is bound by its first datagram: a keep-alive.
  if (!announce) await client.send(test.udp, ROOM, token, "");
  await waitFor(
    () => test.server.state.memberByToken(token)?.address != null,
    "standard client bound",
  );
  return token;
}

Deno.test("two standard clients and two kaiwa clients share one room", async () => {
  const test = await startTestServer({ logLevel: "quiet" });
  await using ann = new UdpClient();
  await using ben = new UdpClient();
  try {
    strictEqual(test.tcpPort, test.udp.port, "kaiwa join uses one port number for TCP and UDP");
    const kai = new PipeClient(test.tcpPort, [ROOM, "--name", "kai", "--create"]);
    await untilBound(test.server, ROOM, "kai");
    const annToken = await standardJoin(test, ann, '{"user_name":"ann","password":""}', true);
    const benToken = await standardJoin(test, ben, "ben", false);
    const kei = new PipeClient(test.tcpPort, [ROOM, "--name", "kei"]);
    await untilBound(test.server, ROOM, "kei");
    strictEqual(test.server.state.rooms.get(ROOM)?.members.size, 4);

    await ann.send(test.udp, ROOM, annToken, "hello from ann");
    await receiveUntil(ben, "ann: hello from ann");
    await kai.waitForLine("ann: hello from ann");
    await kei.waitForLine("ann: hello from ann");

    await kei.send("こんにちは 🌸");
    await receiveUntil(ann, "kei: こんにちは 🌸");
    await receiveUntil(ben, "kei: こんにちは 🌸");
    await kai.waitForLine("kei: こんにちは 🌸");

    await ben.send(test.udp, ROOM, benToken, "/exit");
    await receiveUntil(ann, "* ben left");
    await kai.waitForLine("* ben left");

    // The host (a kaiwa client) leaves at the end of its input: the room closes for everyone.
    strictEqual((await kai.finish()).code, ExitCode.Ok);
    await receiveUntil(ann, "* the room was closed: the host left");
    // Then the reference server's own close datagram, the one the course's client ends on.
    deepStrictEqual(await ann.receive(), REFERENCE_CLOSED);
    await kei.waitForLine("* the room was closed: the host left");
    strictEqual((await kei.exited()).code, ExitCode.RoomClosed);
    strictEqual(test.server.state.rooms.has(ROOM), false);
  } finally {
    await test.server.close();
  }
});

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Operation, Status } from "../protocol/mod.ts";
import { serve } from "../cli/run_serve.ts";
import { roomRequest, tcrpRequest, TEST_OPTIONS, UdpClient } from "./server_helpers.ts";

/** The TCP port on a "listening on tcp+udp 127.0.0.1:PORT" line. */
const LISTENING_PORT = /listening on tcp\+udp 127\.0\.0\.1:(\d+)/;

Deno.test("SIGHUP stops the server as SIGTERM does: members in rooms are told, exit code 0, logged", async () => {
  const dataDir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-sighup-" });
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  try {
    const lines: string[] = [];
    let listening: (port: number) => void = () => {};
    const port = new Promise<number>((resolve) => listening = resolve);
    const served = serve({ ...TEST_OPTIONS, logLevel: "normal", dataDir }, {
      logSink: (line) => {
        lines.push(line);
        const found = line.match(LISTENING_PORT);
        if (found !== null) listening(Number(found[1]));
      },
    });
    const tcpPort = await port;
    const { CreateRoom, JoinRoom } = Operation;
    for (
      const [client, operation, name] of [[ann, CreateRoom, "ann"], [bob, JoinRoom, "bob"]] as const
    ) {
      const answer = await tcrpRequest(
        tcpPort,
        operation,
        "r",
        roomRequest(name, { kaiwa: name === "bob" }),
        {
          announcePort: client.port,
        },
      );
      strictEqual(answer.status, Status.Ok);
    }
    // bob (kaiwa) gets the member list when his announced port binds him.
    strictEqual((await bob.receiveEvent()).type, "members");

    Deno.kill(Deno.pid, "SIGHUP");
    strictEqual(await served, 0);
    // Each member is told, in its own protocol; standard members read the reference server's
    // close message too.
    // ann may first hear of bob's arrival (joins are announced every 100 ms).
    let told = "";
    while (!told.includes("shutting down")) told = await ann.receiveText();
    deepStrictEqual((await bob.receiveEvent()).type, "shutdown");
    ok(lines.some((line) => line.includes("received SIGHUP")), lines.join("\n"));
    ok(lines.some((line) => line.includes("shutting down")));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

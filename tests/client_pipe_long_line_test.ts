/**
 * `kaiwa join` in pipe mode with a line far over the datagram limit (issue 13, finding 5): the
 * line is refused with one note on stderr, and the lines around it are sent.
 */

import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { PipeClient, untilBound } from "./pipe_client.ts";
import { startRealClockServer } from "./server_helpers.ts";

Deno.test("pipe mode refuses a 16 MB line with one note and sends the next line", async () => {
  const server = await startRealClockServer();
  try {
    const port = server.tcpAddr.port;
    const reader = new PipeClient(port, ["long", "--name", "reader", "--create"]);
    await untilBound(server, "long", "reader");
    const writer = new PipeClient(port, ["long", "--name", "writer"]);
    await untilBound(server, "long", "writer");

    await writer.send("before");
    await writer.send("y".repeat(16 * 1024 * 1024));
    await writer.send("after");
    const end = await writer.finish();
    strictEqual(end.code, ExitCode.Ok);
    const notes = end.stderr.trimEnd().split("\n");
    strictEqual(notes.length, 1, end.stderr.slice(0, 500));
    match(
      notes[0],
      /^kaiwa: a message over \d+ bytes does not fit in one datagram and was not sent: "y+…"$/,
    );

    const lines = await reader.waitForLine("writer: after");
    deepStrictEqual(lines.filter((line) => line.startsWith("writer: ")), [
      "writer: before",
      "writer: after",
    ]);
    await reader.finish();
  } finally {
    await server.close();
  }
});

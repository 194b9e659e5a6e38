/**
 * Hostile log volume (issue 10, #11): refusals from one IP make at most --log-refusals lines a
 * minute, then one summary line; other IPs keep their own lines.
 */

import { strictEqual } from "node:assert/strict";
import { Operation, Status } from "../protocol/mod.ts";
import { roomRequest, startTestServer, tcrpStatusFrom } from "./server_helpers.ts";

const LIMIT = 3;
const REFUSALS = 20;
/** The longest name: the flood that made 37 MB of log used these. */
const LONG_NAME = "x".repeat(255);

Deno.test("refusals from one IP: at most the limit of lines, then one summary", async () => {
  await using test = await startTestServer({ logRefusalsPerMinute: LIMIT, logLevel: "normal" });
  const refuse = (host: string) =>
    tcrpStatusFrom(host, test.tcpPort, Operation.JoinRoom, LONG_NAME, roomRequest(LONG_NAME));
  for (let i = 0; i < REFUSALS; i++) strictEqual(await refuse("127.0.0.2"), Status.RoomNotFound);
  const from = (host: string) => test.logs.filter((line) => line.includes(host));
  strictEqual(from("127.0.0.2").length, LIMIT);

  // Another IP is not silenced by the first.
  strictEqual(await refuse("127.0.0.3"), Status.RoomNotFound);
  strictEqual(from("127.0.0.3").length, 1);

  // A minute later, the next refusal brings the summary of the ones left out, and its own line.
  test.clock.advance(60_000);
  strictEqual(await refuse("127.0.0.2"), Status.RoomNotFound);
  const lines = from("127.0.0.2");
  strictEqual(lines.length, LIMIT + 2);
  strictEqual(
    lines[LIMIT],
    `kaiwa: … ${REFUSALS - LIMIT} more refusals from 127.0.0.2 in the last minute were not logged`,
  );
});

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { Operation } from "../protocol/mod.ts";
import { Logger, type LogSink } from "../server/mod.ts";
import { enter, FakeClock, startTestServer, UdpClient, waitFor } from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
/** RFC 3339 in UTC, as `Date.toISOString` writes it. */
const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A logger at `level` writing into `lines`, in `format`, with the time of `clock`. */
function collecting(
  lines: string[],
  format: "text" | "json",
  timestamps: boolean,
  clock = new FakeClock(),
): Logger {
  const sink: LogSink = (line) => lines.push(line);
  return new Logger("verbose", sink, { format, timestamps, now: clock.now });
}

Deno.test({
  name: "Logger writes JSON lines: time (RFC 3339), level, msg, then the fields",
  permissions: "none",
  fn() {
    const lines: string[] = [];
    const clock = new FakeClock();
    const log = collecting(lines, "json", false, clock);
    log.info('room "a" created', { room: "a", member: "ann", address: "192.0.2.1" });
    log.verbose("dropped");
    log.error("fault", { msg: "not mine", level: "nor this", count: 3 });
    const parsed = lines.map((line) => JSON.parse(line));
    deepStrictEqual(parsed[0], {
      time: new Date(clock.time).toISOString(),
      level: "info",
      msg: 'room "a" created',
      room: "a",
      member: "ann",
      address: "192.0.2.1",
    });
    deepStrictEqual(Object.keys(parsed[0]).slice(0, 3), ["time", "level", "msg"]);
    strictEqual(parsed[1].level, "debug");
    // A field cannot overwrite what every line has.
    deepStrictEqual([parsed[2].level, parsed[2].msg, parsed[2].count], ["error", "fault", 3]);
  },
});

Deno.test({
  name: "Logger time-stamps text lines only when asked (stderr not a terminal)",
  permissions: "none",
  fn() {
    const plain: string[] = [];
    collecting(plain, "text", false).info("hello");
    deepStrictEqual(plain, ["kaiwa: hello"]);
    const stamped: string[] = [];
    const clock = new FakeClock();
    collecting(stamped, "text", true, clock).info("hello", { room: "r" });
    deepStrictEqual(stamped, [`${new Date(clock.time).toISOString()} kaiwa: hello`]);
    match(stamped[0].split(" ")[0], RFC_3339);
  },
});

Deno.test("a server with --log-format json logs rooms and members as JSON lines with their fields, never a whole token", async () => {
  await using test = await startTestServer({ logFormat: "json" });
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "lobby", "ann");
  const bobToken = await enter(test, bob, JoinRoom, "lobby", "bob");
  await ann.send(test.udp, "lobby", "not-a-token", "hi");
  await bob.send(test.udp, "lobby", bobToken, "/exit");
  await ann.send(test.udp, "lobby", annToken, "/exit");
  await waitFor(() => test.logs.some((line) => line.includes("room closed")), "the room closed");

  const lines = test.logs.map((line) => JSON.parse(line));
  ok(lines.length > 0);
  for (const line of lines) {
    match(line.time, RFC_3339);
    ok(["error", "info", "debug"].includes(line.level), line.level);
    strictEqual(typeof line.msg, "string");
  }
  const event = (name: string) => lines.find((line) => line.event === name);
  deepStrictEqual(
    [event("room created")?.room, event("room created")?.member, event("room created")?.address],
    ["lobby", "ann", "127.0.0.1"],
  );
  const joined = event("member joined");
  deepStrictEqual([joined?.room, joined?.member, joined?.address], ["lobby", "bob", "127.0.0.1"]);
  ok(event("member bound")?.port > 0);
  strictEqual(event("datagram dropped")?.reason, "unknownToken");
  strictEqual(event("datagram dropped")?.address, "127.0.0.1");
  const closing = event("room closed");
  ok(closing !== undefined, "room closed logged");
  strictEqual(closing.room, "lobby");
  strictEqual(typeof closing.reason, "string");
  for (const text of test.logs) {
    ok(!text.includes(annToken) && !text.includes(bobToken), `a whole token in ${text}`);
  }
});

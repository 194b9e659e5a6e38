/**
 * Sessions end to end (docs/protocol.md §7): real `kaiwa join` processes with sessions against a
 * real server (sessions over plain TCP through the test-only `plainSessions`, until the control
 * channel has TLS), a standard client in the same room, and a client that roams to another source
 * IP and port mid-session through the loopback NAT proxy.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { Operation } from "../protocol/mod.ts";
import { NatProxy } from "./nat_proxy.ts";
import { CLIENT_DEADLINE_MS, PipeClient, untilBound } from "./pipe_client.ts";
import {
  enter,
  SILENCE_MS,
  startTestServer,
  type TestServer,
  UdpClient,
} from "./server_helpers.ts";

function member(test: TestServer, room: string, name: string) {
  return test.server.state.rooms.get(room)?.members.get(name);
}

Deno.test("session e2e: a sealed kaiwa client chats with a standard client in one room", async () => {
  await using test = await startTestServer({ logLevel: "quiet" }, { plainSessions: true });
  const host = new PipeClient(test.tcpPort, ["mixed", "--name", "host", "--create"]);
  await untilBound(test.server, "mixed", "host");
  ok(member(test, "mixed", "host")?.session, "the kaiwa client has a session");
  await using standard = new UdpClient();
  const token = await enter(test, standard, Operation.JoinRoom, "mixed", "std");
  await host.waitForLine("* std joined");
  await standard.send(test.udp, "mixed", token, "hello from the standard side");
  await host.waitForLine("std: hello from the standard side");
  await host.send("hello back, sealed");
  // Sent by the host's process, which may take longer than an in-process relay.
  strictEqual(await standard.receiveText(CLIENT_DEADLINE_MS), "host: hello back, sealed");
  strictEqual(test.server.state.counters.unsealed, 0);
  strictEqual((await host.finish()).code, ExitCode.Ok);
});

Deno.test("session e2e: the client's source IP and port both change mid-session; no message is lost", async () => {
  await using test = await startTestServer({ logLevel: "quiet" }, { plainSessions: true });
  await using proxy = NatProxy.start({ target: { hostname: "127.0.0.1", port: test.tcpPort } });
  const host = new PipeClient(test.tcpPort, ["roam", "--name", "host", "--create"]);
  await untilBound(test.server, "roam", "host");
  const guest = new PipeClient(proxy.port, ["roam", "--name", "guest"]);
  await untilBound(test.server, "roam", "guest");
  const before = member(test, "roam", "guest")!;
  ok(before.session, "the guest has a session");
  strictEqual(before.address?.hostname, "127.0.0.1");
  await host.waitForLine("* guest joined");
  await guest.send("m1");
  const first = await host.waitForLine("guest: m1");

  // A move to another network: the server now sees 127.0.0.2 and a new port.
  proxy.rebind("127.0.0.2");
  for (let i = 2; i <= 6; i++) await guest.send(`m${i}`);
  const lines = [...first, ...await host.waitForLine("guest: m6")];
  // Only now has the server surely seen the new address: a reply sent before it would go to the
  // old one, which the NAT no longer maps (recovering such a loss is issue 13's NACK).
  await host.send("still there?");
  await guest.waitForLine("host: still there?");
  deepStrictEqual(
    lines.filter((line) => line.startsWith("guest: ")),
    ["m1", "m2", "m3", "m4", "m5", "m6"].map((m) => `guest: ${m}`),
  );
  const after = member(test, "roam", "guest")!;
  strictEqual(after, before, "the same member, never rejoined");
  deepStrictEqual([after.ip, after.address?.hostname, after.address?.port], [
    "127.0.0.2",
    "127.0.0.2",
    proxy.outwardPorts[0],
  ]);
  strictEqual(test.server.state.counters.wrongAddress, 0);
  deepStrictEqual(await guest.finish(), { code: ExitCode.Ok, stderr: "" });
  await host.waitForLine("* guest left");
  strictEqual((await host.finish()).code, ExitCode.Ok);
  await new Promise((resolve) => setTimeout(resolve, SILENCE_MS));
});

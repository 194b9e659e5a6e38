/**
 * Across real networks (issue 11), end to end: real `kaiwa join` processes and standard clients
 * against a real server, through the loopback NAT proxy of `nat_proxy.ts`.
 */

import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { withProxy } from "./nat_proxy.ts";
import { CLIENT_DEADLINE_MS, PipeClient, untilBound } from "./pipe_client.ts";
import { REBIND_QUIET_MS } from "../server/state/mod.ts";
import {
  SILENCE_MS,
  startTestServer,
  type TestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

/** The UDP port the server has bound `name` to. */
function boundPort(test: TestServer, room: string, name: string): number | undefined {
  return test.server.state.rooms.get(room)?.members.get(name)?.address?.port;
}

Deno.test("nat: a kaiwa client chats through a port-rewriting NAT (finding 1)", async () => {
  await withProxy({}, {}, async (test, proxy) => {
    const host = new PipeClient(test.tcpPort, ["natted", "--name", "host", "--create"]);
    await untilBound(test.server, "natted", "host");
    // The guest is behind the NAT: the server sees the proxy's outward port, not the guest's.
    const guest = new PipeClient(proxy.port, ["natted", "--name", "guest"]);
    await untilBound(test.server, "natted", "guest");
    deepStrictEqual(proxy.outwardPorts, [boundPort(test, "natted", "guest")]);
    await host.waitForLine("* guest joined");

    await guest.send("hello through the NAT");
    await host.waitForLine("guest: hello through the NAT");
    await host.send("welcome");
    await guest.waitForLine("host: welcome");

    deepStrictEqual(await guest.finish(), { code: ExitCode.Ok, stderr: "" });
    await host.waitForLine("* guest left");
    strictEqual((await host.finish()).code, ExitCode.Ok);
  });
});

Deno.test("nat: duplicated and delayed datagrams: every message arrives, in order", async () => {
  await withProxy({}, { duplicate: true, delayMs: 30 }, async (test, proxy) => {
    const host = new PipeClient(test.tcpPort, ["dup", "--name", "host", "--create"]);
    await untilBound(test.server, "dup", "host");
    const guest = new PipeClient(proxy.port, ["dup", "--name", "guest"]);
    await untilBound(test.server, "dup", "guest");
    for (let i = 1; i <= 5; i++) await guest.send(`m${i}`);
    strictEqual((await guest.finish()).code, ExitCode.Ok);
    const lines = await host.waitForLine("* guest left");
    const chat = lines.filter((line) => line.startsWith("guest: "));
    // The network duplicates and reorders; message ids make the server relay each message once,
    // and the host's client shows each seq once, in order (issue 13).
    deepStrictEqual(chat, ["m1", "m2", "m3", "m4", "m5"].map((m) => `guest: ${m}`));
    strictEqual((await host.finish()).code, ExitCode.Ok);
  });
});

Deno.test("nat: replies from another address of the server are accepted (finding 3)", async () => {
  await withProxy({}, { replyHost: "127.0.0.3" }, async (test, proxy) => {
    const host = new PipeClient(test.tcpPort, ["multi", "--name", "host", "--create"]);
    await untilBound(test.server, "multi", "host");
    // The guest sends to 127.0.0.1 and gets every answer from 127.0.0.3, at the same port.
    const guest = new PipeClient(proxy.port, ["multi", "--name", "guest"]);
    await untilBound(test.server, "multi", "guest");
    await guest.send("one message");
    await host.waitForLine("guest: one message");
    await host.send("answer");
    await guest.waitForLine("host: answer");
    const end = await guest.finish();
    deepStrictEqual(end, { code: ExitCode.Ok, stderr: "" }, "confirmed: no resend, no complaint");
    await host.waitForLine("* guest left");
    notStrictEqual(proxy.stats.toClient, 0);
    strictEqual((await host.finish()).code, ExitCode.Ok);
  });
});

Deno.test("nat: a rebinding mid-session loses no message (finding 2)", async () => {
  await withProxy({}, {}, async (test, proxy) => {
    const host = new PipeClient(test.tcpPort, ["roam", "--name", "host", "--create"]);
    await untilBound(test.server, "roam", "host");
    const guest = new PipeClient(proxy.port, ["roam", "--name", "guest"]);
    await untilBound(test.server, "roam", "guest");
    await guest.send("before");
    await host.waitForLine("guest: before");
    const before = boundPort(test, "roam", "guest");

    proxy.rebind();
    await guest.send("after");
    // Until the old port has been quiet long enough, the new one is not believed: the server
    // drops "after" (or a ping) from the new port, and the client keeps it queued and resends it.
    await waitFor(
      () => test.server.state.counters.wrongAddress > 0,
      "a datagram from the new port dropped",
      CLIENT_DEADLINE_MS,
    );
    strictEqual(boundPort(test, "roam", "guest"), before);
    test.clock.advance(REBIND_QUIET_MS);
    const lines = await host.waitForLine("guest: after");
    notStrictEqual(boundPort(test, "roam", "guest"), before, "re-bound to the new port");
    deepStrictEqual(lines.filter((line) => line.startsWith("guest: ")), ["guest: after"]);
    await host.send("still there?");
    await guest.waitForLine("host: still there?");

    deepStrictEqual(await guest.finish(), { code: ExitCode.Ok, stderr: "" });
    const rest = await host.waitForLine("* guest left");
    deepStrictEqual(rest.filter((line) => line.startsWith("guest: ")), [], "shown once");
    strictEqual((await host.finish()).code, ExitCode.Ok);
  });
});

/** A rebinding the server never repairs: the client goes silent, then rejoins with its token. */
async function unrepairedRebinding(): Promise<void> {
  await withProxy({}, {}, async (test, proxy) => {
    const host = new PipeClient(test.tcpPort, ["far", "--name", "host", "--create"]);
    await untilBound(test.server, "far", "host");
    const guest = new PipeClient(proxy.port, ["far", "--name", "guest"]);
    await untilBound(test.server, "far", "guest");
    await host.waitForLine("* guest joined");
    // The server's clock stands still, so the old port never counts as quiet: only a resume helps.
    proxy.rebind();
    await guest.send("through the silence");
    await guest.waitForLine("* connection lost; rejoining…");
    await guest.waitForLine("* back in far");
    const lines = await host.waitForLine("guest: through the silence");
    ok(!lines.some((line) => line.includes("guest left") || line.includes("guest joined")));
    await host.send("welcome back");
    await guest.waitForLine("host: welcome back");
    deepStrictEqual(await guest.finish(), { code: ExitCode.Ok, stderr: "" });
    const rest = await host.waitForLine("* guest left");
    deepStrictEqual(rest.filter((line) => line.startsWith("guest: ")), [], "shown once");
    strictEqual((await host.finish()).code, ExitCode.Ok);
  });
}

/**
 * The server restarts on the same port: the room is gone, which the rejoin finds and says.
 * `restarted` is called once the port is taken again (or the restart failed): nothing else in the
 * test may bind a free port before then, or it could take this one.
 */
async function serverRestart(restarted: () => void): Promise<void> {
  let second: TestServer;
  let host: PipeClient;
  let port: number;
  try {
    const first = await startTestServer({ logLevel: "quiet" });
    port = first.tcpPort;
    host = new PipeClient(port, ["brief", "--name", "host", "--create"]);
    await untilBound(first.server, "brief", "host");
    await first.server.close();
    second = await startTestServer({ logLevel: "quiet", port });
  } finally {
    restarted();
  }
  try {
    strictEqual(second.udp.port, port, "restarted on the same port");
    await host.waitForLine("* connection lost; rejoining…");
    const { code, stderr } = await host.exited();
    strictEqual(code, ExitCode.RoomClosed, stderr);
    ok(stderr.startsWith("kaiwa: The room is gone"), stderr);
  } finally {
    await host.kill();
    await second.server.close();
  }
}

Deno.test("nat: rejoin after an unrepaired rebinding, and after a server restart (room gone: exit 10)", async () => {
  // Each waits out the client's 15-second silence limit: run side by side, the second once the
  // first has its port back (a server or proxy started meanwhile could take it).
  let restarted!: () => void;
  const portTaken = new Promise<void>((resolve) => restarted = resolve);
  await Promise.all([serverRestart(restarted), portTaken.then(unrepairedRebinding)]);
});

Deno.test("nat: a same-IP sender without the token cannot take over a member's binding", async () => {
  await withProxy({}, {}, async (test, proxy) => {
    const host = new PipeClient(test.tcpPort, ["fence", "--name", "host", "--create"]);
    await untilBound(test.server, "fence", "host");
    const guest = new PipeClient(proxy.port, ["fence", "--name", "guest"]);
    await untilBound(test.server, "fence", "guest");
    const bound = boundPort(test, "fence", "guest");
    // Another user behind the same IP, with the room's name and a guessed token, on a new port,
    // after the guest's port has been quiet long enough for a rebinding.
    await using attacker = new UdpClient();
    test.clock.advance(REBIND_QUIET_MS);
    for (const token of ["", "x", "guest", "0".repeat(32)]) {
      await attacker.send(test.udp, "fence", token || "?", "taken over");
    }
    strictEqual(await attacker.receive(SILENCE_MS), null, "never answered");
    strictEqual(boundPort(test, "fence", "guest"), bound);
    await host.send("for the guest only");
    await guest.waitForLine("host: for the guest only");
    strictEqual((await guest.finish()).code, ExitCode.Ok);
    const lines = await host.waitForLine("* guest left");
    ok(!lines.some((line) => line.includes("taken over")));
    strictEqual((await host.finish()).code, ExitCode.Ok);
  });
});

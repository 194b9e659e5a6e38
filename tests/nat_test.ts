/**
 * Across real networks (issue 11), end to end: real `kaiwa join` processes and standard clients
 * against a real server, through the loopback NAT proxy of `nat_proxy.ts`.
 */

import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { NatProxy } from "./nat_proxy.ts";
import { PipeClient, untilBound } from "./pipe_client.ts";
import { startTestServer, type TestServer } from "./server_helpers.ts";

/** A quiet test server, and a proxy in front of it, both closed at the end. */
async function withProxy(
  options: { replyHost?: string; duplicate?: boolean; delayMs?: number },
  fn: (test: TestServer, proxy: NatProxy) => Promise<void>,
): Promise<void> {
  const test = await startTestServer({ logLevel: "quiet" });
  const proxy = NatProxy.start({
    target: { hostname: "127.0.0.1", port: test.tcpPort },
    ...options,
  });
  try {
    await fn(test, proxy);
  } finally {
    await proxy.close();
    await test.server.close();
  }
}

/** The UDP port the server has bound `name` to. */
function boundPort(test: TestServer, room: string, name: string): number | undefined {
  return test.server.state.rooms.get(room)?.members.get(name)?.address?.port;
}

Deno.test("nat: a kaiwa client chats through a port-rewriting NAT (finding 1)", async () => {
  await withProxy({}, async (test, proxy) => {
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
  await withProxy({ duplicate: true, delayMs: 30 }, async (test, proxy) => {
    const host = new PipeClient(test.tcpPort, ["dup", "--name", "host", "--create"]);
    await untilBound(test.server, "dup", "host");
    const guest = new PipeClient(proxy.port, ["dup", "--name", "guest"]);
    await untilBound(test.server, "dup", "guest");
    for (let i = 1; i <= 5; i++) await guest.send(`m${i}`);
    strictEqual((await guest.finish()).code, ExitCode.Ok);
    const lines = await host.waitForLine("* guest left");
    const chat = lines.filter((line) => line.startsWith("guest: "));
    // The network duplicates; the client sends one message at a time, so no reordering. Each
    // copy that reaches the server is relayed (the protocol has no message ids): at least once.
    ok(chat.length >= 5, JSON.stringify(chat));
    deepStrictEqual([...new Set(chat)], ["m1", "m2", "m3", "m4", "m5"].map((m) => `guest: ${m}`));
    strictEqual((await host.finish()).code, ExitCode.Ok);
  });
});

Deno.test("nat: replies from another address of the server are accepted (finding 3)", async () => {
  await withProxy({ replyHost: "127.0.0.3" }, async (test, proxy) => {
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

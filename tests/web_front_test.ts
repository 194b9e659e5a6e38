/**
 * The web port on loopback, without a browser: its files, its HTTP refusals, the WebSocket's
 * `Origin` rule and caps, and browser members meeting the same rules as every member (flood
 * control, the per-IP request rate, names, room full, leaving when the socket goes).
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { encodeCommand, type KaiwaEvent, Operation, Status } from "../protocol/mod.ts";
import { DEFAULT_SERVE_OPTIONS, type ServeOptions, type ServerDeps } from "../server/mod.ts";
import { MAX_HEAD_BYTES, MAX_MESSAGE_BYTES, MESSAGE_BURST } from "../server/web/mod.ts";
import {
  GatedHasher,
  roomRequest,
  startTestServer,
  tcrpRequest,
  tcrpStatusFrom,
  type TestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";
import { maskedFrame } from "./web_helpers.ts";

type Message = Record<string, unknown>;

/** How long a member whose WebSocket ended is held: `--bind-timeout`, as the server passes it. */
const GRACE_MS = DEFAULT_SERVE_OPTIONS.bindTimeoutSeconds * 1000;

/** A WebSocket to the web port, with its messages queued as they come. */
class Page {
  readonly socket: WebSocket;
  readonly messages: Message[] = [];
  readonly closed: Promise<CloseEvent>;
  readonly opened: Promise<boolean>;

  constructor(port: number, origin: string | null = `http://127.0.0.1:${port}`) {
    const headers: Record<string, string> = origin === null ? {} : { Origin: origin };
    // @ts-ignore: Deno's WebSocket takes request headers
    this.socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers });
    this.socket.addEventListener("message", (event) => {
      this.messages.push(JSON.parse(String(event.data)));
    });
    this.opened = new Promise((resolve) => {
      this.socket.addEventListener("open", () => resolve(true), { once: true });
      this.socket.addEventListener("error", () => resolve(false), { once: true });
    });
    this.closed = new Promise((resolve) => this.socket.addEventListener("close", resolve));
  }

  send(message: Message): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The next message of `type` (earlier ones of other types are skipped and dropped). */
  async next(type: string): Promise<Message> {
    let found: Message | undefined;
    await waitFor(() => {
      const at = this.messages.findIndex((message) => message.type === type);
      if (at < 0) return false;
      found = this.messages.splice(0, at + 1)[at];
      return true;
    }, `a ${type} message`);
    return found!;
  }

  /** Opens a page's WebSocket and waits until it is open. */
  static async open(port: number): Promise<Page> {
    const page = new Page(port);
    ok(await page.opened, "the WebSocket opened");
    return page;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.closed;
  }
}

async function webServer(
  overrides: Partial<ServeOptions> = {},
  deps: ServerDeps = {},
): Promise<TestServer & { webPort: number }> {
  const test = await startTestServer({ webPort: 0, ...overrides }, deps);
  return Object.assign(test, { webPort: test.server.web!.addr.port });
}

/**
 * Sends raw bytes to the web port and reads everything until it closes, or only the head of a
 * 101 answer (the WebSocket would stay open).
 */
async function rawExchange(port: number, request: string | Uint8Array): Promise<string> {
  using conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const bytes = typeof request === "string" ? new TextEncoder().encode(request) : request;
  await conn.write(bytes).catch(() => 0);
  const chunks: string[] = [];
  const buffer = new Uint8Array(16 * 1024);
  const decoder = new TextDecoder();
  for (;;) {
    const count = await conn.read(buffer).catch(() => null);
    if (count === null) break;
    chunks.push(decoder.decode(buffer.subarray(0, count), { stream: true }));
    const text = chunks.join("");
    if (text.startsWith("HTTP/1.1 101 ") && text.includes("\r\n\r\n")) break;
  }
  return chunks.join("");
}

function upgradeRequest(port: number, origin: string | null): string {
  return [
    "GET /ws HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ...(origin === null ? [] : [`Origin: ${origin}`]),
    "",
    "",
  ].join("\r\n");
}

Deno.test("the web port serves the page's files and refuses anything else", async (t) => {
  await using test = await webServer();
  const base = `http://127.0.0.1:${test.webPort}`;
  await t.step("GET / is the page, with a strict content security policy", async () => {
    const response = await fetch(`${base}/`);
    deepStrictEqual(response.status, 200);
    deepStrictEqual(response.headers.get("content-type"), "text/html; charset=utf-8");
    ok(response.headers.get("content-security-policy")?.includes("default-src 'none'"));
    ok((await response.text()).includes('role="log"'));
  });
  await t.step("its script, style and icon", async () => {
    for (const path of ["/app.js", "/style.css", "/favicon.svg"]) {
      const response = await fetch(`${base}${path}`);
      deepStrictEqual(response.status, 200, path);
      await response.body?.cancel();
    }
  });
  await t.step("404 for another path, 405 for another method", async () => {
    const missing = await fetch(`${base}/etc/passwd`);
    deepStrictEqual(missing.status, 404);
    await missing.body?.cancel();
    const post = await fetch(`${base}/`, { method: "POST", body: "x" });
    deepStrictEqual(post.status, 405);
    await post.body?.cancel();
  });
  await t.step("400 for a request head over the cap", async () => {
    const head = `GET / HTTP/1.1\r\nX-Pad: ${"a".repeat(MAX_HEAD_BYTES)}\r\n\r\n`;
    ok((await rawExchange(test.webPort, head)).startsWith("HTTP/1.1 400 "));
  });
  await t.step("400 at once for a head whose lines end in a bare LF", async () => {
    // Not held until --request-timeout and closed unanswered: the head has ended, and is bad.
    for (const head of ["GET / HTTP/1.1\nHost: a\n\n", "GET / HTTP/1.1\r\nHost: a\n\r\n"]) {
      const answer = await rawExchange(test.webPort, head);
      ok(answer.startsWith("HTTP/1.1 400 "), JSON.stringify([head, answer]));
    }
  });
});

Deno.test("the WebSocket takes its page's origin and --web-allowed-origin only", async () => {
  await using test = await webServer({ webAllowedOrigins: ["https://chat.example.org"] });
  const port = test.webPort;
  ok((await rawExchange(port, upgradeRequest(port, `http://127.0.0.1:${port}`))).startsWith(
    "HTTP/1.1 101 ",
  ));
  ok(
    (await rawExchange(port, upgradeRequest(port, "https://chat.example.org"))).startsWith(
      "HTTP/1.1 101 ",
    ),
  );
  ok((await rawExchange(port, upgradeRequest(port, "https://evil.example"))).startsWith(
    "HTTP/1.1 403 ",
  ));
  // Another port of the same host is another origin.
  ok((await rawExchange(port, upgradeRequest(port, "http://127.0.0.1:1"))).startsWith(
    "HTTP/1.1 403 ",
  ));
  ok((await rawExchange(port, upgradeRequest(port, null))).startsWith("HTTP/1.1 403 "));
  // A version other than 13 is told which one is spoken (RFC 6455 §4.2.2).
  const version8 = upgradeRequest(port, `http://127.0.0.1:${port}`).replace(
    "Version: 13",
    "Version: 8",
  );
  const refused = await rawExchange(port, version8);
  ok(refused.startsWith("HTTP/1.1 426 "), refused);
  ok(refused.includes("\r\nSec-WebSocket-Version: 13\r\n"), refused);
  // The accept value of RFC 6455 §1.3's example key.
  ok((await rawExchange(port, upgradeRequest(port, `http://127.0.0.1:${port}`))).includes(
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
  ));
});

Deno.test("the WebSocket closes on an oversized message, binary data or a message flood", async (t) => {
  await using test = await webServer();
  await t.step("a message over the cap: 1009", async () => {
    await using page = await Page.open(test.webPort);
    page.socket.send("x".repeat(MAX_MESSAGE_BYTES + 1));
    deepStrictEqual((await page.closed).code, 1009);
  });
  await t.step("binary data: 1003", async () => {
    await using page = await Page.open(test.webPort);
    page.socket.send(new Uint8Array([1, 2, 3]));
    deepStrictEqual((await page.closed).code, 1003);
  });
  await t.step("more messages at once than the burst: 1008", async () => {
    await using page = await Page.open(test.webPort);
    for (let i = 0; i <= MESSAGE_BURST; i++) page.send({ type: "ping" });
    deepStrictEqual((await page.closed).code, 1008);
  });
  await t.step("a request it cannot read gets an error and the socket stays", async () => {
    await using page = await Page.open(test.webPort);
    page.socket.send("{not json");
    ok(String((await page.next("error")).text).includes("not JSON"));
    page.send({ type: "rooms" });
    deepStrictEqual((await page.next("rooms")).rooms, []);
  });
});

/**
 * Opens a WebSocket by hand, sends `frames` (masked with a zero mask) and returns the code of the
 * server's Close frame; with `untilClosed`, first reads on until the server closes the connection
 * (the client never closes it).
 */
async function closeCodeAnswering(
  port: number,
  frames: Uint8Array[],
  untilClosed = false,
): Promise<number> {
  using conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(upgradeRequest(port, `http://127.0.0.1:${port}`)));
  for (const frame of frames) await conn.write(frame);
  let received = new Uint8Array(0);
  const buffer = new Uint8Array(4096);
  for (;;) {
    const count = await conn.read(buffer);
    ok(count !== null, "the server sent a Close frame before closing");
    received = new Uint8Array([...received, ...buffer.subarray(0, count)]);
    const text = new TextDecoder().decode(received);
    const body = text.indexOf("\r\n\r\n") + 4;
    if (body < 4) continue;
    // Frames after the head: skip any but the Close (the server's frames are unmasked).
    let at = body;
    while (at + 4 <= received.length) {
      const length = received[at + 1] & 0x7f;
      if ((received[at] & 0x0f) === 0x8) {
        // The rest of the Close, until the server closes (a reset would throw).
        while (untilClosed && await conn.read(buffer) !== null) { /* the Close's last bytes */ }
        return (received[at + 2] << 8) | received[at + 3];
      }
      at += 2 + length;
    }
  }
}

Deno.test("a Close with a bad code or reason is answered 1002 or 1007, a good one 1000", async () => {
  await using test = await webServer();
  deepStrictEqual(await closeCodeAnswering(test.webPort, [maskedFrame(0x8, [0x03, 0xe7])]), 1002);
  deepStrictEqual(await closeCodeAnswering(test.webPort, [maskedFrame(0x8, [0x03])]), 1002);
  deepStrictEqual(
    await closeCodeAnswering(test.webPort, [maskedFrame(0x8, [0x03, 0xe8, 0xff])]),
    1007,
  );
  // The server closes the TCP connection after its answer (RFC 6455 §7.1.1). Only
  // web_connection_test.ts tells "at once" from "after the 2 s close wait".
  deepStrictEqual(
    await closeCodeAnswering(test.webPort, [maskedFrame(0x8, [0x0b, 0xb8])], true),
    1000,
  );
});

Deno.test("the web port caps connections per IP", async () => {
  await using test = await webServer({ maxConnectionsPerIp: 2 });
  await using first = await Page.open(test.webPort);
  await using second = await Page.open(test.webPort);
  ok(await first.opened);
  ok(await second.opened);
  // The third from the same address is closed unanswered.
  deepStrictEqual(await rawExchange(test.webPort, "GET / HTTP/1.1\r\n\r\n"), "");
});

Deno.test("half-sent requests hold at most --max-incomplete-per-ip of a source's connections", async () => {
  // The half-sent heads must outlast the test, not --request-timeout's 5 s of real time, which a
  // loaded machine may take between the accepts and the end of `first`'s head.
  await using test = await webServer({ maxIncompletePerIp: 2, requestTimeoutSeconds: 60 });
  const half = new TextEncoder().encode("GET / HTTP/1.1\r\n");
  using first = await Deno.connect({ hostname: "127.0.0.1", port: test.webPort });
  using second = await Deno.connect({ hostname: "127.0.0.1", port: test.webPort });
  await first.write(half);
  await second.write(half);
  // The server accepts in the kernel's order, so both are counted when the third comes: with two
  // heads unfinished, a third connection from the address is closed unanswered...
  deepStrictEqual(await rawExchange(test.webPort, "GET / HTTP/1.1\r\n\r\n"), "");
  // ...and once one of them finishes its head, a new request is served again.
  await first.write(new TextEncoder().encode("\r\n"));
  const answer = new Uint8Array(64);
  const count = await first.read(answer);
  ok(new TextDecoder().decode(answer.subarray(0, count ?? 0)).startsWith("HTTP/1.1 200 "));
  ok((await rawExchange(test.webPort, "GET / HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200 "));
});

Deno.test("browser members meet the rules every member meets", async (t) => {
  await t.step("flood control drops messages over the rate and says so", async () => {
    await using test = await webServer({ floodRate: 1, floodBurst: 1 });
    await using page = await Page.open(test.webPort);
    page.send({ type: "create", room: "lobby", name: "ann" });
    await page.next("entered");
    page.send({ type: "say", text: "one" });
    page.send({ type: "say", text: "two" });
    deepStrictEqual((await page.next("chat")).text, "one");
    deepStrictEqual((await page.next("notice")).code, 1);
    ok(!page.messages.some((message) => message.text === "two"));
  });
  await t.step("the per-IP request rate covers room requests", async () => {
    await using test = await webServer({ joinRate: 1 });
    await using page = await Page.open(test.webPort);
    page.send({ type: "rooms" });
    await page.next("rooms");
    page.send({ type: "create", room: "lobby", name: "ann" });
    const refused = await page.next("refused");
    deepStrictEqual([refused.status, refused.reason], [
      Status.TooManyRequests,
      "too-many-requests",
    ]);
  });
  await t.step("names are checked, taken names and full rooms refused", async () => {
    await using test = await webServer({ maxRoomMembers: 2 });
    await using host = await Page.open(test.webPort);
    host.send({ type: "create", room: "lobby", name: "a\u200bnn" });
    deepStrictEqual((await host.next("refused")).reason, "invalid-request");
    host.send({ type: "create", room: "lobby", name: "ann" });
    deepStrictEqual((await host.next("entered")).host, true);
    await using twin = await Page.open(test.webPort);
    twin.send({ type: "join", room: "lobby", name: "ann" });
    deepStrictEqual((await twin.next("refused")).reason, "name-taken");
    twin.send({ type: "join", room: "lobby", name: "bo" });
    deepStrictEqual((await twin.next("entered")).host, false);
    await using third = await Page.open(test.webPort);
    third.send({ type: "join", room: "lobby", name: "cy" });
    deepStrictEqual((await third.next("refused")).reason, "room-full");
  });
  await t.step("a password room takes the right password only", async () => {
    await using test = await webServer();
    await using host = await Page.open(test.webPort);
    host.send({ type: "create", room: "vault", name: "ann", password: "秘密" });
    await host.next("entered");
    await using guest = await Page.open(test.webPort);
    guest.send({ type: "join", room: "vault", name: "bo", password: "wrong" });
    deepStrictEqual((await guest.next("refused")).reason, "wrong-password");
    guest.send({ type: "join", room: "vault", name: "bo", password: "秘密" });
    await guest.next("entered");
  });
  await t.step(
    "a page that goes away leaves its room after the grace; its host's closes",
    async () => {
      await using test = await webServer();
      await using host = await Page.open(test.webPort);
      host.send({ type: "create", room: "lobby", name: "ann" });
      await host.next("entered");
      await using udp = await kaiwaMember(test, "lobby", "bo");
      await using guest = await Page.open(test.webPort);
      guest.send({ type: "join", room: "lobby", name: "cy" });
      await guest.next("entered");
      // Announced first: a member leaving before its arrival was announced leaves unannounced.
      await waitFor(
        () => host.messages.some((m) => m.type === "joined" && String(m.names).includes("cy")),
        "cy announced",
      );
      guest.socket.close();
      await waitFor(() => test.server.web!.heldMembers === 1, "cy held");
      ok(!host.messages.some((m) => m.type === "left"), "no leave within the grace");
      test.clock.advance(GRACE_MS);
      test.server.web!.sweep(test.clock.now());
      deepStrictEqual((await host.next("left")).names, ["cy"]);
      host.socket.close();
      await waitFor(() => test.server.web!.heldMembers === 1, "ann held");
      strictEqual(test.server.state.rooms.size, 1);
      test.clock.advance(GRACE_MS);
      test.server.web!.sweep(test.clock.now());
      await waitFor(() => test.server.state.rooms.size === 0, "the room closed");
      // The kaiwa member heard of both.
      const seen: string[] = [];
      for (;;) {
        const event = await udp.receiveEvent();
        seen.push(event.type);
        if (event.type === "room-closed") break;
      }
      ok(seen.includes("left"), String(seen));
    },
  );
});

/** A kaiwa member over UDP in `room`, bound, with its first events (its member list) read. */
async function kaiwaMember(test: TestServer, room: string, name: string) {
  const udp = new UdpClient();
  const answer = await tcrpRequest(
    test.tcpPort,
    Operation.JoinRoom,
    room,
    roomRequest(name, { kaiwa: true }),
  );
  await udp.send(test.udp, room, answer.token!, new Uint8Array(0));
  deepStrictEqual((await udp.receiveEvent()).type, "members");
  return udp;
}

/** The kaiwa events `udp` receives up to the chat of `text`, that chat included. */
async function eventsUntilChat(udp: UdpClient, text: string): Promise<KaiwaEvent[]> {
  const events: KaiwaEvent[] = [];
  for (;;) {
    const event = await udp.receiveEvent();
    events.push(event);
    if (event.type === "chat" && event.text === text) return events;
  }
}

Deno.test("a page that comes back with its token stays the same member", async (t) => {
  await using test = await webServer();
  await using host = await Page.open(test.webPort);
  host.send({ type: "create", room: "lobby", name: "ann" });
  const hostEntered = await host.next("entered");
  await using bo = await kaiwaMember(test, "lobby", "bo");
  const guest = await Page.open(test.webPort);
  guest.send({ type: "join", room: "lobby", name: "cy" });
  const entered = await guest.next("entered");
  deepStrictEqual([typeof entered.token, entered.resumed], ["string", false]);
  test.server.state.flushJoins(test.clock.now());
  guest.send({ type: "say", text: "brb" });
  await eventsUntilChat(bo, "brb");
  deepStrictEqual((await host.next("chat")).text, "brb");
  // What the host heard before (bo and cy arriving): from here on, it should hear no arrival.
  host.messages.length = 0;
  let back: Page | null = null;
  try {
    await t.step(
      "its socket drops: nobody is told, messages meanwhile come back as history",
      async () => {
        guest.socket.close();
        await guest.closed;
        await waitFor(() => test.server.web!.heldMembers === 1, "cy held");
        host.send({ type: "say", text: "while you were away" });
        // The host's socket is not the page's: the server must have taken the message before
        // the page comes back, or it is sent as a chat, not as history.
        await waitFor(
          () =>
            new TextDecoder().decode(
              test.server.state.rooms.get("lobby")?.chats.last(1)[0]?.text,
            ) === "while you were away",
          "the message in the room",
        );
        back = await Page.open(test.webPort);
        back.send({ type: "join", room: "lobby", name: "cy", resume: entered.token });
        const again = await back.next("entered");
        deepStrictEqual([again.token, again.resumed, again.host], [entered.token, true, false]);
        strictEqual(test.server.web!.heldMembers, 0);
        const history = await back.next("history");
        ok(history.text === "brb" || history.text === "while you were away", String(history.text));
        await waitFor(
          () =>
            back!.messages.some((m) => m.type === "history" && m.text === "while you were away"),
          "the message it missed",
        );
        host.send({ type: "say", text: "welcome back" });
        deepStrictEqual((await back.next("chat")).text, "welcome back");
        const seen = await eventsUntilChat(bo, "welcome back");
        ok(!seen.some((e) => e.type === "joined" || e.type === "left"), JSON.stringify(seen));
        ok(!host.messages.some((m) => m.type === "joined" || m.type === "left"));
      },
    );
    await t.step(
      "the old socket's grace ending does not take the resumed member away",
      async () => {
        test.clock.advance(GRACE_MS);
        test.server.web!.sweep(test.clock.now());
        strictEqual(test.server.state.rooms.get("lobby")?.members.get("cy")?.token, entered.token);
        back!.send({ type: "say", text: "still here" });
        await waitFor(
          () => host.messages.some((m) => m.type === "chat" && m.text === "still here"),
          "cy's message",
        );
      },
    );
    await t.step("the host's page reloads: still host, the room stays open", async () => {
      host.socket.close();
      await host.closed;
      await waitFor(() => test.server.web!.heldMembers === 1, "ann held");
      await using reloaded = await Page.open(test.webPort);
      reloaded.send({ type: "join", room: "lobby", name: "ann", resume: hostEntered.token });
      const again = await reloaded.next("entered");
      deepStrictEqual([again.resumed, again.host], [true, true]);
      reloaded.send({ type: "say", text: "host is back" });
      const seen = await eventsUntilChat(bo, "host is back");
      ok(!seen.some((e) => e.type === "room-closed" || e.type === "left"), JSON.stringify(seen));
      reloaded.send({ type: "leave" });
      await waitFor(() => test.server.state.rooms.size === 0, "the room closed by its host");
    });
  } finally {
    await guest[Symbol.asyncDispose]();
    await (back as Page | null)?.[Symbol.asyncDispose]();
  }
});

Deno.test("a resume that cannot be one is said so", async (t) => {
  await t.step(
    "a second page with the token takes the member over; the first is told",
    async () => {
      await using test = await webServer();
      await using tab = await Page.open(test.webPort);
      tab.send({ type: "create", room: "lobby", name: "ann" });
      const entered = await tab.next("entered");
      await using duplicate = await Page.open(test.webPort);
      duplicate.send({ type: "join", room: "lobby", name: "ann", resume: entered.token });
      deepStrictEqual((await duplicate.next("entered")).resumed, true);
      deepStrictEqual((await tab.next("removed")).reason, "resumed-elsewhere");
      tab.send({ type: "say", text: "hi" });
      deepStrictEqual((await tab.next("error")).text, "not in a room");
      // The displaced tab closing holds nothing: the duplicate speaks for ann.
      tab.socket.close();
      await tab.closed;
      duplicate.send({ type: "say", text: "mine" });
      deepStrictEqual((await duplicate.next("chat")).text, "mine");
      strictEqual(test.server.web!.heldMembers, 0);
    },
  );
  await t.step("after the grace the token is unknown: an ordinary join, seen by all", async () => {
    await using test = await webServer();
    await using host = await Page.open(test.webPort);
    host.send({ type: "create", room: "lobby", name: "ann" });
    await host.next("entered");
    const guest = await Page.open(test.webPort);
    guest.send({ type: "join", room: "lobby", name: "cy" });
    const entered = await guest.next("entered");
    test.server.state.flushJoins(test.clock.now());
    await host.next("joined");
    await guest[Symbol.asyncDispose]();
    await waitFor(() => test.server.web!.heldMembers === 1, "cy held");
    test.clock.advance(GRACE_MS);
    test.server.web!.sweep(test.clock.now());
    deepStrictEqual((await host.next("left")).names, ["cy"]);
    await using late = await Page.open(test.webPort);
    late.send({ type: "join", room: "lobby", name: "cy", resume: entered.token });
    const again = await late.next("entered");
    deepStrictEqual(again.resumed, false);
    ok(again.token !== entered.token);
    test.server.state.flushJoins(test.clock.now());
    deepStrictEqual((await host.next("joined")).names, ["cy"]);
  });
  await t.step("a held member counts against its source's member cap", async () => {
    await using test = await webServer({ maxMembersPerIp: 1 });
    const first = await Page.open(test.webPort);
    first.send({ type: "create", room: "lobby", name: "ann" });
    const entered = await first.next("entered");
    await first[Symbol.asyncDispose]();
    await waitFor(() => test.server.web!.heldMembers === 1, "ann held");
    await using other = await Page.open(test.webPort);
    other.send({ type: "create", room: "den", name: "bo" });
    deepStrictEqual((await other.next("refused")).reason, "too-many-requests");
    other.send({ type: "join", room: "lobby", name: "ann", resume: entered.token });
    deepStrictEqual((await other.next("entered")).resumed, true);
  });
});

Deno.test("a held member is resumed only with its own token, its room's password", async () => {
  await using test = await webServer();
  await using host = await Page.open(test.webPort);
  host.send({ type: "create", room: "vault", name: "ann", password: "s3cret" });
  const hostEntered = await host.next("entered");
  const guest = await Page.open(test.webPort);
  guest.send({ type: "join", room: "vault", name: "cy", password: "s3cret" });
  const entered = await guest.next("entered");
  test.server.state.flushJoins(test.clock.now());
  await host.next("joined");
  await guest[Symbol.asyncDispose]();
  await waitFor(() => test.server.web!.heldMembers === 1, "cy held");
  await using other = await Page.open(test.webPort);
  const attempts: [Message, string][] = [
    [{ resume: entered.token }, "wrong-password"],
    [{ resume: entered.token, password: "guess" }, "wrong-password"],
    // Another member's token (the host's) is no key to cy: an ordinary join, and cy is there.
    [{ resume: hostEntered.token, password: "s3cret" }, "name-taken"],
  ];
  for (const [fields, reason] of attempts) {
    other.send({ type: "join", room: "vault", name: "cy", ...fields });
    deepStrictEqual((await other.next("refused")).reason, reason);
  }
  strictEqual(test.server.web!.heldMembers, 1);
  other.send({
    type: "join",
    room: "vault",
    name: "cy",
    password: "s3cret",
    resume: entered.token,
  });
  deepStrictEqual((await other.next("entered")).resumed, true);
  ok(!host.messages.some((m) => m.type === "left" || m.type === "joined"));
});

Deno.test("a held member whose grace ends is told as timed out, not as leaving", async (t) => {
  // The server cannot tell a closed tab from a phone that lost its network: the member did not
  // come back in time, which is what "timed out" says, while "left" would claim it chose to.
  await t.step("a guest: the others see it time out", async () => {
    await using test = await webServer();
    await using host = await Page.open(test.webPort);
    host.send({ type: "create", room: "lobby", name: "ann" });
    await host.next("entered");
    const guest = await Page.open(test.webPort);
    guest.send({ type: "join", room: "lobby", name: "cy" });
    await guest.next("entered");
    test.server.state.flushJoins(test.clock.now());
    await host.next("joined");
    await guest[Symbol.asyncDispose]();
    await waitFor(() => test.server.web!.heldMembers === 1, "cy held");
    test.clock.advance(GRACE_MS);
    test.server.web!.sweep(test.clock.now());
    const left = await host.next("left");
    deepStrictEqual([left.names, left.reason], [["cy"], "timed-out"]);
  });
  await t.step("a host: its room closes as the host timed out", async () => {
    await using test = await webServer();
    const host = await Page.open(test.webPort);
    host.send({ type: "create", room: "lobby", name: "ann" });
    await host.next("entered");
    await using guest = await Page.open(test.webPort);
    guest.send({ type: "join", room: "lobby", name: "cy" });
    await guest.next("entered");
    await host[Symbol.asyncDispose]();
    await waitFor(() => test.server.web!.heldMembers === 1, "ann held");
    test.clock.advance(GRACE_MS);
    test.server.web!.sweep(test.clock.now());
    deepStrictEqual((await guest.next("room-closed")).reason, "host-timed-out");
    strictEqual(test.server.state.rooms.size, 0);
  });
});

Deno.test("a held member its token brought back elsewhere is not taken away by the grace", async () => {
  // The token is the member (§2.5): a kaiwa client given it resumes it over TCP. The hold of the
  // page that spoke for it before must then end without a trace.
  await using test = await webServer();
  await using host = await Page.open(test.webPort);
  host.send({ type: "create", room: "lobby", name: "ann" });
  await host.next("entered");
  const guest = await Page.open(test.webPort);
  guest.send({ type: "join", room: "lobby", name: "cy" });
  const entered = await guest.next("entered");
  await guest[Symbol.asyncDispose]();
  await waitFor(() => test.server.web!.heldMembers === 1, "cy held");
  const answer = await tcrpRequest(test.tcpPort, Operation.JoinRoom, "lobby", {
    ...roomRequest("cy", { kaiwa: true }),
    resume: String(entered.token),
  });
  strictEqual(answer.token, entered.token);
  await using udp = new UdpClient();
  await udp.send(test.udp, "lobby", answer.token!, new Uint8Array(0));
  deepStrictEqual((await udp.receiveEvent()).type, "members");
  test.clock.advance(GRACE_MS);
  test.server.web!.sweep(test.clock.now());
  strictEqual(test.server.web!.heldMembers, 0);
  strictEqual(test.server.state.rooms.get("lobby")?.members.get("cy")?.token, entered.token);
  await udp.send(test.udp, "lobby", answer.token!, encodeCommand({ type: "chat", text: "on udp" }));
  deepStrictEqual((await host.next("chat")).text, "on udp");
});

Deno.test("a page whose member is resumed elsewhere is told so at once", async (t) => {
  // The token is the member (§2.5): whoever resumes it speaks for it from then on. The page that
  // spoke for it until then must not stay seated, its messages dropped unseen.
  await t.step("by a kaiwa client over TCP from another address", async () => {
    await using test = await webServer();
    await using host = await Page.open(test.webPort);
    host.send({ type: "create", room: "lobby", name: "ann" });
    await host.next("entered");
    await using page = await Page.open(test.webPort);
    page.send({ type: "join", room: "lobby", name: "cy" });
    const entered = await page.next("entered");
    const token = String(entered.token);
    const status = await tcrpStatusFrom("127.0.0.2", test.tcpPort, Operation.JoinRoom, "lobby", {
      ...roomRequest("cy", { kaiwa: true }),
      resume: token,
    });
    strictEqual(status, Status.Ok);
    deepStrictEqual((await page.next("removed")).reason, "resumed-elsewhere");
    page.send({ type: "say", text: "into the void" });
    deepStrictEqual((await page.next("error")).text, "not in a room");
    // The kaiwa client speaks for cy, and the page's socket ending does not hold it.
    await using udp = new UdpClient("127.0.0.2");
    await udp.send(test.udp, "lobby", token, encodeCommand({ type: "chat", text: "on udp" }));
    deepStrictEqual((await host.next("chat")).text, "on udp");
    await page[Symbol.asyncDispose]();
    await waitFor(() => test.server.web!.connections === 1, "the page's socket ended");
    strictEqual(test.server.web!.heldMembers, 0);
  });
  await t.step("by a page whose socket closed while its password was checked", async () => {
    const hasher = new GatedHasher();
    await using test = await webServer({}, { hasher });
    await using page = await Page.open(test.webPort);
    page.send({ type: "create", room: "vault", name: "ann", password: "s3cret" });
    const entered = await page.next("entered");
    hasher.held = true;
    const other = await Page.open(test.webPort);
    other.send({
      type: "join",
      room: "vault",
      name: "ann",
      password: "s3cret",
      resume: entered.token,
    });
    await waitFor(() => hasher.running === 1, "the password being checked");
    await other[Symbol.asyncDispose]();
    await waitFor(() => test.server.web!.connections === 1, "the other page's socket ended");
    hasher.release();
    deepStrictEqual((await page.next("removed")).reason, "resumed-elsewhere");
    // Nobody speaks for ann now: held, for the page that resumed it to come back.
    await waitFor(() => test.server.web!.heldMembers === 1, "ann held");
    await using back = await Page.open(test.webPort);
    back.send({
      type: "join",
      room: "vault",
      name: "ann",
      password: "s3cret",
      resume: entered.token,
    });
    deepStrictEqual([(await back.next("entered")).resumed, test.server.web!.heldMembers], [
      true,
      0,
    ]);
  });
});

Deno.test("a server shutting down tells its browser members, then closes their sockets", async () => {
  const test = await webServer();
  try {
    const page = await Page.open(test.webPort);
    page.send({ type: "create", room: "lobby", name: "ann" });
    await page.next("entered");
    await test.server.shutdown();
    await page.next("shutdown");
    deepStrictEqual((await page.closed).code, 1001);
  } finally {
    await test.server.close();
  }
});

Deno.test("a server shutting down takes no page into a room, and no new WebSocket", async () => {
  // As the TCP port stops taking requests before the members are told goodbye, so does the web
  // port: a room created or joined then would only be closed under its page at once.
  const hasher = new GatedHasher();
  const test = await webServer({}, { hasher });
  try {
    await using host = await Page.open(test.webPort);
    host.send({ type: "create", room: "vault", name: "ann", password: "s3cret" });
    await host.next("entered");
    await using page = await Page.open(test.webPort);
    // A TCP join whose password is being checked holds the shutdown between its two halves:
    // the TCP port closed, the members not yet told.
    hasher.held = true;
    const tcpJoin = tcrpStatusFrom("127.0.0.1", test.tcpPort, Operation.JoinRoom, "vault", {
      ...roomRequest("bo", { password: "s3cret" }),
    });
    await using waiting = await Page.open(test.webPort);
    waiting.send({ type: "join", room: "vault", name: "dee", password: "s3cret" });
    await waitFor(() => hasher.running === 2, "both passwords being checked");
    const stopping = test.server.shutdown();
    page.send({ type: "create", room: "lobby", name: "cy" });
    deepStrictEqual((await page.next("error")).text, "the server is shutting down");
    page.send({ type: "join", room: "vault", name: "cy", password: "s3cret" });
    deepStrictEqual((await page.next("error")).text, "the server is shutting down");
    const late = new Page(test.webPort);
    strictEqual(await late.opened, false);
    await late.closed;
    hasher.release();
    // The join answered once the shutdown began is withdrawn: dee never enters.
    await waitFor(() => waiting.messages.some((m) => m.type === "error"), "dee's answer");
    deepStrictEqual(waiting.messages, [{ type: "error", text: "the server is shutting down" }]);
    await stopping;
    strictEqual(await tcpJoin, null);
    await host.next("shutdown");
    deepStrictEqual((await page.closed).code, 1001);
  } finally {
    await test.server.close();
  }
});

Deno.test("a WebSocket silent for --timeout is closed, saying why", async () => {
  await using test = await webServer({ timeoutSeconds: 0.2 });
  await using page = await Page.open(test.webPort);
  const closed = await page.closed;
  deepStrictEqual([closed.code, closed.reason], [1001, "idle for too long"]);
});

Deno.test("the metrics count the web port's connections", async () => {
  await using test = await webServer({ metricsPort: 0 });
  await using page = await Page.open(test.webPort);
  page.send({ type: "create", room: "lobby", name: "ann" });
  await page.next("entered");
  const response = await fetch(`http://127.0.0.1:${test.server.metricsAddr!.port}/metrics`);
  const text = await response.text();
  ok(text.includes("\nkaiwa_web_connections 1\n"), text);
  ok(text.includes('\nkaiwa_members{protocol="kaiwa"} 1\n'), text);
});

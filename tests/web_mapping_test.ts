/**
 * The browser's JSON mapping (docs/protocol.md §9): every kaiwa event as JSON, refusals, and the
 * page's requests read field by field. Also the HTTP request head, the handshake's accept value
 * and the Origin rule.
 *
 * @module
 */

import { deepStrictEqual, throws } from "node:assert/strict";
import {
  decodeEvent,
  encodeChatEvent,
  encodeEvent,
  EventType,
  type KaiwaEvent,
} from "../protocol/mod.ts";
import {
  BadRequestError,
  eventToJson,
  isWebAddress,
  parseBrowserRequest,
  refusalToJson,
  WEB_VIA,
  WebRoutes,
} from "../server/web/mod.ts";
import { acceptValue, originAllowed } from "../server/web/handshake.ts";
import { parseRequestHead } from "../server/web/http_request.ts";
import { nameCssColor } from "../util/mod.ts";

const T = 1767225600000;
const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("eventToJson maps every kaiwa event", { permissions: "none" }, async (t) => {
  const cases: [KaiwaEvent, unknown][] = [
    [
      { type: "chat", time: T, seq: 7, sender: "ann", text: "<b>こんにちは</b> 🎉" },
      {
        type: "chat",
        time: T,
        seq: 7,
        from: "ann",
        color: nameCssColor("ann"),
        text: "<b>こんにちは</b> 🎉",
      },
    ],
    [
      { type: "chat", time: T, seq: 1, sender: "bo", text: "hi", history: true },
      { type: "history", time: T, seq: 1, from: "bo", color: nameCssColor("bo"), text: "hi" },
    ],
    [
      { type: "joined", time: T, names: ["ann", "さくら"] },
      {
        type: "joined",
        time: T,
        names: ["ann", "さくら"],
        colors: [nameCssColor("ann"), nameCssColor("さくら")],
      },
    ],
    [
      { type: "left", time: T, reason: 2, names: ["bo"] },
      { type: "left", time: T, reason: "timed-out", names: ["bo"] },
    ],
    [{ type: "left", time: T, reason: 99, names: ["bo"] }, {
      type: "left",
      time: T,
      reason: "unknown",
      names: ["bo"],
    }],
    [{ type: "room-closed", time: T, reason: 1 }, {
      type: "room-closed",
      time: T,
      reason: "host-left",
    }],
    [{ type: "removed", time: T, reason: 1 }, { type: "removed", time: T, reason: "inactivity" }],
    [{ type: "shutdown", time: T }, { type: "shutdown", time: T }],
    [{ type: "pong", time: T }, { type: "pong", time: T }],
    [{ type: "pong", time: T, latest: 9 }, { type: "pong", time: T }],
    [{ type: "gap", time: T, from: 3, to: 5 }, { type: "gap", time: T, from: 3, to: 5 }],
    [
      { type: "notice", time: T, code: 1, text: "slow down" },
      { type: "notice", time: T, code: 1, text: "slow down" },
    ],
    [
      {
        type: "members",
        time: T,
        members: [{ name: "ann", host: true, you: false }, { name: "bo", host: false, you: true }],
      },
      {
        type: "members",
        time: T,
        members: [
          { name: "ann", color: nameCssColor("ann"), host: true, you: false },
          { name: "bo", color: nameCssColor("bo"), host: false, you: true },
        ],
      },
    ],
  ];
  for (const [event, json] of cases) {
    await t.step(event.type, () => deepStrictEqual(eventToJson(event), json));
  }
  await t.step("from the wire bytes a browser member is sent", () => {
    const event = decodeEvent(encodeChatEvent(T, 2, bytes("ann"), bytes("hi"), EventType.History));
    deepStrictEqual(eventToJson(event).type, "history");
  });
});

Deno.test(
  "refusalToJson names every status and says it in a sentence",
  { permissions: "none" },
  () => {
    deepStrictEqual(refusalToJson(6), {
      type: "refused",
      status: 6,
      reason: "name-taken",
      text: "someone in that room has that name already",
    });
    for (let status = 1; status <= 9; status++) {
      deepStrictEqual(refusalToJson(status).reason === "refused", false, `status ${status}`);
    }
    deepStrictEqual(refusalToJson(42).reason, "refused");
  },
);

Deno.test("parseBrowserRequest reads the page's requests", { permissions: "none" }, () => {
  deepStrictEqual(parseBrowserRequest('{"type":"rooms"}'), { type: "rooms" });
  deepStrictEqual(parseBrowserRequest('{"type":"say","text":"やあ"}'), {
    type: "say",
    text: "やあ",
  });
  deepStrictEqual(
    parseBrowserRequest('{"type":"join","room":"lobby","name":"ann","password":""}'),
    { type: "join", room: "lobby", name: "ann", password: null },
  );
  deepStrictEqual(
    parseBrowserRequest('{"type":"create","room":"r","name":"n","password":"pw"}'),
    { type: "create", room: "r", name: "n", password: "pw" },
  );
  // A join may resume a member with its token (§2.5); "" and null mean none, a create has none.
  deepStrictEqual(
    parseBrowserRequest('{"type":"join","room":"r","name":"n","resume":"tok"}'),
    { type: "join", room: "r", name: "n", password: null, resume: "tok" },
  );
  for (const none of ['""', "null"]) {
    deepStrictEqual(
      parseBrowserRequest(`{"type":"join","room":"r","name":"n","resume":${none}}`),
      { type: "join", room: "r", name: "n", password: null },
    );
  }
  deepStrictEqual(
    parseBrowserRequest('{"type":"create","room":"r","name":"n","resume":"tok"}'),
    { type: "create", room: "r", name: "n", password: null },
  );
  for (
    const bad of [
      "not json",
      "[]",
      "null",
      '{"type":"nuke"}',
      '{"type":"say"}',
      '{"type":"say","text":1}',
      '{"type":"join","room":"r"}',
      '{"type":"join","room":"r","name":"n","password":5}',
      '{"type":"join","room":"r","name":"n","resume":5}',
    ]
  ) {
    throws(() => parseBrowserRequest(bad), BadRequestError, bad);
  }
});

Deno.test(
  "parseBrowserRequest's error for an unknown type is short, whatever the type sent",
  { permissions: "none" },
  () => {
    // Quoted twice (in the error, then in its JSON), a backslash would come back four times over.
    for (const type of ["\\".repeat(8000), "x".repeat(8000), { a: [[["deep"]]] }]) {
      throws(
        () => parseBrowserRequest(JSON.stringify({ type })),
        (error) => error instanceof BadRequestError && error.message.length <= 100,
      );
    }
    throws(
      () => parseBrowserRequest('{"type":"nuke"}'),
      (error) => error instanceof BadRequestError && error.message.includes('"nuke"'),
    );
  },
);

Deno.test("parseRequestHead reads a request line and its fields", { permissions: "none" }, () => {
  const head = parseRequestHead(
    "GET /ws?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive, Upgrade\r\nX-A: 1\r\nx-a: 2",
  );
  deepStrictEqual(head?.method, "GET");
  deepStrictEqual(head?.path, "/ws");
  deepStrictEqual(head?.headers.get("host"), "127.0.0.1:8080");
  deepStrictEqual(head?.headers.get("x-a"), "1, 2");
  for (
    const bad of [
      "GET /",
      "GET / HTTP/2",
      "GET x HTTP/1.1",
      "GET / HTTP/1.1\r\nno colon",
      // Bare LF and bare CR line endings (RFC 9112 §2.2): refused, not guessed at.
      "GET / HTTP/1.1\nHost: a",
      "GET / HTTP/1.1\r\nHost: a\rX: b",
    ]
  ) {
    deepStrictEqual(parseRequestHead(bad), null, bad);
  }
});

Deno.test("the handshake's accept value and the Origin rule", { permissions: "none" }, async () => {
  deepStrictEqual(await acceptValue("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  deepStrictEqual(originAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", false, []), true);
  deepStrictEqual(originAllowed("https://127.0.0.1:8080", "127.0.0.1:8080", true, []), true);
  // The scheme counts: an https page is not the http origin.
  deepStrictEqual(originAllowed("https://127.0.0.1:8080", "127.0.0.1:8080", false, []), false);
  deepStrictEqual(originAllowed("http://evil.example", "127.0.0.1:8080", false, []), false);
  deepStrictEqual(originAllowed(undefined, "127.0.0.1:8080", false, []), false);
  deepStrictEqual(originAllowed("http://[::1]:8080", "[::1]:8080", false, []), true);
  deepStrictEqual(originAllowed("http://localhost:8080", "localhost:8080", false, []), true);
  // DNS rebinding: a name pointed at this server is not its own origin unless allowed by name.
  deepStrictEqual(originAllowed("http://evil.example:8080", "evil.example:8080", false, []), false);
  deepStrictEqual(
    originAllowed("https://chat.example.org", "chat.example.org", true, [
      "https://chat.example.org",
    ]),
    true,
  );
  deepStrictEqual(
    originAllowed("https://Chat.Example.org", "x", false, ["https://chat.example.org"]),
    true,
  );
});

Deno.test("WebRoutes hands each browser member its events as JSON", { permissions: "none" }, () => {
  const routes = new WebRoutes();
  const got: string[] = [];
  const port = routes.open((json) => got.push(json));
  const address = { port, via: WEB_VIA };
  deepStrictEqual(isWebAddress(address), true);
  deepStrictEqual(isWebAddress({ port: 9001 }), false);
  const chat = encodeChatEvent(T, 1, bytes("ann"), bytes("やあ"));
  routes.deliver(chat, address);
  routes.deliver(chat, address);
  routes.deliver(encodeEvent({ type: "pong", time: T }), address);
  deepStrictEqual(got.map((json) => JSON.parse(json).type), ["chat", "chat", "pong"]);
  deepStrictEqual(got[0], got[1]);
  deepStrictEqual(JSON.parse(got[0]).text, "やあ");
  routes.close(port);
  routes.deliver(chat, address);
  deepStrictEqual(got.length, 3);
  // Each member gets a port of its own, past every UDP port.
  const other = routes.open(() => {});
  deepStrictEqual(other > port && port > 65535, true);
});

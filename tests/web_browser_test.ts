/**
 * The browser client in a real browser: headless Chromium (tests/chromium.ts) on the page kaiwa
 * serves, chatting with a standard client over UDP, a terminal `kaiwa join` in pipe mode, and
 * another tab, over plain HTTP and over HTTPS. Skipped, saying why, when Chromium is not
 * installed (`.ci/run` installs Debian's `chromium` and `fonts-noto-cjk`).
 *
 * A screenshot of the chat is written to `KAIWA_SCREENSHOT` when it is set (`deno task
 * screenshot` writes docs/web-client.png), else to the temporary directory.
 *
 * @module
 */

import { deepStrictEqual, ok } from "node:assert/strict";
import { Operation, Status } from "../protocol/mod.ts";
import { nameCssColor } from "../util/mod.ts";
import { Chromium, findChromium, PAGE_DEADLINE_MS, type Tab } from "./chromium.ts";
import { CLIENT_DEADLINE_MS, PipeClient, untilBound } from "./pipe_client.ts";
import {
  roomRequest,
  startTestServer,
  tcrpRequest,
  type TestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const CHROMIUM = findChromium();
const ROOM = "ロビー";
const encoder = new TextEncoder();
/**
 * How long a page navigated away may take to close its WebSocket. Chromium sends its Close on
 * pagehide, and the server closes the TCP connection as soon as it has answered it (RFC 6455
 * §7.1.1; Chromium would wait about 2 s for that before closing itself), so about 0.1 s on an
 * idle machine: on a loaded one it gets a page's deadline.
 */
const AWAY_CLOSE_MS = PAGE_DEADLINE_MS;

/** True when some chat line of the tab's log is `sender: text`, each as text. */
function hasLine(tab: Tab, sender: string, text: string): Promise<void> {
  return tab.waitFor(
    `[...document.querySelectorAll('#log .line')].some((line) =>
      line.querySelector('.sender')?.textContent === ${JSON.stringify(`${sender}:`)} &&
      line.querySelector('.text')?.textContent === ${JSON.stringify(text)})`,
    `${sender}: ${text}`,
  );
}

/** Waits until the tab's log shows `text` somewhere. */
function logShows(tab: Tab, text: string): Promise<void> {
  return tab.waitFor(
    `document.getElementById('log').textContent.includes(${JSON.stringify(text)})`,
    JSON.stringify(text),
  );
}

/** Types a message into the focused message field and sends it with Enter. */
async function say(tab: Tab, text: string): Promise<void> {
  await tab.waitFor("document.activeElement?.name === 'message'", "the message field focused");
  await tab.type(text);
  await tab.press("Enter");
}

/** Joins the room from the entry form with the keyboard: room, Tab, name, Enter (Join). */
async function joinFromForm(tab: Tab, name: string): Promise<void> {
  await tab.waitFor("document.activeElement?.name === 'room'", "the room field focused");
  await tab.waitFor("document.getElementById('status').textContent === 'connected'", "connected");
  await tab.type(ROOM);
  await tab.press("Tab");
  await tab.type(name);
  await tab.press("Enter");
  await logShows(tab, `you joined ${ROOM}`);
}

/** A standard client in the room: joined over TCP, bound by its first datagram. */
async function standardMember(test: TestServer, name: string): Promise<[UdpClient, string]> {
  const client = new UdpClient();
  const answer = await tcrpRequest(test.tcpPort, Operation.JoinRoom, ROOM, roomRequest(name));
  deepStrictEqual(answer.status, Status.Ok);
  const token = answer.token!;
  await client.send(test.udp, ROOM, token, new Uint8Array(0));
  await waitFor(() => test.server.state.memberByToken(token)?.address != null, `${name} bound`);
  return [client, token];
}

/** Reads the standard client's datagrams until one is `expected`; returns those before it. */
async function receiveText(client: UdpClient, expected: string): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    // What the page sends waits on Chromium, as a client process's line does: its deadline.
    const bytes = await client.receive(CLIENT_DEADLINE_MS);
    if (bytes === null) throw new Error(`no ${JSON.stringify(expected)}; saw ${seen}`);
    const text = new TextDecoder().decode(bytes);
    if (text === expected) return seen;
    seen.push(text);
  }
}

Deno.test({
  name: CHROMIUM === null
    ? "the browser client in Chromium (skipped: chromium is not installed)"
    : "the browser client in Chromium",
  ignore: CHROMIUM === null,
  async fn(t) {
    const dataDir = await Deno.makeTempDir({ prefix: "kaiwa-web-" });
    // The real clock: the page shows the times the events carry.
    await using test = await startTestServer(
      { webPort: 0, dataDir, history: 50 },
      { now: Date.now },
    );
    const origin = `http://127.0.0.1:${test.server.web!.addr.port}`;
    await using browser = await Chromium.launch(CHROMIUM!);
    const tabs: Tab[] = [];
    let terminal: PipeClient | null = null;
    let ken: UdpClient | null = null;
    try {
      // The size of the screenshot in the README.
      const host = await browser.open(`${origin}/`, 960, 540);
      tabs.push(host);

      await t.step("the host creates a room from the keyboard alone", async () => {
        await host.waitFor("document.activeElement?.name === 'room'", "the room field focused");
        await host.waitFor(
          "document.getElementById('status').textContent === 'connected'",
          "connected",
        );
        await host.type(ROOM);
        await host.press("Tab");
        await host.type("さくら");
        // Password, Join, then Create.
        await host.press("Tab");
        await host.press("Tab");
        await host.press("Tab");
        await host.press("Enter");
        await logShows(host, `you created ${ROOM} and are its host`);
        ok(await host.evaluate("document.getElementById('log').getAttribute('role') === 'log'"));
      });

      await t.step(
        "a standard client and the browser chat both ways in Japanese and emoji",
        async () => {
          const [client] = await standardMember(test, "ken");
          ken = client;
          await logShows(host, "ken joined");
          await client.send(
            test.udp,
            ROOM,
            test.server.state.rooms.get(ROOM)!.members.get("ken")!.token,
            "こんにちは！今日の打ち合わせは何時からですか？ 🙂",
          );
          await hasLine(host, "ken", "こんにちは！今日の打ち合わせは何時からですか？ 🙂");
          await say(host, "15時からです 🍵 資料はあとで送りますね");
          await receiveText(client, "さくら: 15時からです 🍵 資料はあとで送りますね");
        },
      );

      await t.step("a second tab joins, gets the history, and both tabs chat", async () => {
        const second = await browser.open(`${origin}/`);
        tabs.push(second);
        await second.waitFor(
          `[...document.querySelectorAll('#rooms button')].some((b) =>
            b.textContent.includes(${JSON.stringify(ROOM)}))`,
          "the room in the room list",
        );
        await joinFromForm(second, "ゆき");
        // History: what was said before it joined, shown dimmed.
        await second.waitFor(
          "document.querySelectorAll('#log .line.history').length === 2",
          "two history lines",
        );
        await hasLine(second, "ken", "こんにちは！今日の打ち合わせは何時からですか？ 🙂");
        await second.waitFor(
          "document.getElementById('members').children.length === 3",
          "three members",
        );
        await logShows(host, "ゆき joined");
        await say(second, "了解です！ 👍");
        await hasLine(host, "ゆき", "了解です！ 👍");
        await receiveText(ken!, "ゆき: 了解です！ 👍");
        // The sender colours: the terminal client's, by name.
        const [red, green, blue] = [1, 3, 5].map((at) =>
          parseInt(nameCssColor("ゆき").slice(at, at + 2), 16)
        );
        deepStrictEqual(
          await host.evaluate(
            `[...document.querySelectorAll('#log .line .sender')].find((s) =>
              s.textContent === 'ゆき:').style.color`,
          ),
          `rgb(${red}, ${green}, ${blue})`,
        );
      });

      await t.step("a terminal kaiwa join member chats with the browsers", async () => {
        terminal = new PipeClient(test.tcpPort, [ROOM, "--name", "taro"]);
        // The process may start cold on a loaded machine: it has a client's deadline to join,
        // longer than a page's for its notice.
        await untilBound(test.server, ROOM, "taro");
        await logShows(host, "taro joined");
        await terminal.send("hello from the terminal 👋");
        await hasLine(host, "taro", "hello from the terminal 👋");
        await say(host, "ようこそ、taro さん！ 🎉");
        await terminal.waitForLine("さくら: ようこそ、taro さん！ 🎉");
        await host.waitFor(
          "document.getElementById('members').children.length === 4",
          "four members",
        );
        const path = Deno.env.get("KAIWA_SCREENSHOT") ??
          `${Deno.env.get("TMPDIR") ?? "/tmp"}/kaiwa-web-client.png`;
        await Deno.writeFile(path, await host.screenshot());
      });

      await t.step("hostile text from a standard client shows as text", async () => {
        const token = test.server.state.rooms.get(ROOM)!.members.get("ken")!.token;
        const html = `<img src=x onerror="window.pwned=1">`;
        await ken!.send(test.udp, ROOM, token, html);
        await hasLine(host, "ken", html);
        await ken!.send(test.udp, ROOM, token, encoder.encode("\x1b[31mred\x1b]52;c;Zm9v\x07"));
        await hasLine(host, "ken", "␛[31mred␛]52;c;Zm9v␇");
        deepStrictEqual(await host.evaluate("document.querySelectorAll('#log img').length"), 0);
        deepStrictEqual(await host.evaluate("window.pwned"), undefined);
      });

      await t.step("a narrow phone screen shows the chat without sideways scrolling", async () => {
        const second = tabs[1];
        await second.resize(375, 740);
        await second.waitFor(
          "document.documentElement.scrollWidth <= document.documentElement.clientWidth",
          "no horizontal overflow",
        );
        ok(await second.evaluate("document.querySelector('.members').offsetHeight > 0"));
        ok(await second.evaluate("document.getElementById('message').offsetWidth > 150"));
        // A name near the 255-byte limit wraps: its messages keep room to be read, and the log
        // does not scroll sideways.
        const longName = "とても長い名前の人".repeat(9);
        await using long = (await standardMember(test, longName))[0];
        const token = test.server.state.rooms.get(ROOM)!.members.get(longName)!.token;
        await long.send(test.udp, ROOM, token, "長い名前でも読めますか？");
        await hasLine(second, longName, "長い名前でも読めますか？");
        await second.waitFor(
          `(() => { const log = document.getElementById('log');
            const text = [...log.querySelectorAll('.line .text')].at(-1);
            return log.scrollWidth <= log.clientWidth && text.offsetWidth >= log.clientWidth / 3;
          })()`,
          "the message readable beside a long name",
        );
      });

      await t.step("a tab over HTTPS talks over WSS with the server's TLS identity", async () => {
        const secure = await browser.open(`https://127.0.0.1:${test.server.web!.addr.port}/`);
        tabs.push(secure);
        await joinFromForm(secure, "ひかり");
        await say(secure, "暗号化されています 🔒");
        await hasLine(host, "ひかり", "暗号化されています 🔒");
        ok(secure.requests.includes(`wss://127.0.0.1:${test.server.web!.addr.port}/ws`));
        await secure.evaluate("document.getElementById('leave').click()");
        await logShows(host, "ひかり left");
        await secure.waitFor("!document.getElementById('entry').hidden", "the entry form again");
      });

      await t.step("the log follows new messages unless the reader scrolled up", async () => {
        const second = tabs[1];
        const token = test.server.state.rooms.get(ROOM)!.members.get("ken")!.token;
        for (let i = 1; i <= 20; i++) await ken!.send(test.udp, ROOM, token, `line ${i}`);
        await hasLine(second, "ken", "line 20");
        const atBottom = `(() => { const log = document.getElementById('log');
          return log.scrollHeight - log.scrollTop - log.clientHeight < 2; })()`;
        ok(await second.evaluate("document.getElementById('log').scrollTop > 0"));
        await second.waitFor(atBottom, "the log at its end");
        await second.evaluate("document.getElementById('log').scrollTop = 0");
        await ken!.send(test.udp, ROOM, token, "line 21");
        await hasLine(second, "ken", "line 21");
        deepStrictEqual(await second.evaluate("document.getElementById('log').scrollTop"), 0);
        await second.waitFor("!document.getElementById('newer').hidden", "the new-messages button");
        await second.evaluate("document.getElementById('newer').click()");
        await second.waitFor(atBottom, "the log at its end again");
      });

      await t.step("a reload keeps a tab in the room: the others see nobody leave", async () => {
        const second = tabs[1];
        await second.reload();
        await logShows(second, `you are back in ${ROOM}: you never left it`);
        // The log comes back from the room's history, its own words included.
        await hasLine(second, "ゆき", "了解です！ 👍");
        await say(second, "再読み込みしました 🔄");
        await hasLine(host, "ゆき", "再読み込みしました 🔄");
        const seen = await receiveText(ken!, "ゆき: 再読み込みしました 🔄");
        ok(!seen.some((text) => text.includes("ゆき")), String(seen));
        ok(
          !(await host.evaluate<string>("document.getElementById('log').textContent"))
            .includes("ゆき left"),
        );
      });

      await t.step(
        "a tab away for more than the history holds says how much it missed",
        async () => {
          const second = tabs[1];
          // The tab counts what it missed from the last seq it showed, so it must have shown
          // its own message from the step before (echoed by the server) before it goes away.
          const shown = test.server.state.rooms.get(ROOM)!.chats.last(1)[0].seq;
          await second.waitFor(
            `JSON.parse(sessionStorage.getItem('kaiwa.member'))?.seq === ${shown}`,
            `seq ${shown} remembered`,
          );
          // Away to another page and back in the same tab: its sessionStorage stays.
          await second.navigate("about:blank");
          // Its page, put away, closes its socket on pagehide (AWAY_CLOSE_MS).
          await waitFor(() => test.server.web!.heldMembers === 1, "ゆき held", AWAY_CLOSE_MS);
          const token = test.server.state.rooms.get(ROOM)!.members.get("ken")!.token;
          // One more than the history (50) holds.
          for (let i = 1; i <= 51; i++) await ken!.send(test.udp, ROOM, token, `away ${i}`);
          await waitFor(
            () =>
              new TextDecoder().decode(test.server.state.rooms.get(ROOM)!.chats.last(1)[0].text) ===
                "away 51",
            "ken's messages in the room",
          );
          await second.navigate(`${origin}/`);
          await logShows(second, `you are back in ${ROOM}: you never left it`);
          await hasLine(second, "ken", "away 51");
          await logShows(second, "1 message was missed while you were away");
        },
      );

      await t.step("the host's reload does not close the room: it is still its host", async () => {
        await host.reload();
        await logShows(host, `you are back in ${ROOM}: you never left it`);
        deepStrictEqual(
          await host.evaluate("document.getElementById('leave').textContent"),
          "Close room",
        );
        deepStrictEqual(test.server.state.rooms.get(ROOM)?.host.name, "さくら");
        await say(host, "ただいま 🏠");
        const seen = await receiveText(ken!, "さくら: ただいま 🏠");
        ok(!seen.some((text) => text.includes("closed") || text.includes("さくら")), String(seen));
        await hasLine(tabs[1], "さくら", "ただいま 🏠");
      });

      await t.step(
        "the host leaving closes the room for everyone, with a clear notice",
        async () => {
          const second = tabs[1];
          // Close room asks twice, as the terminal client does.
          await host.evaluate("document.getElementById('leave').click()");
          await logShows(host, "leaving closes the room for everyone");
          await host.evaluate("document.getElementById('leave').click()");
          await second.waitFor(
            "!document.getElementById('closed').hidden",
            "the closed banner",
          );
          deepStrictEqual(
            await second.evaluate("document.getElementById('closed-text').textContent"),
            "the room was closed: the host left",
          );
          await receiveText(ken!, "* the room was closed: the host left");
          await terminal!.waitForLine("* the room was closed: the host left");
          deepStrictEqual((await terminal!.exited()).code, 10);
          terminal = null;
          deepStrictEqual(test.server.state.rooms.size, 0);
        },
      );

      await t.step("no console errors, and nothing loaded from anywhere else", () => {
        for (const tab of tabs) {
          deepStrictEqual(tab.errors, []);
          for (const url of tab.requests) {
            ok(url.includes(`//127.0.0.1:${test.server.web!.addr.port}/`), url);
          }
        }
      });
    } finally {
      await (terminal as PipeClient | null)?.kill();
      await (ken as UdpClient | null)?.[Symbol.asyncDispose]();
      for (const tab of tabs) await tab.close().catch(() => {});
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

/**
 * Submits the entry form as `ゆき` in {@link ROOM} with its `action` button, each time in a new
 * second of `test`'s clock, until it is answered otherwise than too-many-requests.
 */
async function submitInNewSeconds(tab: Tab, test: TestServer, action: string): Promise<void> {
  for (;;) {
    test.clock.advance(1_000);
    await tab.evaluate(`(() => {
      document.getElementById('entry-error').textContent = '';
      const form = document.getElementById('entry-form');
      form.elements.room.value = ${JSON.stringify(ROOM)};
      form.elements.name.value = 'ゆき';
      form.querySelector('button[value=${action}]').click();
    })()`);
    await tab.waitFor(
      "!document.getElementById('chat').hidden || " +
        "document.getElementById('entry-error').textContent !== ''",
      `the ${action} answered`,
    );
    const error = await tab.evaluate<string>("document.getElementById('entry-error').textContent");
    if (!error.includes("too many requests")) return;
  }
}

Deno.test({
  name: CHROMIUM === null
    ? "a page refused for a moment while coming back keeps its member (skipped: no chromium)"
    : "a page refused for a moment while coming back keeps its member",
  ignore: CHROMIUM === null,
  async fn() {
    // One request a second from an address, on a clock that moves only when told: the reload's
    // resume comes while the create's second is not over, and is refused too-many-requests.
    await using test = await startTestServer({ webPort: 0, joinRate: 1 });
    await using browser = await Chromium.launch(CHROMIUM!);
    const tab = await browser.open(`http://127.0.0.1:${test.server.web!.addr.port}/`);
    try {
      await tab.waitFor(
        "document.getElementById('status').textContent === 'connected'",
        "connected",
      );
      // The page also asks for the room list (on loading, and on showing the form), which may
      // take a second's one request first: a refusal for now is tried again in a new second.
      await submitInNewSeconds(tab, test, "create");
      await logShows(tab, `you created ${ROOM}`);
      await tab.reload();
      await tab.waitFor(
        "document.getElementById('entry-error').textContent.includes('too many requests')",
        "the resume refused for now",
      );
      await waitFor(() => test.server.web!.heldMembers === 1, "the member held");
      // Later the form, filled in, still comes back as the member held for it.
      await submitInNewSeconds(tab, test, "join");
      await logShows(tab, `you are back in ${ROOM}: you never left it`);
      deepStrictEqual(test.server.web!.heldMembers, 0);
      deepStrictEqual(tab.errors, []);
    } finally {
      await tab.close().catch(() => {});
    }
  },
});

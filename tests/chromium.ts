/**
 * Headless Chromium driven over the DevTools protocol with Deno's own WebSocket: no dependency.
 * Starts the browser in a private profile, opens tabs, runs script in them, types with real key
 * events, records console errors and every network request, and takes screenshots.
 *
 * @module
 */

/** Where Chromium is looked for: `KAIWA_CHROMIUM`, then Debian's and others' names on PATH. */
const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
/** Longest wait for the browser to start, or for one condition in a page. */
export const PAGE_DEADLINE_MS = 20_000;
const POLL_MS = 25;
const DEVTOOLS_LINE = /DevTools listening on (ws:\/\/\S+)/;

/** The Chromium binary, or null when none is installed. */
export function findChromium(): string | null {
  const given = Deno.env.get("KAIWA_CHROMIUM");
  if (given !== undefined && given !== "") return given;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of CANDIDATES) {
      try {
        if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
      } catch {
        // Not there.
      }
    }
  }
  return null;
}

type Params = Record<string, unknown>;
interface Pending {
  resolve(value: Params): void;
  reject(error: Error): void;
}

/** A running headless Chromium; `await using` stops it and removes its profile. */
export class Chromium {
  readonly #child: Deno.ChildProcess;
  readonly #socket: WebSocket;
  readonly #profile: string;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, (method: string, params: Params) => void>();
  readonly #stderr: Promise<void>;
  #nextId = 1;

  private constructor(
    child: Deno.ChildProcess,
    socket: WebSocket,
    profile: string,
    stderr: Promise<void>,
  ) {
    this.#child = child;
    this.#socket = socket;
    this.#profile = profile;
    this.#stderr = stderr;
    socket.addEventListener("message", (event) => this.#onMessage(String(event.data)));
  }

  /** Starts Chromium headless; it accepts the server's self-signed certificate (tests only). */
  static async launch(binary: string): Promise<Chromium> {
    const profile = await Deno.makeTempDir({ prefix: "kaiwa-chromium-" });
    const child = new Deno.Command(binary, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--ignore-certificate-errors",
        "--lang=en-US",
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let url: string | null = null;
    let seen = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), PAGE_DEADLINE_MS);
    try {
      while (url === null) {
        const { value, done } = await lines.read();
        if (done) break;
        seen += value;
        url = DEVTOOLS_LINE.exec(seen)?.[1] ?? null;
      }
    } finally {
      clearTimeout(timer);
    }
    if (url === null) {
      await child.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
      throw new Error(`Chromium did not start: ${seen.slice(-500)}`);
    }
    // Drained to the end, so the browser never blocks on a full pipe.
    const stderr = (async () => {
      while (!(await lines.read()).done) { /* drain */ }
    })();
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve, { once: true });
      socket.addEventListener("error", () => reject(new Error("DevTools socket failed")), {
        once: true,
      });
    });
    return new Chromium(child, socket, profile, stderr);
  }

  /** Sends one DevTools command (to a tab when `session` is given) and returns its result. */
  send(method: string, params: Params = {}, session?: string): Promise<Params> {
    const id = this.#nextId++;
    const message: Params = { id, method, params };
    if (session !== undefined) message.sessionId = session;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify(message));
    });
  }

  /** Opens a tab of `width` × `height` CSS pixels at `url` and waits for it to load. */
  async open(url: string, width = 1000, height = 640): Promise<Tab> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const tab = new Tab(this, String(targetId), String(sessionId));
    this.#listeners.set(String(sessionId), (method, params) => tab.observe(method, params));
    await tab.start(url, width, height);
    return tab;
  }

  #onMessage(text: string): void {
    const message = JSON.parse(text);
    if (typeof message.id === "number") {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) {
        pending?.reject(new Error(`${message.error.message} (${message.error.code})`));
      } else pending?.resolve(message.result ?? {});
      return;
    }
    if (typeof message.sessionId === "string") {
      this.#listeners.get(message.sessionId)?.(message.method, message.params ?? {});
    }
  }

  /** Closes the browser and removes its profile. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.send("Browser.close").catch(() => {});
    this.#socket.close();
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), PAGE_DEADLINE_MS);
    await this.#child.status;
    clearTimeout(timer);
    await this.#stderr.catch(() => {});
    for (const pending of this.#pending.values()) pending.reject(new Error("Browser closed"));
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}

/** Key events for the keys the tests press. */
const KEYS: Record<string, Params> = {
  Enter: { key: "Enter", code: "Enter", windowsVirtualKeyCode: 13, text: "\r" },
  Tab: { key: "Tab", code: "Tab", windowsVirtualKeyCode: 9 },
};

/** One tab, attached with its own DevTools session. */
export class Tab {
  readonly #browser: Chromium;
  readonly #target: string;
  readonly #session: string;
  /** Console errors, uncaught exceptions and failed loads, as text. */
  readonly errors: string[] = [];
  /** Every URL the page requested. */
  readonly requests: string[] = [];

  /** Made by {@link Chromium.open}. */
  constructor(browser: Chromium, target: string, session: string) {
    this.#browser = browser;
    this.#target = target;
    this.#session = session;
  }

  /** Records what the tests check of every page: errors and requests. */
  observe(method: string, params: Params): void {
    if (method === "Runtime.consoleAPICalled" && params.type === "error") {
      this.errors.push(`console.error: ${JSON.stringify(params.args)}`);
    } else if (method === "Runtime.exceptionThrown") {
      this.errors.push(`exception: ${JSON.stringify(params.exceptionDetails)}`);
    } else if (method === "Log.entryAdded") {
      const entry = params.entry as Params;
      if (entry.level === "error") this.errors.push(`log: ${entry.text} ${entry.url ?? ""}`);
    } else if (method === "Network.requestWillBeSent") {
      this.requests.push(String((params.request as Params).url));
    } else if (method === "Network.webSocketCreated") {
      this.requests.push(String(params.url));
    }
  }

  /** Enables the domains observed, sizes the viewport, loads `url`. */
  async start(url: string, width: number, height: number): Promise<void> {
    for (const domain of ["Runtime", "Log", "Network", "Page"]) {
      await this.#send(`${domain}.enable`);
    }
    await this.resize(width, height);
    await this.navigate(url);
  }

  /** Loads `url` in this tab (its sessionStorage stays) and waits for it to load. */
  async navigate(url: string): Promise<void> {
    await this.#send("Page.navigate", { url });
    await this.waitFor("document.readyState === 'complete'", "the page to load");
  }

  /** Reloads the page, as its reload button does, and waits for the new page to load. */
  async reload(): Promise<void> {
    // A mark on the old page's window: the new page has none.
    await this.evaluate("window.beforeReload = true");
    await this.#send("Page.reload");
    await this.waitFor(
      "window.beforeReload === undefined && document.readyState === 'complete'",
      "the page to reload",
    );
  }

  /** Sets the viewport to `width` × `height` CSS pixels (a phone: 375 × 740). */
  async resize(width: number, height: number): Promise<void> {
    await this.#send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: width < 600,
    });
  }

  /** Runs `expression` in the page and returns its value (awaiting a promise). */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const result = await this.#send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (result.exceptionDetails !== undefined) {
      throw new Error(`Evaluating ${expression}: ${JSON.stringify(result.exceptionDetails)}`);
    }
    return (result.result as Params).value as T;
  }

  /** Polls until `expression` is truthy in the page; fails the test past the deadline. */
  async waitFor(expression: string, what: string): Promise<void> {
    const deadline = Date.now() + PAGE_DEADLINE_MS;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > deadline) {
        const log = await this.evaluate<string>(
          "document.getElementById('log')?.innerText ?? document.body.innerText",
        ).catch(() => "");
        throw new Error(`Timed out waiting for ${what}; the page shows:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Types `text` into the focused element, as an input method commits it. */
  async type(text: string): Promise<void> {
    await this.#send("Input.insertText", { text });
  }

  /** Presses and releases a key of {@link KEYS} on the focused element. */
  async press(key: keyof typeof KEYS): Promise<void> {
    await this.#send("Input.dispatchKeyEvent", { type: "keyDown", ...KEYS[key] });
    await this.#send("Input.dispatchKeyEvent", { type: "keyUp", ...KEYS[key] });
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Uint8Array> {
    const { data } = await this.#send("Page.captureScreenshot", { format: "png" });
    return Uint8Array.from(atob(String(data)), (c) => c.charCodeAt(0));
  }

  /** Closes the tab. */
  async close(): Promise<void> {
    await this.#browser.send("Target.closeTarget", { targetId: this.#target });
  }

  #send(method: string, params: Params = {}): Promise<Params> {
    return this.#browser.send(method, params, this.#session);
  }
}

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { exitCodeFor } from "../cli/join_reasons.ts";
import type { EntryRequest, RoomEntry } from "../client/enter_room.ts";
import { ClientError, refusalError } from "../client/errors.ts";
import { chooseAndEnter, MAX_PASSWORD_TRIES } from "../client/interactive/entry_flow.ts";
import { checkName, parseMenuChoice } from "../client/interactive/menu.ts";
import type { Prompter } from "../client/interactive/prompter.ts";
import { DEFAULT_JOIN_OPTIONS, type JoinOptions } from "../client/options.ts";
import { Status } from "../protocol/mod.ts";

/** Answers questions from a script and records the dialogue. */
class ScriptedPrompter implements Prompter {
  readonly transcript: string[] = [];
  readonly #answers: (string | null)[];

  constructor(answers: (string | null)[]) {
    this.#answers = [...answers];
  }

  ask(prompt: string, secret = false): Promise<string | null> {
    if (this.#answers.length === 0) throw new Error(`No answer scripted for ${prompt}`);
    const answer = this.#answers.shift()!;
    this.transcript.push(`${prompt}${secret ? "(secret)" : ""}${answer ?? "^C"}`);
    return Promise.resolve(answer);
  }

  say(line: string): void {
    this.transcript.push(line);
  }
}

/** A fake server: refuses or accepts each request in turn. */
function fakeServer(answers: (number | "ok")[]) {
  const requests: EntryRequest[] = [];
  const entry = { token: "t" } as RoomEntry;
  return {
    requests,
    enter: (request: EntryRequest): Promise<RoomEntry> => {
      requests.push(request);
      const answer = answers.shift() ?? "ok";
      if (answer === "ok") return Promise.resolve(entry);
      return Promise.reject(refusalError(answer, request.room, request.name));
    },
    list: () =>
      Promise.resolve({ rooms: [{ name: "lobby", members: 2, password: true }], truncated: false }),
  };
}

function options(overrides: Partial<JoinOptions>): JoinOptions {
  return { ...DEFAULT_JOIN_OPTIONS, ...overrides };
}

Deno.test("parseMenuChoice() and checkName()", { permissions: "none" }, async (t) => {
  await t.step("numbers and words pick an entry", () => {
    deepStrictEqual(["1", "2", "3", "4", " join ", "Q", "5", ""].map(parseMenuChoice), [
      "create",
      "join",
      "list",
      "quit",
      "join",
      "quit",
      null,
      null,
    ]);
  });

  await t.step("names follow the naming rules, spaces around trimmed", () => {
    deepStrictEqual(checkName(" さくら ", "username"), { ok: true, name: "さくら" });
    deepStrictEqual(checkName("  ", "username"), {
      ok: false,
      message: "Invalid username: it is empty",
    });
    strictEqual(checkName("a\u202eb", "room name").ok, false);
    strictEqual(checkName("x".repeat(256), "room name").ok, false);
  });
});

Deno.test(
  "chooseAndEnter() asks what the command line left out",
  { permissions: "none" },
  async (t) => {
    await t.step("room and name given: straight in, no question", async () => {
      const server = fakeServer(["ok"]);
      const prompter = new ScriptedPrompter([]);
      const entered = await chooseAndEnter(options({ room: "lobby", name: "ann", create: true }), {
        prompter,
        ...server,
      });
      deepStrictEqual(entered?.request, {
        room: "lobby",
        name: "ann",
        password: null,
        create: true,
      });
      deepStrictEqual(prompter.transcript, []);
    });

    await t.step("the menu: a wrong answer, the list, then create with a password", async () => {
      const server = fakeServer(["ok"]);
      const prompter = new ScriptedPrompter(["9", "3", "1", "", "秘密", "", "ann", "pw"]);
      const entered = await chooseAndEnter(options({}), { prompter, ...server });
      deepStrictEqual(entered?.request, {
        room: "秘密",
        name: "ann",
        password: "pw",
        create: true,
      });
      deepStrictEqual(prompter.transcript.filter((line) => !/^\d\) /.test(line)), [
        "choose 1-4: 9",
        "type 1, 2, 3 or 4 (or create, join, list, quit)",
        "choose 1-4: 3",
        "1 room:",
        "  lobby (2 members) 🔒",
        "choose 1-4: 1",
        "room: ",
        "Invalid room name: it is empty",
        "room: 秘密",
        "name: ",
        "Invalid username: it is empty",
        "name: ann",
        "password (empty for none): (secret)pw",
      ]);
    });

    await t.step("create with an empty password sends none", async () => {
      const server = fakeServer(["ok"]);
      const prompter = new ScriptedPrompter(["create", "den", "ann", ""]);
      const entered = await chooseAndEnter(options({}), { prompter, ...server });
      strictEqual(entered?.request.password, null);
    });

    await t.step("a refusal goes back to the menu, the room kept as the default", async () => {
      const server = fakeServer([Status.NameTaken, "ok"]);
      const prompter = new ScriptedPrompter(["2", "lobby", "ann", "2", "", "bob"]);
      const entered = await chooseAndEnter(options({}), { prompter, ...server });
      deepStrictEqual([entered?.request.room, entered?.request.name], ["lobby", "bob"]);
      ok(prompter.transcript.includes("room [lobby]: "), prompter.transcript.join("\n"));
    });

    await t.step("a room that does not exist is said before the name is asked", async () => {
      const server = fakeServer([]);
      const prompter = new ScriptedPrompter(["2", "nowhere", "1", "", "ann", ""]);
      const entered = await chooseAndEnter(options({}), { prompter, ...server });
      deepStrictEqual(entered?.request, {
        room: "nowhere",
        name: "ann",
        password: null,
        create: true,
      });
      const said = prompter.transcript.filter((line) => !/^\d\) /.test(line));
      deepStrictEqual(said.slice(0, 3), [
        "choose 1-4: 2",
        "room: nowhere",
        'kaiwa: Room "nowhere" does not exist; choose create to make it',
      ]);
    });

    await t.step("ROOM given without --name: a missing room fails before the name", async () => {
      const prompter = new ScriptedPrompter([]);
      await rejects(
        chooseAndEnter(options({ room: "nowhere" }), { prompter, ...fakeServer([]) }),
        (error) => error instanceof ClientError && error.reason === "roomNotFound",
      );
      deepStrictEqual(prompter.transcript, []);
    });

    await t.step("a server that is not there fails before the menu", async () => {
      const prompter = new ScriptedPrompter([]);
      const list = () => Promise.reject(new ClientError("Cannot reach", "unreachable"));
      await rejects(
        chooseAndEnter(options({}), { prompter, enter: fakeServer([]).enter, list }),
        (error) => error instanceof ClientError && error.reason === "unreachable",
      );
      deepStrictEqual(prompter.transcript, []);
    });

    await t.step("an unreachable server ends the menu with its error", async () => {
      const prompter = new ScriptedPrompter(["2", "lobby", "ann"]);
      const enter = () => Promise.reject(new ClientError("Cannot reach", "unreachable"));
      await rejects(
        chooseAndEnter(options({}), { prompter, enter, list: fakeServer([]).list }),
        (error) =>
          error instanceof ClientError && exitCodeFor(error.reason) === ExitCode.Unreachable,
      );
    });

    await t.step("quit, Ctrl-C at any question: nothing entered", async () => {
      for (const answers of [["4"], [null], ["2", null], ["2", "lobby", null]]) {
        const server = fakeServer([]);
        const entered = await chooseAndEnter(options({}), {
          prompter: new ScriptedPrompter(answers),
          ...server,
        });
        strictEqual(entered, null, JSON.stringify(answers));
        deepStrictEqual(server.requests, []);
      }
    });

    await t.step("--name given: the menu does not ask it; ROOM given: no menu", async () => {
      const server = fakeServer(["ok", "ok"]);
      const first = await chooseAndEnter(options({ name: "ann" }), {
        prompter: new ScriptedPrompter(["2", "lobby"]),
        ...server,
      });
      deepStrictEqual(first?.request, {
        room: "lobby",
        name: "ann",
        password: null,
        create: false,
      });
      const prompter = new ScriptedPrompter(["bo"]);
      const second = await chooseAndEnter(options({ room: "lobby" }), { prompter, ...server });
      deepStrictEqual(second?.request, {
        room: "lobby",
        name: "bo",
        password: null,
        create: false,
      });
      deepStrictEqual(prompter.transcript, ["name: bo"]);
    });
  },
);

Deno.test(
  "chooseAndEnter() and passwords",
  { permissions: { env: ["KAIWA_TEST_PASSWORD"] } },
  async (t) => {
    const room = { room: "vault", name: "ann" };

    await t.step("a join refused for its password asks for one and retries", async () => {
      const server = fakeServer([Status.WrongPassword, Status.WrongPassword, "ok"]);
      const prompter = new ScriptedPrompter(["nope", "pw"]);
      const entered = await chooseAndEnter(options(room), { prompter, ...server });
      deepStrictEqual(server.requests.map((request) => request.password), [null, "nope", "pw"]);
      strictEqual(entered?.request.password, "pw");
      deepStrictEqual(prompter.transcript, [
        'room "vault" needs a password',
        "password: (secret)nope",
        "wrong password, try again",
        "password: (secret)pw",
      ]);
    });

    await t.step(
      `at most ${MAX_PASSWORD_TRIES} typed passwords, then the refusal stands`,
      async () => {
        const server = fakeServer(Array(10).fill(Status.WrongPassword));
        const prompter = new ScriptedPrompter(["a", "b", "c", "d"]);
        await rejects(
          chooseAndEnter(options(room), { prompter, ...server }),
          (error) =>
            error instanceof ClientError && exitCodeFor(error.reason) === ExitCode.WrongPassword,
        );
        strictEqual(server.requests.length, 1 + MAX_PASSWORD_TRIES);
      },
    );

    await t.step("Ctrl-C at a password asked after a refusal lets the refusal stand", async () => {
      for (const answers of [[null], ["nope", null]]) {
        const server = fakeServer(Array(10).fill(Status.WrongPassword));
        const prompter = new ScriptedPrompter(answers);
        await rejects(
          chooseAndEnter(options(room), { prompter, ...server }),
          (error) =>
            error instanceof ClientError && exitCodeFor(error.reason) === ExitCode.WrongPassword,
          `not a normal end after ${JSON.stringify(prompter.transcript)}`,
        );
      }
    });

    await t.step("--password-prompt and --password-stdin ask before entering", async () => {
      for (const kind of ["prompt", "stdin"] as const) {
        const server = fakeServer(["ok"]);
        const prompter = new ScriptedPrompter(["pw"]);
        await chooseAndEnter(options({ ...room, password: { kind } }), { prompter, ...server });
        deepStrictEqual(server.requests.map((request) => request.password), ["pw"]);
        deepStrictEqual(prompter.transcript, ["password: (secret)pw"]);
      }
    });

    await t.step("--password-env is used as is, and not retried", async () => {
      Deno.env.set("KAIWA_TEST_PASSWORD", "from-env");
      try {
        const server = fakeServer([Status.WrongPassword]);
        await rejects(
          chooseAndEnter(
            options({ ...room, password: { kind: "env", variable: "KAIWA_TEST_PASSWORD" } }),
            {
              prompter: new ScriptedPrompter([]),
              ...server,
            },
          ),
          (error) =>
            error instanceof ClientError && exitCodeFor(error.reason) === ExitCode.WrongPassword,
        );
        deepStrictEqual(server.requests.map((request) => request.password), ["from-env"]);
      } finally {
        Deno.env.delete("KAIWA_TEST_PASSWORD");
      }
    });

    await t.step("a create is never retried", async () => {
      const server = fakeServer([Status.RoomExists]);
      await rejects(
        chooseAndEnter(options({ ...room, create: true }), {
          prompter: new ScriptedPrompter([]),
          ...server,
        }),
        (error) =>
          error instanceof ClientError && exitCodeFor(error.reason) === ExitCode.RoomExists,
      );
    });
  },
);

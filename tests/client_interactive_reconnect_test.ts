import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { EntryRequest, RoomEntry } from "../client/enter_room.ts";
import { ClientError, refusalError } from "../client/errors.ts";
import { type Reentered, reenterRoom } from "../client/interactive/reconnect.ts";
import { Status } from "../protocol/mod.ts";

const REQUEST: EntryRequest = { room: "lobby", name: "ann", password: "pw", create: false };
const ENTRY = { token: "t", socket: { close() {} } } as unknown as RoomEntry;
const noWait = () => Promise.resolve();

/** A server answering each request in turn: a status to refuse, "down", or "ok". */
function server(answers: (number | "down" | "ok")[]) {
  const requests: EntryRequest[] = [];
  return {
    requests,
    enter(request: EntryRequest): Promise<RoomEntry> {
      requests.push(request);
      const answer = answers.shift() ?? "ok";
      if (answer === "ok") return Promise.resolve(ENTRY);
      if (answer === "down") return Promise.reject(new ClientError("Cannot reach", "unreachable"));
      return Promise.reject(refusalError(answer, request.room, request.name));
    },
  };
}

Deno.test(
  "reenterRoom() enters the room again after a restart",
  { permissions: "none" },
  async (t) => {
    await t.step("waits while the server is down, then joins", async () => {
      const fake = server(["down", "down", "ok"]);
      const again = await reenterRoom(
        REQUEST,
        { enter: fake.enter, delaysMs: [1, 1, 1, 1], sleep: noWait },
        new AbortController().signal,
      );
      deepStrictEqual((again as Reentered).request, REQUEST);
      strictEqual(fake.requests.length, 3);
    });
    await t.step("creates the room, same name and password, when the restart lost it", async () => {
      const fake = server([Status.RoomNotFound, "ok"]);
      const again = await reenterRoom(
        REQUEST,
        { enter: fake.enter, delaysMs: [1], sleep: noWait },
        new AbortController().signal,
      );
      deepStrictEqual((again as Reentered).request, { ...REQUEST, create: true });
    });
    await t.step("joins on the next attempt when someone else created it first", async () => {
      const fake = server([Status.RoomNotFound, Status.RoomExists, "ok"]);
      const again = await reenterRoom(
        REQUEST,
        { enter: fake.enter, delaysMs: [1, 1], sleep: noWait },
        new AbortController().signal,
      );
      deepStrictEqual((again as Reentered).request, REQUEST);
    });
    await t.step(
      "gives up on a refusal waiting cannot fix, or after the last attempt, saying why",
      async () => {
        const taken = server([Status.NameTaken]);
        const refused = await reenterRoom(
          REQUEST,
          { enter: taken.enter, delaysMs: [1, 1], sleep: noWait },
          new AbortController().signal,
        );
        strictEqual(refused instanceof ClientError && refused.reason, "nameTaken");
        strictEqual(taken.requests.length, 1);
        const down = server(["down", "down"]);
        const unreachable = await reenterRoom(
          REQUEST,
          { enter: down.enter, delaysMs: [1, 1], sleep: noWait },
          new AbortController().signal,
        );
        strictEqual(unreachable instanceof ClientError && unreachable.reason, "unreachable");
        strictEqual(down.requests.length, 2);
      },
    );
    await t.step("stops when the user leaves", async () => {
      const fake = server(["ok"]);
      const stop = new AbortController();
      stop.abort();
      strictEqual(
        await reenterRoom(REQUEST, { enter: fake.enter, sleep: noWait }, stop.signal),
        null,
      );
      strictEqual(fake.requests.length, 0);
    });
  },
);

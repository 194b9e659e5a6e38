/**
 * BrowserMembers, the web side's bookkeeping of which page speaks for each browser member: a
 * member whose WebSocket ended is held for the grace, a resume cancels the hold, and the page
 * speaking for a member is named (whoever resumes it takes it from that page). Pure: the time is
 * told.
 *
 * @module
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { BrowserMembers } from "../server/web/browser_members.ts";

const GRACE_MS = 20_000;

Deno.test("BrowserMembers holds a member whose page went for the grace", {
  permissions: "none",
}, async (t) => {
  await t.step("held until the grace ends, then handed back once to leave", () => {
    const members = new BrowserMembers<string, string>(GRACE_MS);
    members.seat("ann", "page 1");
    members.hold("ann", "page 1", 1_000);
    strictEqual(members.held, 1);
    deepStrictEqual(members.expire(1_000 + GRACE_MS - 1), []);
    deepStrictEqual(members.expire(1_000 + GRACE_MS), ["ann"]);
    deepStrictEqual(members.expire(1_000 + 2 * GRACE_MS), []);
    strictEqual(members.held, 0);
  });
  await t.step(
    "a resume within the grace cancels the hold: the old page's grace cannot expire it",
    () => {
      const members = new BrowserMembers<string, string>(GRACE_MS);
      members.seat("ann", "page 1");
      members.hold("ann", "page 1", 0);
      members.seat("ann", "page 2");
      strictEqual(members.held, 0);
      deepStrictEqual(members.expire(10 * GRACE_MS), []);
      // The old page's socket ending late changes nothing either: page 2 speaks for ann.
      members.hold("ann", "page 1", 0);
      deepStrictEqual(members.expire(10 * GRACE_MS), []);
      // Page 2 going holds ann afresh, from its own time.
      members.hold("ann", "page 2", 5_000);
      deepStrictEqual(members.expire(5_000 + GRACE_MS - 1), []);
      deepStrictEqual(members.expire(5_000 + GRACE_MS), ["ann"]);
    },
  );
  await t.step("the page speaking for a member is named, until another page is seated", () => {
    const members = new BrowserMembers<string, string>(GRACE_MS);
    strictEqual(members.pageOf("ann"), undefined);
    members.seat("ann", "tab");
    strictEqual(members.pageOf("ann"), "tab");
    members.seat("ann", "duplicated tab");
    strictEqual(members.pageOf("ann"), "duplicated tab");
    // The displaced tab's socket ending does not hold ann: the duplicated tab speaks for it.
    members.hold("ann", "tab", 0);
    strictEqual(members.held, 0);
    strictEqual(members.pageOf("ann"), "duplicated tab");
    // Held, no page speaks for it.
    members.hold("ann", "duplicated tab", 0);
    strictEqual(members.pageOf("ann"), undefined);
  });
  await t.step("a page that leaves is forgotten, and its socket ending holds nothing", () => {
    const members = new BrowserMembers<string, string>(GRACE_MS);
    members.seat("ann", "page");
    members.unseat("ann", "page");
    members.hold("ann", "page", 0);
    strictEqual(members.held, 0);
    // Another page's unseat does not free a member it does not speak for.
    members.seat("bo", "page 2");
    members.unseat("bo", "page 3");
    members.hold("bo", "page 2", 0);
    strictEqual(members.held, 1);
  });
});

/**
 * Sender colours: the browser's CSS colour of a name is the xterm colour the terminal paints it.
 *
 * @module
 */

import { deepStrictEqual } from "node:assert/strict";
import { nameColor } from "../client/tui/render.ts";
import { nameCssColor } from "../util/mod.ts";

/** The RGB of an xterm 256-colour cube index (16–231), as xterm defines it. */
function xtermRgb(index: number): string {
  const levels = [0, 95, 135, 175, 215, 255];
  const cube = index - 16;
  const channels = [Math.floor(cube / 36), Math.floor(cube / 6) % 6, cube % 6];
  return `#${channels.map((c) => levels[c].toString(16).padStart(2, "0")).join("")}`;
}

Deno.test(
  "nameCssColor is the terminal's 256-colour for the same name",
  { permissions: "none" },
  () => {
    for (const name of ["alice", "bob", "さくら", "ken", "👨‍👩‍👧", "taro", "ゆき"]) {
      const index = Number(nameColor(name, "256").split(";").at(-1));
      deepStrictEqual(nameCssColor(name), xtermRgb(index), name);
    }
    deepStrictEqual(nameCssColor("ann"), nameCssColor("ann"));
  },
);

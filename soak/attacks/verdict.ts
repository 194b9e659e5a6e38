/**
 * Issue 10's targets for the legit room under attack, and the verdict against them.
 *
 * @module
 */

import type { LegitFigures } from "./legit_room.ts";

/** Most chat deliveries the legit room may lose, %. */
export const MAX_LOSS_PERCENT = 1;
/** Chat p99 must stay under this, ms. */
export const MAX_CHAT_P99_MS = 150;
/** Legit creates and joins must take under this (p99), ms, and none may fail. */
export const MAX_JOIN_MS = 300;

/** "PASS", or "FAIL:" and the targets missed, then the attack's own concern if it has one. */
export function verdict(legit: LegitFigures, concern?: string): string {
  const missed: string[] = [];
  if (legit.lossPercent > MAX_LOSS_PERCENT) missed.push("loss");
  if (legit.chatP99 === null || legit.chatP99 >= MAX_CHAT_P99_MS) missed.push("chat p99");
  if (legit.joinP99 === null || legit.joinP99 >= MAX_JOIN_MS) missed.push("join p99");
  if (legit.joinFailures > 0) missed.push("join failures");
  if (concern !== undefined) missed.push(concern);
  return missed.length === 0 ? "PASS" : `FAIL: ${missed.join(", ")}`;
}

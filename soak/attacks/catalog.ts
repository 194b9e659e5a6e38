/**
 * Issue 10's attacks, by number.
 *
 * @module
 */

import { resetAttack } from "./a01_reset.ts";
import type { Attack } from "./types.ts";
import { whoAttack } from "./a04_who.ts";
import { lobbyAttack } from "./a05_lobby.ts";
import { wrongPasswordAttack } from "./wrong_password.ts";

/** Every attack, in the order. */
export const ATTACKS: readonly Attack[] = [
  resetAttack,
  wrongPasswordAttack(2, 1),
  wrongPasswordAttack(3, 40),
  whoAttack,
  lobbyAttack,
];

/**
 * Issue 10's attacks, by number.
 *
 * @module
 */

import { resetAttack } from "./a01_reset.ts";
import type { Attack } from "./types.ts";
import { whoAttack } from "./a04_who.ts";
import { lobbyAttack } from "./a05_lobby.ts";
import { roomsAttack } from "./a06_rooms.ts";
import { silentAttack } from "./a07_silent.ts";
import { sharedSocketAttack } from "./a08_shared_socket.ts";
import { icmpAttack } from "./a09_icmp.ts";
import { partialRequestAttack } from "./a10_partial.ts";
import { longNamesAttack } from "./a11_long_names.ts";
import { wrongPasswordAttack } from "./wrong_password.ts";

/** Every attack, in the order. */
export const ATTACKS: readonly Attack[] = [
  resetAttack,
  wrongPasswordAttack(2, 1),
  wrongPasswordAttack(3, 40),
  whoAttack,
  lobbyAttack,
  roomsAttack,
  silentAttack,
  sharedSocketAttack,
  icmpAttack,
  partialRequestAttack,
  longNamesAttack,
];

/**
 * The cost of sealing events per recipient (docs/protocol.md §7.3), measured where it is paid:
 * the server's notifier relaying one chat message to a room of 1,000 kaiwa members, plain and
 * sealed, with a transport that only counts. No sockets: the figure is the encryption's CPU cost
 * on the relay's hot path, what `deno task bench` scenarios add it to.
 *
 * Run: `deno run bench/seal_fanout.ts [members] [messages]`.
 *
 * @module
 */

import { encodeUtf8 } from "../protocol/mod.ts";
import { Member, Room } from "../server/state/mod.ts";
import { UdpNotifier } from "../server/udp_notifier.ts";
import { SealedChannel } from "../protocol/sealing.ts";

const members = Number(Deno.args[0] ?? 1_000);
const messages = Number(Deno.args[1] ?? 200);
const TEXT = encodeUtf8("x".repeat(200));

function room(sealed: boolean): Room {
  const room = new Room("bench", encodeUtf8("bench"), null);
  for (let i = 0; i < members; i++) {
    const member = new Member({
      name: `m${i}`,
      nameBytes: encodeUtf8(`m${i}`),
      token: `t${i}`,
      kaiwa: true,
      ip: "127.0.0.1",
      source: "127.0.0.1",
      room,
      flood: null,
      now: 0,
    });
    member.address = { transport: "udp", hostname: "127.0.0.1", port: 10_000 + i };
    if (sealed) {
      const secret = crypto.getRandomValues(new Uint8Array(32));
      member.session = SealedChannel.forServer({ id: i, secret });
    }
    room.members.set(member.name, member);
    if (i === 0) room.host = member;
  }
  return room;
}

function measure(sealed: boolean): number {
  let bytes = 0;
  const notifier = new UdpNotifier({ send: (datagram) => void (bytes += datagram.length) }, 0);
  const target = room(sealed);
  const sender = target.host;
  for (let i = 0; i < 20; i++) notifier.chat(target, sender, i, TEXT, 0); // warm-up
  const start = performance.now();
  for (let i = 0; i < messages; i++) notifier.chat(target, sender, i, TEXT, 0);
  return (performance.now() - start) / messages;
}

const plain = measure(false);
const sealed = measure(true);
console.log(`members ${members}, 200-byte message, ${messages} messages`);
console.log(
  `plain : ${plain.toFixed(3)} ms per message (${
    (plain * 1000 / members).toFixed(2)
  } µs per recipient)`,
);
console.log(
  `sealed: ${sealed.toFixed(3)} ms per message (${
    (sealed * 1000 / members).toFixed(2)
  } µs per recipient)`,
);
console.log(
  `sealing adds ${(sealed - plain).toFixed(3)} ms per message, ×${(sealed / plain).toFixed(1)}`,
);

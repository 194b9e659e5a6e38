// kaiwa's browser client. It speaks the JSON mapping of kaiwa's events over the WebSocket at /ws
// (docs/protocol.md §9). Everything another person wrote is put on the page as text
// (textContent), never as HTML.

/** How often the page pings while the socket is open: kaiwa's terminal client pings every 5 s. */
const PING_INTERVAL_MS = 5_000;
/** Waits before reconnecting a lost socket, growing to the last. */
const RECONNECT_MS = [500, 1_000, 2_000, 5_000];
/** Distance from the bottom (px) within which the log counts as read to the end. */
const AT_BOTTOM_PX = 24;
/**
 * Where the tab keeps the member it is, to come back as it after a reload (docs/protocol.md §9.2):
 * `{room, name, token, locked, seq}`. sessionStorage is this tab's alone and this origin's alone;
 * the password is not kept (a reload into a locked room asks for it again).
 */
const MEMBER_KEY = "kaiwa.member";

const LEAVE_TEXT = {
  "left": "left",
  "timed-out": "timed out",
  "unreachable": "became unreachable",
};
const REMOVED_TEXT = {
  "inactivity": "you were removed for inactivity",
  "resumed-elsewhere": "you are in this room elsewhere now (another tab or client)",
};
const CLOSE_TEXT = {
  "host-left": "the host left",
  "host-timed-out": "the host timed out",
  "host-unreachable": "the host became unreachable",
};

/** C0 controls but TAB, shown as U+2400 + their code (ESC as ␛); C1 controls and separators. */
// deno-lint-ignore no-control-regex -- finding control characters is the point
const C0_CONTROLS = /[\u0000-\u0008\u000a-\u001f]/g;
const C1_CONTROLS = /[\u0080-\u009f\u2028\u2029]/g;
const CONTROL_PICTURES = 0x2400;

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"),
  where: $("where"),
  leave: $("leave"),
  entry: $("entry"),
  entryForm: $("entry-form"),
  entryError: $("entry-error"),
  rooms: $("rooms"),
  roomsEmpty: $("rooms-empty"),
  refresh: $("refresh"),
  chat: $("chat"),
  log: $("log"),
  newer: $("newer"),
  members: $("members"),
  memberCount: $("member-count"),
  say: $("say"),
  message: $("message"),
  closed: $("closed"),
  closedText: $("closed-text"),
  back: $("back"),
};

let socket = null;
let reconnects = 0;
let pinger = 0;
/**
 * While in a room: its name, our name, whether we host it, the members by name, the highest seq
 * in the log (`shownSeq`) and the highest seen as this member, before a reload too (`seenSeq`).
 */
let room = null;
/** The password we entered the room with, for coming back after the socket dropped. */
let password = null;
/** The remembered member a join is resuming, until it is answered. */
let resuming = null;
/** True after a host's first Leave: the second one closes the room. */
let leaveArmed = false;

/**
 * Text as it may be shown: C0 controls (ESC…) and DEL become their visible Control Pictures,
 * C1 controls U+FFFD, and bidirectional controls are dropped, as the terminal client drops them.
 */
function visible(text) {
  return text
    .replace(C0_CONTROLS, (c) => String.fromCharCode(CONTROL_PICTURES + c.charCodeAt(0)))
    .replace(/\u007f/g, "\u2421")
    .replace(C1_CONTROLS, "\ufffd")
    .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "");
}

function clock(time) {
  const date = new Date(time);
  const hours = String(date.getHours()).padStart(2, "0");
  const minutes = String(date.getMinutes()).padStart(2, "0");
  return `${hours}:${minutes}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeOf(time) {
  const node = element("time", "", clock(time));
  node.dateTime = new Date(time).toISOString();
  node.title = new Date(time).toLocaleString();
  return node;
}

/** Appends a line to the log, keeping it scrolled to the end unless the reader scrolled up. */
function append(line) {
  const log = ui.log;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight <= AT_BOTTOM_PX;
  log.append(line);
  if (atBottom) log.scrollTop = log.scrollHeight;
  else ui.newer.hidden = false;
}

function chatLine(message) {
  const mine = room !== null && message.from === room.name;
  const history = message.type === "history";
  const line = element("div", `line${mine ? " mine" : ""}${history ? " history" : ""}`);
  const sender = element("span", "sender", `${message.from}:`);
  sender.style.color = message.color;
  line.append(timeOf(message.time), sender, element("span", "text", visible(message.text)));
  append(line);
}

function notice(text, time = Date.now()) {
  const line = element("div", "line");
  line.append(timeOf(time), element("span", "notice", `* ${visible(text)}`));
  append(line);
}

function showMembers() {
  ui.members.replaceChildren();
  for (const member of room.members.values()) {
    const item = element("li", "", member.name);
    item.style.color = member.color;
    if (member.host) item.append(element("span", "tag", "host"));
    if (member.name === room.name) item.append(element("span", "tag", "you"));
    ui.members.append(item);
  }
  ui.memberCount.textContent = `(${room.members.size})`;
}

function showRooms(list) {
  ui.rooms.replaceChildren();
  for (const entry of list.rooms) {
    const button = element("button", "");
    button.type = "button";
    const count = `${entry.members} ${entry.members === 1 ? "member" : "members"}`;
    button.append(
      element("span", "", entry.name),
      element("span", "count", `${entry.password ? "🔒 " : ""}${count}`),
    );
    button.addEventListener("click", () => {
      ui.entryForm.elements.room.value = entry.name;
      ui.entryForm.elements.name.focus();
    });
    const item = element("li");
    item.append(button);
    ui.rooms.append(item);
  }
  ui.roomsEmpty.hidden = list.rooms.length > 0;
}

/** The member this tab remembers, or null. */
function remembered() {
  try {
    return JSON.parse(sessionStorage.getItem(MEMBER_KEY));
  } catch {
    return null;
  }
}

function remember(member) {
  try {
    sessionStorage.setItem(MEMBER_KEY, JSON.stringify(member));
  } catch {
    // Storage refused (full, or off): a reload will not come back, nothing else changes.
  }
}

function forget() {
  resuming = null;
  try {
    sessionStorage.removeItem(MEMBER_KEY);
  } catch {
    // As in remember.
  }
}

/** Asks to come back as the remembered member, if any; false when there is none. */
function rejoin() {
  const member = remembered();
  if (member === null) return false;
  if (member.locked && password === null) {
    // A reload into a locked room: the password was not kept. The form still resumes.
    showEntry();
    fill(member);
    ui.entryError.textContent = `type the password of ${member.room} to come back into it`;
    ui.entryForm.elements.password.focus();
    return true;
  }
  resuming = member;
  ui.status.textContent = "rejoining…";
  send({ type: "join", room: member.room, name: member.name, password, resume: member.token });
  return true;
}

function fill(member) {
  ui.entryForm.elements.room.value = member.room;
  ui.entryForm.elements.name.value = member.name;
}

function showEntry() {
  room = null;
  leaveArmed = false;
  ui.chat.hidden = true;
  ui.entry.hidden = false;
  ui.leave.hidden = true;
  ui.where.textContent = "";
  document.title = "kaiwa";
  send({ type: "rooms" });
}

function enter(message) {
  const asked = resuming;
  resuming = null;
  ui.status.textContent = "connected";
  // Back after the socket dropped, as the same member: the log stays, duplicates are skipped.
  const same = message.resumed && room !== null && room.room === message.room &&
    room.name === message.name;
  if (same) {
    room.host = message.host;
    remember({ ...remembered(), token: message.token });
    notice("reconnected: you never left the room");
    return;
  }
  room = { room: message.room, name: message.name, host: message.host, members: new Map() };
  room.maxText = message.maxText;
  room.shownSeq = 0;
  room.seenSeq = message.resumed && asked !== null ? asked.seq : 0;
  remember({
    room: message.room,
    name: message.name,
    token: message.token,
    locked: password !== null,
    seq: room.seenSeq,
  });
  ui.log.replaceChildren();
  ui.members.replaceChildren();
  ui.entry.hidden = true;
  ui.chat.hidden = false;
  ui.closed.hidden = true;
  ui.say.hidden = false;
  ui.leave.hidden = false;
  ui.leave.textContent = message.host ? "Close room" : "Leave";
  ui.where.textContent = message.room;
  document.title = `${message.room} — kaiwa`;
  if (message.resumed) notice(`you are back in ${message.room}: you never left it`);
  else if (asked !== null) {
    notice(`could not come back as before (the server restarted, or you were away too long)`);
  }
  if (!message.resumed) {
    notice(
      message.host
        ? `you created ${message.room} and are its host: the room closes when you leave it`
        : `you joined ${message.room}`,
    );
  }
  ui.message.focus();
}

/**
 * A chat or history message: one already in the log (history again after a reconnect) is
 * skipped, and messages the room's history no longer held are counted, not lost in silence.
 */
function chatMessage(message) {
  if (message.seq <= room.shownSeq) return;
  const missed = room.seenSeq > 0 ? message.seq - room.seenSeq - 1 : 0;
  if (missed > 0) {
    notice(
      `${missed} ${missed === 1 ? "message was" : "messages were"} missed while you were away`,
    );
  }
  chatLine(message);
  room.shownSeq = message.seq;
  if (message.seq > room.seenSeq) {
    room.seenSeq = message.seq;
    remember({ ...remembered(), seq: message.seq });
  }
}

/** The room is gone for us: say why, keep the log readable, offer the way back. */
function roomOver(text, time) {
  notice(text, time);
  forget();
  room = null;
  ui.say.hidden = true;
  ui.leave.hidden = true;
  ui.closedText.textContent = text;
  ui.closed.hidden = false;
  ui.back.focus();
}

function handle(message) {
  switch (message.type) {
    case "rooms":
      return showRooms(message);
    case "entered":
      return enter(message);
    case "refused":
      if (resuming !== null) return cannotRejoin(message);
      // Falls through: shown as an error is.
    case "error":
      if (room === null) ui.entryError.textContent = message.text;
      else notice(message.text);
      return;
  }
  if (room === null) return;
  switch (message.type) {
    case "chat":
    case "history":
      return chatMessage(message);
    case "members":
      room.members = new Map(message.members.map((member) => [member.name, member]));
      return showMembers();
    case "joined":
      message.names.forEach((name, i) => {
        room.members.set(name, { name, color: message.colors[i], host: false });
      });
      showMembers();
      return notice(`${message.names.join(", ")} joined`, message.time);
    case "left":
      for (const name of message.names) room.members.delete(name);
      showMembers();
      return notice(
        `${message.names.join(", ")} ${LEAVE_TEXT[message.reason] ?? "left"}`,
        message.time,
      );
    case "notice":
      return notice(message.text, message.time);
    case "room-closed":
      return roomOver(
        `the room was closed: ${CLOSE_TEXT[message.reason] ?? "it closed"}`,
        message.time,
      );
    case "removed":
      return roomOver(REMOVED_TEXT[message.reason] ?? "you were removed", message.time);
    case "shutdown":
      return roomOver("the server is shutting down", message.time);
  }
}

/**
 * Refusals of a resume that say nothing of the member, which the server may still hold: a wrong
 * password, or a refusal for now (the address's request rate, a failure). The member is kept, and
 * the form, filled in, resumes it (so do the next reconnect and reload); forgetting it would leave
 * its name taken by the held member until its grace ends.
 */
const KEEPS_MEMBER = new Set(["wrong-password", "too-many-requests", "server-error"]);

/** Coming back was refused: the form, filled in, says why in one line. */
function cannotRejoin(message) {
  const member = resuming;
  if (KEEPS_MEMBER.has(message.reason)) resuming = null;
  else forget();
  showEntry();
  fill(member);
  ui.status.textContent = "connected";
  ui.entryError.textContent = `could not come back into ${member.room}: ${message.text}`;
}

function send(message) {
  if (socket !== null && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
    return true;
  }
  return false;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/ws`);
  socket.addEventListener("open", () => {
    reconnects = 0;
    ui.status.textContent = "connected";
    pinger = setInterval(() => send({ type: "ping" }), PING_INTERVAL_MS);
    if (!rejoin() && room === null) send({ type: "rooms" });
  });
  socket.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    handle(message);
  });
  socket.addEventListener("close", () => {
    clearInterval(pinger);
    socket = null;
    // The server holds the member for a while: the next socket comes back as it (rejoin).
    if (room !== null) notice("the connection to the server was lost; reconnecting…");
    const wait = RECONNECT_MS[Math.min(reconnects, RECONNECT_MS.length - 1)];
    reconnects += 1;
    ui.status.textContent = "disconnected: reconnecting…";
    setTimeout(connect, wait);
  });
}

ui.entryForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const fields = ui.entryForm.elements;
  ui.entryError.textContent = "";
  const action = event.submitter?.value === "create" ? "create" : "join";
  const request = {
    type: action,
    room: fields.room.value.normalize("NFC"),
    name: fields.name.value.normalize("NFC"),
    password: fields.password.value === "" ? null : fields.password.value,
  };
  // Still the remembered member (a reload into a locked room): the join comes back as it.
  const member = remembered();
  resuming = null;
  if (action === "join" && member?.room === request.room && member.name === request.name) {
    request.resume = member.token;
    resuming = member;
  }
  password = request.password;
  const sent = send(request);
  if (!sent) ui.entryError.textContent = "not connected to the server yet; try again";
});

ui.say.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.message.value;
  if (text.trim() === "" || room === null) return;
  if (new TextEncoder().encode(text).length > room.maxText) {
    notice(`that message is too long: at most ${room.maxText} bytes`);
    return;
  }
  if (send({ type: "say", text })) ui.message.value = "";
  else notice("not sent: not connected to the server (reconnecting…)");
});

ui.leave.addEventListener("click", () => {
  if (room === null) return;
  if (room.host && !leaveArmed) {
    leaveArmed = true;
    notice("you are the host: leaving closes the room for everyone — press Close room again");
    return;
  }
  send({ type: "leave" });
  forget();
  showEntry();
});

ui.log.addEventListener("scroll", () => {
  const log = ui.log;
  if (log.scrollHeight - log.scrollTop - log.clientHeight <= AT_BOTTOM_PX) ui.newer.hidden = true;
});
ui.newer.addEventListener("click", () => {
  ui.log.scrollTop = ui.log.scrollHeight;
  ui.newer.hidden = true;
  ui.message.focus();
});
ui.back.addEventListener("click", () => {
  showEntry();
  ui.entryForm.elements.room.focus();
});
ui.refresh.addEventListener("click", () => send({ type: "rooms" }));

// A page put away (its tab navigated elsewhere, maybe into the back/forward cache) keeps no socket:
// its member is held as for a reload, and the page comes back as it if it is shown again.
addEventListener("pagehide", () => socket?.close());

connect();
ui.entryForm.elements.room.focus();

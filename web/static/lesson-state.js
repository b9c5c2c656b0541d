// The page's state of its lesson, updated from the server's events
// (protocol/README.md, "Interaction" and "Events from server to client").
//
// applyEvent() is a pure function of the old state and one message, so
// the tests feed it messages without a server.

// The chat the page keeps: the server sends the last 200 messages in
// lesson.state, and the page keeps that many more of the live ones.
export const MAX_CHAT_MESSAGES = 400;

export const PHASES = ['teaching', 'practice', 'discussion'];

export function initialState() {
  return {
    lesson: null,
    // The lesson.starting event of a timetable lesson, when one came.
    info: null,
    // The next timetable lesson from the schedule event, or null.
    next: null,
    joined: false,
    live: false,
    // "ended" or "time" once lesson.ended arrived; the offline reason
    // once lesson.offline arrived.
    ended: null,
    offline: null,
    phase: 'teaching',
    phaseSince: null,
    floor: { classroom: null, since: null },
    hands: [],
    roster: [],
    chat: [],
    // The source classroom of each subscription slot, or null when idle.
    slots: [],
  };
}

function arrayOr(value, fallback) {
  return Array.isArray(value) ? value : fallback;
}

function floorOf(message) {
  const floor = message && typeof message === 'object' ? message : {};
  return {
    classroom: typeof floor.classroom === 'string' ? floor.classroom : null,
    since: typeof floor.since === 'string' ? floor.since : null,
  };
}

// Adds a chat message unless one with its seq is already there; keeps
// the list in seq order and at most MAX_CHAT_MESSAGES long.
export function addChat(chat, message) {
  if (chat.some((known) => known.seq === message.seq)) {
    return chat;
  }
  const merged = [...chat, message].sort((a, b) => a.seq - b.seq);
  return merged.slice(-MAX_CHAT_MESSAGES);
}

function chatEntry(message) {
  return {
    seq: message.seq,
    at: message.at,
    from: message.from,
    role: message.role,
    client: message.client,
    text: message.text,
    to: typeof message.to === 'string' ? message.to : null,
  };
}

// Returns the state after one server message; messages of other types
// return the state unchanged.
export function applyEvent(state, message) {
  switch (message.type) {
    case 'schedule':
      return { ...state, next: message.next || null };
    case 'lesson.starting':
      return { ...state, info: message };
    case 'lesson.live':
      return message.lesson === state.lesson ? { ...state, live: true, offline: null } : state;
    case 'lesson.offline':
      return message.lesson === state.lesson
        ? { ...state, live: false, offline: message.reason || 'left' }
        : state;
    case 'lesson.ended':
      if (message.lesson !== state.lesson) {
        return state;
      }
      return {
        ...initialState(),
        next: state.next,
        lesson: state.lesson,
        info: state.info,
        ended: message.reason || 'ended',
      };
    case 'lesson.state':
      return {
        ...state,
        lesson: message.lesson,
        joined: true,
        ended: null,
        phase: message.phase || 'teaching',
        phaseSince: message.since || null,
        floor: floorOf(message.floor),
        hands: arrayOr(message.hands, []),
        roster: arrayOr(message.roster, []),
        chat: arrayOr(message.chat, []).map(chatEntry).slice(-MAX_CHAT_MESSAGES),
      };
    case 'chat':
      return { ...state, chat: addChat(state.chat, chatEntry(message)) };
    case 'hands':
      return { ...state, hands: arrayOr(message.queue, []) };
    case 'floor':
      return { ...state, floor: floorOf(message) };
    case 'phase':
      return { ...state, phase: message.phase, phaseSince: message.since || null };
    case 'roster':
      return { ...state, roster: arrayOr(message.classrooms, []) };
    case 'feeds':
      return { ...state, slots: arrayOr(message.slots, []) };
    default:
      return state;
  }
}

// The state right after a lesson.join result, before lesson.state.
export function joinedState(state, result) {
  return {
    ...state,
    lesson: result.lesson,
    live: result.live === true,
    joined: true,
    ended: null,
    offline: null,
  };
}

// The state after the connection dropped: the lesson is remembered so
// the page joins it again, and everything else comes back in lesson.state.
export function disconnectedState(state) {
  return { ...state, joined: false, live: false, slots: [] };
}

// Whether the schedule's next lesson is the one running now. The server's
// `schedule` event names a run that has started as the next lesson until
// that run ends, so a start at or before nowMs means it is in progress.
// A lesson.starting event for the same run marks it running even when the
// browser's clock is behind the server's.
export function nextLessonRunning(state, nowMs) {
  const next = state.next;
  if (!next) {
    return false;
  }
  if (state.info && state.info.lesson === next.lesson && state.info.start === next.start) {
    return true;
  }
  const start = Date.parse(next.start);
  return Number.isFinite(start) && start <= nowMs;
}

// The lead classroom of the roster, or null while it has none.
export function leadClassroom(state) {
  const lead = state.roster.find((entry) => entry.role === 'lead');
  return lead ? lead.classroom : null;
}

// The remote classrooms of the roster, in its order.
export function remoteClassrooms(state) {
  return state.roster.filter((entry) => entry.role === 'remote').map((entry) => entry.classroom);
}

// The classroom's 1-based place in the hands queue, or 0 when its hand
// is down.
export function handPosition(state, classroom) {
  return state.hands.findIndex((hand) => hand.classroom === classroom) + 1;
}

export function rosterEntry(state, classroom) {
  return state.roster.find((entry) => entry.classroom === classroom) || null;
}

// Unit tests of the teachers' page modules that need no browser: the
// message catalog, the token, the signaling client, the lesson state and
// the view's chat length check.
// Run with `node --test units.test.mjs`.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { _, chooseLanguage, format, ngettext, setCatalog, useSourceLanguage } from '../../web/static/i18n.js';
import { classroomOfToken, readClaims, tokenExpired, TokenError } from '../../web/static/token.js';
import {
  ProtocolError, RECONNECT_FIRST_MS, RECONNECT_MAX_MS, REQUEST_TIMEOUT_MS, SUBPROTOCOL, SignalingClient, reconnectDelay,
} from '../../web/static/signaling.js';
import {
  MAX_CHAT_MESSAGES, applyEvent, disconnectedState, handPosition, initialState, joinedState, leadClassroom,
  nextLessonRunning, remoteClassrooms,
} from '../../web/static/lesson-state.js';
import { MAX_CHAT_LENGTH, chatLength, chatTooLongMessage } from '../../web/static/view.js';

// ---- Catalog ----------------------------------------------------------

test('language from ?lang= first', () => {
  assert.equal(chooseLanguage('?lang=en', ['zh-CN']), 'en');
  assert.equal(chooseLanguage('?lang=zh_CN', ['en-US']), 'zh_CN');
  assert.equal(chooseLanguage('?lang=zh-Hans', ['en-US']), 'zh_CN');
});

test('language from the browser, Chinese by default', () => {
  assert.equal(chooseLanguage('', ['en-GB', 'zh-CN']), 'en');
  assert.equal(chooseLanguage('', ['fr-FR', 'zh-TW', 'en']), 'zh_CN');
  assert.equal(chooseLanguage('', ['fr-FR', 'de']), 'zh_CN');
  assert.equal(chooseLanguage('?lang=xx', []), 'zh_CN');
});

test('catalog translates and falls back to English', () => {
  setCatalog({
    language: 'zh_CN',
    plural_forms: 'nplurals=1; plural=0;',
    messages: { 'Raise hand': '举手', '{count} student': ['{count} 名学生'], 'Empty': '' },
  });
  assert.equal(_('Raise hand'), '举手');
  assert.equal(_('Not in the catalog'), 'Not in the catalog');
  assert.equal(_('Empty'), 'Empty');
  assert.equal(format(ngettext('{count} student', '{count} students', 3), { count: 3 }), '3 名学生');
  useSourceLanguage();
  assert.equal(_('Raise hand'), 'Raise hand');
  assert.equal(ngettext('{count} student', '{count} students', 1), '{count} student');
  assert.equal(ngettext('{count} student', '{count} students', 2), '{count} students');
});

test('catalog with an unknown plural rule is rejected', () => {
  assert.throws(() => setCatalog({ language: 'xx', plural_forms: 'nplurals=3; plural=(n%10==1 ? 0 : 1);', messages: {} }));
  useSourceLanguage();
});

test('format leaves unknown placeholders', () => {
  assert.equal(format('{a} and {b}', { a: 1 }), '1 and {b}');
  assert.equal(format('第 {position} 位', { position: 2 }), '第 2 位');
});

// ---- Token ------------------------------------------------------------

function base64Url(text) {
  return Buffer.from(text, 'utf-8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function makeToken(claims) {
  return `${base64Url('{"alg":"HS256","typ":"JWT"}')}.${base64Url(JSON.stringify(claims))}.signature`;
}

test('token names its classroom', () => {
  const token = makeToken({ iss: 'shuangshi', role: 'teacher', sub: 'R1', exp: 2000000000 });
  assert.equal(classroomOfToken(token), 'R1');
  assert.equal(readClaims(token).role, 'teacher');
  assert.equal(tokenExpired(token, 1999999999), false);
  assert.equal(tokenExpired(token, 2000000000), true);
});

test('token without a classroom is rejected', () => {
  assert.throws(() => classroomOfToken(makeToken({ role: 'admin' })), TokenError);
  assert.throws(() => classroomOfToken(makeToken({ sub: 'R 1' })), TokenError);
  assert.throws(() => classroomOfToken('not-a-token'), TokenError);
  assert.throws(() => classroomOfToken('a.!!!.c'), TokenError);
  assert.throws(() => classroomOfToken(`a.${base64Url('[1]')}.c`), TokenError);
});

// ---- Signaling --------------------------------------------------------

class FakeSocket {
  static instances = [];

  constructor(url, protocol) {
    this.url = url;
    this.protocol = protocol;
    this.sent = [];
    this.closed = null;
    FakeSocket.instances.push(this);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  close(code) {
    this.closed = code;
  }

  open() {
    this.onopen();
  }

  deliver(message) {
    this.onmessage({ data: JSON.stringify(message) });
  }

  drop(code) {
    this.onclose({ code });
  }
}

class FakeTimers {
  constructor() {
    this.timers = new Map();
    this.next = 1;
  }

  setTimeout(callback, delay) {
    const id = this.next++;
    this.timers.set(id, { callback, delay });
    return id;
  }

  clearTimeout(id) {
    this.timers.delete(id);
  }

  // Runs the pending timers whose delay equals `delay`.
  fire(delay) {
    for (const [id, timer] of [...this.timers]) {
      if (timer.delay === delay) {
        this.timers.delete(id);
        timer.callback();
      }
    }
  }
}

function makeClient() {
  FakeSocket.instances = [];
  const timers = new FakeTimers();
  const log = { opened: 0, events: [], closes: [] };
  const client = new SignalingClient({
    url: 'ws://127.0.0.1:8443/ws',
    WebSocket: FakeSocket,
    setTimeout: (callback, delay) => timers.setTimeout(callback, delay),
    clearTimeout: (id) => timers.clearTimeout(id),
    random: () => 0,
    onOpen: () => { log.opened += 1; },
    onEvent: (message) => log.events.push(message),
    onClose: (details) => log.closes.push(details),
  });
  client.connect();
  return { client, timers, log, socket: () => FakeSocket.instances.at(-1) };
}

test('signaling opens with the subprotocol', () => {
  const { socket, log } = makeClient();
  assert.equal(socket().url, 'ws://127.0.0.1:8443/ws');
  assert.equal(socket().protocol, SUBPROTOCOL);
  socket().open();
  assert.equal(log.opened, 1);
});

test('signaling matches replies by id', async () => {
  const { client, socket, log } = makeClient();
  socket().open();
  const first = client.request('hand.raise', {});
  const second = client.request('chat.send', { text: '你好' });
  const [raise, chat] = socket().sent;
  assert.deepEqual(chat, { v: 1, type: 'chat.send', id: chat.id, text: '你好' });
  assert.notEqual(raise.id, chat.id);

  socket().deliver({ v: 1, type: 'hands', queue: [] });
  socket().deliver({ v: 1, type: 'result', id: chat.id, seq: 4 });
  socket().deliver({ v: 1, type: 'error', id: raise.id, code: 'forbidden', message: 'leads cannot raise hands' });

  assert.equal((await second).seq, 4);
  await assert.rejects(first, (error) => error instanceof ProtocolError && error.code === 'forbidden');
  assert.deepEqual(log.events.map((event) => event.type), ['hands']);
});

test('signaling times out a request', async () => {
  const { client, socket, timers } = makeClient();
  socket().open();
  const request = client.request('phase.set', { phase: 'practice' });
  timers.fire(REQUEST_TIMEOUT_MS);
  await assert.rejects(request, (error) => error.code === 'timeout');
});

test('signaling reconnects with backoff', async () => {
  const { client, socket, timers, log } = makeClient();
  socket().open();
  const pending = client.request('hand.raise', {});
  socket().drop(1006);
  await assert.rejects(pending, (error) => error.code === 'disconnected');
  assert.deepEqual(log.closes[0], { code: 1006, willRetry: true, delayMs: RECONNECT_FIRST_MS });

  timers.fire(RECONNECT_FIRST_MS);
  assert.equal(FakeSocket.instances.length, 2);
  socket().drop(1006);
  assert.equal(log.closes[1].delayMs, 2 * RECONNECT_FIRST_MS);

  timers.fire(2 * RECONNECT_FIRST_MS);
  socket().open();
  client.resetBackoff();
  socket().drop(1006);
  assert.equal(log.closes[2].delayMs, RECONNECT_FIRST_MS);
});

test('signaling reconnect drops an open socket', () => {
  const { client, socket, timers, log } = makeClient();
  const first = socket();
  first.open();
  client.reconnect();
  assert.equal(first.closed, 1000);
  assert.equal(log.closes[0].willRetry, true);
  first.drop(1000);
  assert.equal(log.closes.length, 1);
  timers.fire(RECONNECT_FIRST_MS);
  assert.equal(FakeSocket.instances.length, 2);
});

test('signaling stops after a rejected token', () => {
  const { socket, timers, log } = makeClient();
  socket().open();
  socket().drop(1008);
  assert.equal(log.closes[0].willRetry, false);
  assert.equal(timers.timers.size, 0);
});

test('signaling request while disconnected fails at once', async () => {
  const { client } = makeClient();
  await assert.rejects(client.request('hand.raise', {}), (error) => error.code === 'disconnected');
});

test('reconnect delay doubles up to the maximum', () => {
  assert.equal(reconnectDelay(0, 0), RECONNECT_FIRST_MS);
  assert.equal(reconnectDelay(1, 0), 2 * RECONNECT_FIRST_MS);
  assert.equal(reconnectDelay(30, 0), RECONNECT_MAX_MS);
  assert.equal(reconnectDelay(0, 0.999), Math.round(RECONNECT_FIRST_MS * (1 - 0.999 / 2)));
});

// ---- Lesson state -----------------------------------------------------

const ROSTER = [
  { classroom: 'lead-1', role: 'lead', present: true, confirmed: false, students: null, hand: false, floor: false },
  { classroom: 'R1', role: 'remote', present: true, confirmed: true, students: 32, hand: true, floor: false },
  { classroom: 'R2', role: 'remote', present: false, confirmed: false, students: null, hand: false, floor: false },
];

function chat(seq, text) {
  return { v: 1, type: 'chat', seq, at: '2025-03-03T14:00:00+08:00', from: 'R1', role: 'remote', client: 'page', text };
}

function joined() {
  let state = joinedState(initialState(), { lesson: 'math-1', live: true });
  state = applyEvent(state, {
    v: 1,
    type: 'lesson.state',
    lesson: 'math-1',
    phase: 'practice',
    since: '2025-03-03T14:05:00+08:00',
    floor: { classroom: null, since: null },
    hands: [{ classroom: 'R1', at: '2025-03-03T14:06:00+08:00' }],
    roster: ROSTER,
    chat: [chat(1, 'a'), chat(2, 'b')],
  });
  return state;
}

test('lesson.state restores everything', () => {
  const state = joined();
  assert.equal(state.joined, true);
  assert.equal(state.live, true);
  assert.equal(state.phase, 'practice');
  assert.deepEqual(state.chat.map((message) => message.text), ['a', 'b']);
  assert.equal(handPosition(state, 'R1'), 1);
  assert.equal(handPosition(state, 'R2'), 0);
  assert.equal(leadClassroom(state), 'lead-1');
  assert.deepEqual(remoteClassrooms(state), ['R1', 'R2']);
});

test('chat keeps seq order and drops repeats', () => {
  let state = joined();
  state = applyEvent(state, chat(4, 'd'));
  state = applyEvent(state, chat(3, 'c'));
  state = applyEvent(state, chat(4, 'd again'));
  assert.deepEqual(state.chat.map((message) => message.text), ['a', 'b', 'c', 'd']);
  assert.equal(state.chat[2].to, null);
  state = applyEvent(state, { ...chat(5, 'private'), to: 'lead-1' });
  assert.equal(state.chat.at(-1).to, 'lead-1');
});

test('chat keeps at most MAX_CHAT_MESSAGES', () => {
  let state = joined();
  for (let seq = 3; seq < MAX_CHAT_MESSAGES + 10; seq++) {
    state = applyEvent(state, chat(seq, String(seq)));
  }
  assert.equal(state.chat.length, MAX_CHAT_MESSAGES);
  assert.equal(state.chat.at(-1).seq, MAX_CHAT_MESSAGES + 9);
});

test('interaction events update the state', () => {
  let state = joined();
  state = applyEvent(state, { v: 1, type: 'floor', classroom: 'R1', since: '2025-03-03T14:07:00+08:00' });
  state = applyEvent(state, { v: 1, type: 'hands', queue: [] });
  state = applyEvent(state, { v: 1, type: 'phase', phase: 'discussion', since: '2025-03-03T14:07:00+08:00' });
  state = applyEvent(state, { v: 1, type: 'feeds', slots: ['lead-1', 'R1'] });
  assert.equal(state.floor.classroom, 'R1');
  assert.equal(handPosition(state, 'R1'), 0);
  assert.equal(state.phase, 'discussion');
  assert.deepEqual(state.slots, ['lead-1', 'R1']);
  state = applyEvent(state, { v: 1, type: 'floor', classroom: null, since: null });
  assert.equal(state.floor.classroom, null);
});

test('events of another lesson are ignored', () => {
  const state = joined();
  assert.equal(applyEvent(state, { v: 1, type: 'lesson.offline', lesson: 'other', reason: 'left' }), state);
  assert.equal(applyEvent(state, { v: 1, type: 'lesson.ended', lesson: 'other', reason: 'ended' }), state);
  assert.equal(applyEvent(state, { v: 1, type: 'unknown.event' }), state);
});

test('offline, live and ended', () => {
  let state = joined();
  state = applyEvent(state, { v: 1, type: 'lesson.offline', lesson: 'math-1', reason: 'disconnected' });
  assert.equal(state.live, false);
  assert.equal(state.offline, 'disconnected');
  state = applyEvent(state, { v: 1, type: 'lesson.live', lesson: 'math-1' });
  assert.equal(state.live, true);
  assert.equal(state.offline, null);
  state = applyEvent(state, { v: 1, type: 'lesson.ended', lesson: 'math-1', reason: 'time' });
  assert.equal(state.ended, 'time');
  assert.equal(state.joined, false);
  assert.equal(state.lesson, 'math-1');
  assert.deepEqual(state.chat, []);
});

test('a lost connection forgets media, keeps the lesson', () => {
  const state = disconnectedState(applyEvent(joined(), { v: 1, type: 'feeds', slots: ['lead-1', null] }));
  assert.equal(state.lesson, 'math-1');
  assert.equal(state.joined, false);
  assert.deepEqual(state.slots, []);
  assert.equal(state.chat.length, 2);
});

// ---- Schedule ---------------------------------------------------------

const MATH_RUN = {
  lesson: 'math-1', title: '数学', subject: '数学', start: '2025-03-03T14:00:00+08:00', end: '2025-03-03T14:45:00+08:00',
};
const RUN_START_MS = Date.parse(MATH_RUN.start);

test('next lesson before its start is not running', () => {
  const state = applyEvent(initialState(), { v: 1, type: 'schedule', next: MATH_RUN });
  assert.equal(nextLessonRunning(state, RUN_START_MS - 1), false);
  assert.equal(nextLessonRunning(initialState(), RUN_START_MS), false);
});

test('next lesson from its start is running', () => {
  const state = applyEvent(initialState(), { v: 1, type: 'schedule', next: MATH_RUN });
  assert.equal(nextLessonRunning(state, RUN_START_MS), true);
  // Past the end, the server still names the run only during its grace
  // period, so it is still the lesson in progress.
  assert.equal(nextLessonRunning(state, Date.parse(MATH_RUN.end) + 60000), true);
});

test('lesson.starting of the run marks it running', () => {
  let state = applyEvent(initialState(), { v: 1, type: 'schedule', next: MATH_RUN });
  state = applyEvent(state, { v: 1, type: 'lesson.starting', ...MATH_RUN });
  // A browser clock five minutes behind the server's.
  assert.equal(nextLessonRunning(state, RUN_START_MS - 300000), true);

  const nextWeek = { ...MATH_RUN, start: '2025-03-10T14:00:00+08:00', end: '2025-03-10T14:45:00+08:00' };
  state = applyEvent(state, { v: 1, type: 'schedule', next: nextWeek });
  assert.equal(nextLessonRunning(state, RUN_START_MS + 3600000), false);
});

test('next lesson with a bad start is not running', () => {
  const state = applyEvent(initialState(), { v: 1, type: 'schedule', next: { ...MATH_RUN, start: 'soon' } });
  assert.equal(nextLessonRunning(state, RUN_START_MS), false);
});

// ---- Chat length ------------------------------------------------------

test('chat length counts code points of the trimmed text', () => {
  assert.equal(chatLength('  你好  '), 2);
  // U+1F600 is two UTF-16 code units but one character for the server.
  assert.equal(chatLength('\u{1F600}'), 1);
});

test('chat at the limit may be sent', () => {
  useSourceLanguage();
  assert.equal(chatTooLongMessage('字'.repeat(MAX_CHAT_LENGTH)), null);
  assert.equal(chatTooLongMessage('\u{1F600}'.repeat(MAX_CHAT_LENGTH)), null);
  assert.equal(chatTooLongMessage(` ${'a'.repeat(MAX_CHAT_LENGTH)} `), null);
});

test('chat over the limit names both lengths', () => {
  setCatalog({
    language: 'zh_CN',
    plural_forms: 'nplurals=1; plural=0;',
    messages: {
      'This message has {count} characters, more than the {max} allowed. Shorten it, then send it.':
        '这条消息有 {count} 个字，超过了上限 {max} 个字。请删减后再发送。',
    },
  });
  assert.equal(chatTooLongMessage('字'.repeat(600)), `这条消息有 600 个字，超过了上限 ${MAX_CHAT_LENGTH} 个字。请删减后再发送。`);
  useSourceLanguage();
  const message = chatTooLongMessage('a'.repeat(MAX_CHAT_LENGTH + 1));
  assert.match(message, new RegExp(`has ${MAX_CHAT_LENGTH + 1} characters`));
  assert.match(message, new RegExp(`the ${MAX_CHAT_LENGTH} allowed`));
});

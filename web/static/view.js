// The page's DOM: the remote teacher's view and the lead teacher's view,
// drawn from the lesson state. Every text goes through _(); text from the
// server (classroom ids, chat) is set with textContent only.

import { _, format, ngettext, currentLanguageTag } from './i18n.js';
import {
  PHASES, handPosition, leadClassroom, nextLessonRunning, remoteClassrooms, rosterEntry,
} from './lesson-state.js';

// Maximum length of a chat message the server accepts, in Unicode code
// points.
export const MAX_CHAT_LENGTH = 500;
export const MAX_STUDENTS = 1000;

// How long an information notice stays; errors stay until replaced.
const NOTICE_INFO_MS = 10000;

// Maximum delay of the timer that redraws the lesson line when the next
// lesson starts. A later start is waited for in several steps, because
// setTimeout fires at once for delays above 2^31 - 1 ms.
const LESSON_LINE_TIMER_MAX_MS = 60 * 60 * 1000;

// Length of a chat text as the server counts it: Unicode code points of
// the trimmed text.
export function chatLength(text) {
  return [...text.trim()].length;
}

// The sentence telling the teacher that a chat text is too long to send,
// or null when it may be sent.
export function chatTooLongMessage(text) {
  const count = chatLength(text);
  if (count <= MAX_CHAT_LENGTH) {
    return null;
  }
  return format(_('This message has {count} characters, more than the {max} allowed. Shorten it, then send it.'),
    { count, max: MAX_CHAT_LENGTH });
}

function element(tag, properties = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (name in node) {
      node[name] = value;
    } else {
      node.setAttribute(name, value);
    }
  }
  for (const child of children) {
    node.append(child);
  }
  return node;
}

export function phaseLabel(phase) {
  switch (phase) {
    case 'teaching':
      return _('Teaching');
    case 'practice':
      return _('Practice');
    case 'discussion':
      return _('Discussion');
    default:
      return phase;
  }
}

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  return date.toLocaleTimeString(currentLanguageTag(), { hour: '2-digit', minute: '2-digit' });
}

function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return date.toLocaleString(currentLanguageTag(), {
    month: 'long', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit',
  });
}

// A video tile: the <video>, a caption and a line for its state.
class VideoTile {
  constructor(className, caption) {
    this.video = element('video', { autoplay: true, playsInline: true, muted: true });
    this.caption = element('div', { className: 'tile-caption', textContent: caption });
    this.status = element('div', { className: 'tile-status' });
    this.node = element('figure', { className: `tile ${className}` }, [this.video, this.status, this.caption]);
  }

  setStream(stream, muted) {
    this.video.muted = muted;
    if (this.video.srcObject !== stream) {
      this.video.srcObject = stream;
    }
    return this.video.play();
  }

  clear() {
    this.video.srcObject = null;
  }

  setCaption(text) {
    this.caption.textContent = text;
  }

  setStatus(text) {
    this.status.textContent = text;
    this.status.hidden = text === '';
    this.node.classList.toggle('idle', text !== '');
  }
}

export class PageView {
  // options: role ("lead" or "remote"), classroom, actions (callbacks
  // named after the requests they send).
  constructor(root, options) {
    this.root = root;
    this.role = options.role;
    this.classroom = options.classroom;
    this.actions = options.actions;
    this.noticeTimer = null;
    this.lessonLineTimer = null;
    this.state = null;
    this.extra = null;
    this.build();
  }

  build() {
    document.title = _('Shuangshi classroom: teacher page');
    this.connection = element('span', { className: 'connection', id: 'connection' });
    const roleText = this.role === 'lead' ? _('Lead teacher') : _('Remote teacher');
    const header = element('header', { className: 'top' }, [
      element('h1', { textContent: _('Shuangshi classroom') }),
      element('span', { className: 'who', id: 'who', textContent: format(_('Classroom {classroom} · {role}'), { classroom: this.classroom, role: roleText }) }),
      this.connection,
    ]);

    this.notice = element('div', { className: 'notice', id: 'notice', hidden: true, role: 'status' });
    this.lessonLine = element('div', { className: 'lesson-line', id: 'lesson-line' });
    this.phaseBadge = element('div', { className: 'phase-badge', id: 'phase' });
    this.floorBanner = element('div', { className: 'floor-banner', id: 'floor-banner' });
    const banner = element('section', { className: 'banner' }, [this.lessonLine, this.phaseBadge, this.floorBanner]);

    const main = this.role === 'lead' ? this.buildLead() : this.buildRemote();
    this.root.replaceChildren(header, this.notice, banner, main);
  }

  buildRemote() {
    this.lessonTile = new VideoTile('lesson-video', _('Lead classroom'));
    this.lessonTile.node.id = 'lesson-video';
    this.floorTile = new VideoTile('floor-video', _('Class with the floor'));
    this.floorTile.node.id = 'floor-video';
    this.previewTile = new VideoTile('preview-video', _('Our class (sent to the lead)'));
    this.previewTile.node.id = 'preview-video';
    this.soundButton = element('button', { className: 'sound', id: 'sound', hidden: true, textContent: _('Turn on sound'), onclick: () => this.actions.enableSound() });
    this.publishStatus = element('p', { className: 'publish-status', id: 'publish-status' });

    const videos = element('section', { className: 'videos' }, [
      this.lessonTile.node,
      this.soundButton,
      element('div', { className: 'side-videos' }, [this.floorTile.node, this.previewTile.node]),
      this.publishStatus,
    ]);

    this.handButton = element('button', { className: 'hand', id: 'hand-button', onclick: () => this.onHandClicked() });
    this.handStatus = element('p', { className: 'hand-status', id: 'hand-status' });
    const handPanel = element('section', { className: 'panel hand-panel' }, [
      element('h2', { textContent: _('Raise hand') }), this.handButton, this.handStatus,
    ]);

    this.studentsInput = element('input', { type: 'number', min: '0', max: String(MAX_STUDENTS), step: '1', id: 'students', inputMode: 'numeric' });
    this.attendanceButton = element('button', { id: 'attendance-button', textContent: _('Confirm attendance'), onclick: () => this.onAttendanceClicked() });
    this.attendanceStatus = element('p', { className: 'attendance-status', id: 'attendance-status' });
    const attendancePanel = element('section', { className: 'panel attendance-panel' }, [
      element('h2', { textContent: _('Attendance') }),
      element('label', { htmlFor: 'students', textContent: _('Students present') }),
      element('div', { className: 'row' }, [this.studentsInput, this.attendanceButton]),
      this.attendanceStatus,
    ]);

    const side = element('aside', { className: 'side' }, [handPanel, attendancePanel, this.buildRoster(), this.buildChat()]);
    return element('main', { className: 'remote-view' }, [videos, side]);
  }

  buildLead() {
    this.phaseButtons = new Map();
    const phaseRow = element('div', { className: 'row phase-buttons', id: 'phase-buttons' });
    for (const phase of PHASES) {
      const button = element('button', { textContent: phaseLabel(phase), dataset: { phase }, onclick: () => this.actions.setPhase(phase) });
      this.phaseButtons.set(phase, button);
      phaseRow.append(button);
    }
    this.revokeButton = element('button', { id: 'revoke-button', textContent: _('Take back the floor'), onclick: () => this.actions.revokeFloor() });
    const controls = element('section', { className: 'panel lead-controls' }, [
      element('h2', { textContent: _('Lesson phase') }), phaseRow, this.revokeButton,
    ]);

    this.feedTiles = [];
    const grid = element('div', { className: 'feeds', id: 'feeds' });
    for (let slot = 0; slot < 4; slot++) {
      const tile = new VideoTile('feed', '');
      tile.node.dataset.slot = String(slot);
      this.feedTiles.push(tile);
      grid.append(tile.node);
    }
    this.soundButton = element('button', { className: 'sound', id: 'sound', hidden: true, textContent: _('Turn on sound'), onclick: () => this.actions.enableSound() });
    const videos = element('section', { className: 'videos' }, [
      element('h2', { textContent: _('Remote classrooms') }), grid, this.soundButton,
    ]);

    this.handsList = element('ol', { className: 'hands', id: 'hands' });
    const handsPanel = element('section', { className: 'panel hands-panel' }, [
      element('h2', { textContent: _('Raised hands') }), this.handsList,
    ]);

    const side = element('aside', { className: 'side' }, [controls, handsPanel, this.buildRoster(), this.buildChat()]);
    return element('main', { className: 'lead-view' }, [videos, side]);
  }

  buildRoster() {
    this.rosterList = element('ul', { className: 'roster', id: 'roster' });
    return element('section', { className: 'panel roster-panel' }, [
      element('h2', { textContent: _('Classrooms') }), this.rosterList,
    ]);
  }

  buildChat() {
    this.chatList = element('ol', { className: 'chat', id: 'chat' });
    this.chatTarget = element('select', { id: 'chat-target' });
    // No maxLength: the browser would cut a long paste silently, and the
    // cut text would be sent. checkChatLength() shows the excess instead.
    this.chatInput = element('input', { type: 'text', id: 'chat-input', placeholder: _('Type a message') });
    this.chatSend = element('button', { type: 'submit', id: 'chat-send', textContent: _('Send') });
    this.chatStatus = element('p', { className: 'chat-status', id: 'chat-status', hidden: true, role: 'alert' });
    this.chatInput.setAttribute('aria-describedby', 'chat-status');
    const form = element('form', { className: 'chat-form', id: 'chat-form' }, [
      this.chatTarget,
      element('div', { className: 'row' }, [this.chatInput, this.chatSend]),
      this.chatStatus,
    ]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.onChatSubmitted();
    });
    this.chatInput.addEventListener('input', () => this.checkChatLength());
    return element('section', { className: 'panel chat-panel' }, [
      element('h2', { textContent: _('Chat') }), this.chatList, form,
    ]);
  }

  // ---- Input ------------------------------------------------------------

  onHandClicked() {
    if (this.state && handPosition(this.state, this.classroom) > 0) {
      this.actions.lowerHand(null);
    } else {
      this.actions.raiseHand();
    }
  }

  onAttendanceClicked() {
    const text = this.studentsInput.value.trim();
    if (text === '') {
      this.actions.confirmAttendance(null);
      return;
    }
    const students = Number(text);
    if (!Number.isInteger(students) || students < 0 || students > MAX_STUDENTS) {
      this.showNotice(format(_('Enter the number of students as a whole number from 0 to {max}.'), { max: MAX_STUDENTS }), 'error');
      return;
    }
    this.actions.confirmAttendance(students);
  }

  // Marks the chat box invalid and shows why under it while its text is
  // too long, so the teacher sees it while typing or right after a paste.
  // Returns whether the text may be sent.
  checkChatLength() {
    const problem = chatTooLongMessage(this.chatInput.value);
    this.chatStatus.textContent = problem || '';
    this.chatStatus.hidden = problem === null;
    if (problem === null) {
      this.chatInput.removeAttribute('aria-invalid');
    } else {
      this.chatInput.setAttribute('aria-invalid', 'true');
    }
    return problem === null;
  }

  async onChatSubmitted() {
    const text = this.chatInput.value.trim();
    if (text === '') {
      return;
    }
    if (!this.checkChatLength()) {
      this.chatInput.focus();
      return;
    }
    const to = this.chatTarget.value === '' ? null : this.chatTarget.value;
    // The text stays in the box until the server took it, so a refused
    // message (rate limit, lost connection) is not lost.
    if (await this.actions.sendChat(text, to)) {
      this.chatInput.value = '';
    }
  }

  // ---- Output -----------------------------------------------------------

  setConnection(status, text) {
    this.connection.dataset.status = status;
    this.connection.textContent = text;
  }

  showNotice(text, kind = 'info') {
    clearTimeout(this.noticeTimer);
    this.notice.textContent = text;
    this.notice.dataset.kind = kind;
    this.notice.hidden = false;
    if (kind === 'info') {
      this.noticeTimer = setTimeout(() => this.clearNotice(), NOTICE_INFO_MS);
    }
  }

  clearNotice() {
    clearTimeout(this.noticeTimer);
    this.notice.hidden = true;
    this.notice.textContent = '';
  }

  setPublishStatus(text) {
    if (this.publishStatus) {
      this.publishStatus.textContent = text;
    }
  }

  setSoundButton(visible) {
    this.soundButton.hidden = !visible;
  }

  // The <video> elements of the slots in order.
  slotTiles() {
    return this.role === 'lead' ? this.feedTiles : [this.lessonTile, this.floorTile];
  }

  setPreview(stream) {
    if (this.previewTile) {
      this.previewTile.setStream(stream, true).catch(() => {});
      this.previewTile.setStatus('');
    }
  }

  render(state, extra) {
    this.state = state;
    this.extra = extra;
    this.renderLessonLine(state, extra);
    this.renderPhase(state);
    this.renderFloor(state);
    this.renderRoster(state);
    this.renderChatTargets(state);
    this.renderChat(state);
    if (this.role === 'lead') {
      this.renderHandsQueue(state);
      this.renderFeeds(state, extra);
    } else {
      this.renderHand(state);
      this.renderAttendance(state);
      this.renderRemoteVideos(state, extra);
    }
  }

  renderLessonLine(state, extra) {
    clearTimeout(this.lessonLineTimer);
    this.lessonLineTimer = null;
    let text;
    if (!extra.connected) {
      text = _('Not connected to the server.');
    } else if (state.ended !== null) {
      text = state.ended === 'time' ? _('The lesson is over: its time is up.') : _('The lead teacher ended the lesson.');
    } else if (state.joined) {
      const title = state.info && state.info.lesson === state.lesson ? state.info.title : state.lesson;
      text = format(_('Lesson: {title}'), { title });
    } else if (extra.waitingFor) {
      text = format(_('Waiting for lesson {lesson} to start…'), { lesson: extra.waitingFor });
    } else if (state.next && nextLessonRunning(state, Date.now())) {
      text = format(_('Lesson in progress: {title}, until {end}'), { title: state.next.title, end: formatTime(state.next.end) });
    } else if (state.next) {
      text = format(_('Next lesson: {title}, {start}'), { title: state.next.title, start: formatDateTime(state.next.start) });
      this.redrawLessonLineAt(state.next.start);
    } else {
      text = _('No lesson is scheduled for this classroom.');
    }
    this.lessonLine.textContent = text;
  }

  // Redraws the lesson line once the browser's clock reaches the ISO 8601
  // time iso, so the next lesson becomes the lesson in progress without
  // waiting for a server event.
  redrawLessonLineAt(iso) {
    const delay = Date.parse(iso) - Date.now();
    if (!Number.isFinite(delay) || delay < 0) {
      return;
    }
    this.lessonLineTimer = setTimeout(() => {
      this.lessonLineTimer = null;
      this.renderLessonLine(this.state, this.extra);
    }, Math.min(delay + 1, LESSON_LINE_TIMER_MAX_MS));
  }

  renderPhase(state) {
    const active = state.joined;
    this.phaseBadge.hidden = !active;
    this.phaseBadge.dataset.phase = state.phase;
    this.phaseBadge.textContent = format(_('Phase: {phase}'), { phase: phaseLabel(state.phase) });
    if (this.phaseButtons) {
      for (const [phase, button] of this.phaseButtons) {
        button.classList.toggle('active', phase === state.phase);
        button.disabled = !active;
      }
    }
  }

  renderFloor(state) {
    const holder = state.floor.classroom;
    this.floorBanner.hidden = !state.joined;
    this.floorBanner.classList.toggle('has-floor', holder !== null);
    this.floorBanner.classList.toggle('own-floor', holder === this.classroom);
    if (holder === null) {
      this.floorBanner.textContent = _('No class has the floor.');
    } else if (holder === this.classroom) {
      this.floorBanner.textContent = _('Your class has the floor: the students may answer now.');
    } else {
      this.floorBanner.textContent = format(_('Called on: {classroom}'), { classroom: holder });
    }
    this.floorBanner.dataset.classroom = holder || '';
    if (this.revokeButton) {
      this.revokeButton.disabled = holder === null;
    }
  }

  renderHand(state) {
    const position = handPosition(state, this.classroom);
    this.handButton.disabled = !state.joined;
    this.handButton.classList.toggle('raised', position > 0);
    this.handButton.textContent = position > 0 ? _('Lower hand') : _('Raise hand');
    if (position > 0) {
      this.handStatus.textContent = format(_('Hand raised: place {position} in the queue.'), { position });
    } else if (state.floor.classroom === this.classroom) {
      this.handStatus.textContent = _('The lead teacher called on your class.');
    } else {
      this.handStatus.textContent = '';
    }
  }

  renderAttendance(state) {
    const entry = rosterEntry(state, this.classroom);
    this.attendanceButton.disabled = !state.joined;
    if (entry && entry.confirmed) {
      this.attendanceStatus.textContent = typeof entry.students === 'number'
        ? format(ngettext('Attendance confirmed: {count} student.', 'Attendance confirmed: {count} students.', entry.students), { count: entry.students })
        : _('Attendance confirmed.');
      this.attendanceStatus.classList.add('confirmed');
    } else {
      this.attendanceStatus.textContent = _('Attendance not confirmed yet.');
      this.attendanceStatus.classList.remove('confirmed');
    }
  }

  renderRemoteVideos(state, extra) {
    if (!state.joined) {
      this.lessonTile.setStatus(_('Not in a lesson.'));
    } else if (!state.live) {
      this.lessonTile.setStatus(_('Waiting for the lead classroom to go live…'));
    } else if (!extra.subscribed) {
      this.lessonTile.setStatus(_('Connecting to the lesson video…'));
    } else {
      this.lessonTile.setStatus('');
    }

    const floorSource = state.slots[1] || null;
    const holder = state.floor.classroom;
    if (holder === this.classroom) {
      this.floorTile.setCaption(_('Your class has the floor'));
      this.floorTile.setStatus(_('The other classes see your class now.'));
    } else if (floorSource !== null && extra.subscribed) {
      this.floorTile.setCaption(format(_('Class with the floor: {classroom}'), { classroom: floorSource }));
      this.floorTile.setStatus('');
    } else {
      this.floorTile.setCaption(_('Class with the floor'));
      this.floorTile.setStatus(holder === null ? _('No class has the floor.') : format(_('Waiting for the video of {classroom}…'), { classroom: holder }));
    }
    this.floorTile.node.dataset.source = floorSource || '';
  }

  renderFeeds(state, extra) {
    this.feedTiles.forEach((tile, slot) => {
      const source = state.slots[slot] || null;
      tile.node.dataset.source = source || '';
      if (source === null || !extra.subscribed) {
        tile.setCaption(format(_('Slot {number}'), { number: slot + 1 }));
        tile.setStatus(extra.subscribed ? _('Idle') : _('Not connected'));
      } else {
        const speaking = state.floor.classroom === source;
        tile.setCaption(speaking ? format(_('{classroom} (has the floor)'), { classroom: source }) : source);
        tile.setStatus('');
      }
    });
  }

  renderHandsQueue(state) {
    const items = state.hands.map((hand, index) => {
      const callButton = element('button', { className: 'call', textContent: _('Call on'), onclick: () => this.actions.grantFloor(hand.classroom) });
      const dismissButton = element('button', { className: 'dismiss', textContent: _('Dismiss'), onclick: () => this.actions.lowerHand(hand.classroom) });
      callButton.disabled = !state.joined;
      dismissButton.disabled = !state.joined;
      return element('li', { dataset: { classroom: hand.classroom } }, [
        element('span', { className: 'place', textContent: String(index + 1) }),
        element('span', { className: 'classroom', textContent: hand.classroom }),
        element('span', { className: 'time', textContent: formatTime(hand.at) }),
        callButton,
        dismissButton,
      ]);
    });
    if (items.length === 0) {
      items.push(element('li', { className: 'empty', textContent: _('No hands raised.') }));
    }
    this.handsList.replaceChildren(...items);
  }

  renderRoster(state) {
    const items = state.roster.map((entry) => {
      const facts = [entry.present ? _('online') : _('offline')];
      if (entry.role === 'remote') {
        if (entry.confirmed) {
          facts.push(typeof entry.students === 'number'
            ? format(ngettext('{count} student', '{count} students', entry.students), { count: entry.students })
            : _('attendance confirmed'));
        } else {
          facts.push(_('attendance not confirmed'));
        }
      }
      if (entry.hand) {
        facts.push(_('hand raised'));
      }
      if (entry.floor) {
        facts.push(_('has the floor'));
      }
      const name = entry.role === 'lead'
        ? format(_('{classroom} (lead)'), { classroom: entry.classroom })
        : entry.classroom;
      return element('li', {
        className: entry.present ? 'present' : 'absent',
        dataset: { classroom: entry.classroom },
      }, [
        element('span', { className: 'classroom', textContent: name }),
        element('span', { className: 'facts', textContent: facts.join(_(', ')) }),
      ]);
    });
    if (items.length === 0) {
      items.push(element('li', { className: 'empty', textContent: _('No classrooms yet.') }));
    }
    this.rosterList.replaceChildren(...items);
  }

  renderChatTargets(state) {
    const options = [{ value: '', label: _('Everyone') }];
    if (this.role === 'lead') {
      for (const classroom of remoteClassrooms(state)) {
        options.push({ value: classroom, label: format(_('Only {classroom}'), { classroom }) });
      }
    } else {
      const lead = leadClassroom(state);
      if (lead !== null) {
        options.push({ value: lead, label: _('Only the lead teacher') });
      }
    }
    const selected = this.chatTarget.value;
    this.chatTarget.replaceChildren(...options.map((option) =>
      element('option', { value: option.value, textContent: option.label })));
    this.chatTarget.value = options.some((option) => option.value === selected) ? selected : '';
    const enabled = state.joined;
    this.chatInput.disabled = !enabled;
    this.chatSend.disabled = !enabled;
    this.chatTarget.disabled = !enabled;
  }

  renderChat(state) {
    const list = this.chatList;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
    const items = state.chat.map((message) => {
      const own = message.from === this.classroom;
      let sender = message.role === 'lead'
        ? format(_('{classroom} (lead)'), { classroom: message.from })
        : message.from;
      if (message.to !== null) {
        sender = format(_('{sender} to {classroom}, private'), { sender, classroom: message.to });
      }
      return element('li', {
        className: `${own ? 'own' : ''} ${message.to !== null ? 'private' : ''}`.trim(),
        dataset: { seq: String(message.seq), from: message.from },
      }, [
        element('div', { className: 'meta' }, [
          element('span', { className: 'sender', textContent: sender }),
          element('time', { textContent: formatTime(message.at), dateTime: message.at || '' }),
        ]),
        element('div', { className: 'text', textContent: message.text }),
      ]);
    });
    list.replaceChildren(...items);
    if (atBottom) {
      list.scrollTop = list.scrollHeight;
    }
  }
}

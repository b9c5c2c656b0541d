// The teachers' page: reads the address, sends hello, joins the lesson,
// keeps the media transports up and wires the view's buttons to the
// interaction requests (protocol/README.md).
//
// Address: /?token=TOKEN[&role=lead|remote][&lesson=ID][&lang=en]. The
// classroom is the token's "sub" claim. Without lesson= the page joins the
// timetable lesson that lesson.starting announces.

import { _, chooseLanguage, currentLanguageTag, format, loadCatalog } from './i18n.js';
import { classroomOfToken, tokenExpired, TokenError } from './token.js';
import { ProtocolError, SignalingClient, signalingUrl } from './signaling.js';
import { applyEvent, disconnectedState, initialState, joinedState } from './lesson-state.js';
import { ReturnFeed, Subscription, openCamera } from './media.js';
import { PageView } from './view.js';

const AGENT_NAME = 'shuangshi-page/1';

// A remote's slots: 0 the lead, 1 the floor. The lead's: return feeds.
const REMOTE_SLOTS = 2;
const LEAD_SLOTS = 4;

// How often a page waiting for its lesson tries to join again.
const JOIN_RETRY_MS = 5000;
// How long after a media transport closed or failed it is set up again.
const MEDIA_RETRY_MS = 2000;

// Turns a failed request into a sentence for the teacher.
export function describeError(error) {
  const code = error instanceof ProtocolError ? error.code : 'internal';
  switch (code) {
    case 'forbidden':
      return _('Your classroom is not allowed to do this.');
    case 'rate_limited': {
      const seconds = /(\d+)/.exec(error.message || '');
      return seconds
        ? format(_('Too many messages. Please wait {seconds} s and try again.'), { seconds: seconds[1] })
        : _('Too many messages. Please wait a moment and try again.');
    }
    case 'unauthorized':
      return _('This page address is not valid or has expired. Ask the technician for a new link.');
    case 'disconnected':
    case 'timeout':
      return _('The connection to the server was lost; the page reconnects by itself.');
    case 'not_ready':
      return _('The lesson has not started yet.');
    case 'unknown_lesson':
      return _('The lesson does not exist yet.');
    case 'not_live':
      return _('The lead classroom is not live yet.');
    case 'bad_sdp':
      return _('The server did not accept this browser’s media settings.');
    case 'bad_message':
      return format(_('The server rejected the request: {reason}'), { reason: error.message });
    default:
      return format(_('The request failed ({code}). Please try again.'), { code });
  }
}

class App {
  constructor(params, view) {
    this.token = params.token;
    this.classroom = params.classroom;
    this.role = params.role;
    this.lessonFromAddress = params.lesson;
    this.view = view;
    this.state = initialState();
    this.connected = false;
    this.waitingFor = null;
    this.joinTimer = null;
    this.subscription = null;
    this.subscribing = false;
    this.returnFeed = null;
    this.publishState = 'off';
    this.camera = null;
    this.mediaTimers = { subscribe: null, publish: null };
    this.signaling = new SignalingClient({
      url: signalingUrl(window.location),
      WebSocket: window.WebSocket,
      setTimeout: window.setTimeout.bind(window),
      clearTimeout: window.clearTimeout.bind(window),
      random: Math.random,
      onOpen: () => this.onOpen(),
      onEvent: (message) => this.onEvent(message),
      onClose: (details) => this.onClose(details),
    });
  }

  start() {
    this.view.setConnection('connecting', _('Connecting…'));
    this.render();
    this.signaling.connect();
  }

  render() {
    this.view.render(this.state, {
      connected: this.connected,
      waitingFor: this.waitingFor,
      subscribed: this.subscription !== null && !this.subscribing,
    });
  }

  setState(state) {
    this.state = state;
    this.render();
  }

  // ---- Connection -------------------------------------------------------

  async onOpen() {
    try {
      await this.signaling.request('hello', {
        role: this.role,
        classroom: this.classroom,
        token: this.token,
        client: 'page',
        agent: AGENT_NAME,
      });
    } catch (error) {
      if (error.code === 'unauthorized') {
        this.view.setConnection('rejected', _('Rejected'));
        this.view.showNotice(describeError(error), 'error');
      } else if (error.code !== 'disconnected') {
        // Without hello the connection is of no use: start over.
        console.warn('shuangshi: hello failed', error.code, error.message);
        this.signaling.reconnect();
      }
      return;
    }
    this.signaling.resetBackoff();
    this.connected = true;
    this.view.setConnection('open', _('Connected'));
    this.view.clearNotice();
    const lesson = this.lessonFromAddress || this.state.lesson;
    if (lesson && this.state.ended === null) {
      this.join(lesson);
    } else {
      this.render();
    }
  }

  onClose({ willRetry, delayMs }) {
    this.connected = false;
    clearTimeout(this.joinTimer);
    this.stopMedia();
    this.setState(disconnectedState(this.state));
    if (willRetry) {
      const seconds = Math.max(1, Math.round(delayMs / 1000));
      this.view.setConnection('waiting', _('Disconnected'));
      this.view.showNotice(format(_('The connection to the server was lost. Reconnecting in {seconds} s…'), { seconds }), 'error');
    } else if (this.view.connection.dataset.status !== 'rejected') {
      this.view.setConnection('closed', _('Disconnected'));
    }
  }

  // ---- Lesson -----------------------------------------------------------

  async join(lesson) {
    clearTimeout(this.joinTimer);
    this.waitingFor = lesson;
    this.render();
    let result;
    try {
      result = await this.signaling.request('lesson.join', { lesson });
    } catch (error) {
      this.onJoinFailed(lesson, error);
      return;
    }
    this.waitingFor = null;
    // The classroom's PC may have stopped sending its camera since the
    // last lesson_busy, so each join tries the return feed again.
    if (this.publishState === 'busy') {
      this.publishState = 'off';
    }
    this.setState(joinedState(this.state, result));
    this.startMedia();
  }

  onJoinFailed(lesson, error) {
    if (error.code === 'disconnected' || error.code === 'timeout') {
      return;
    }
    if (error.code === 'unknown_lesson' || error.code === 'not_ready') {
      // The lesson appears once its lead joins or its run starts.
      this.joinTimer = setTimeout(() => this.join(lesson), JOIN_RETRY_MS);
      this.render();
      return;
    }
    this.waitingFor = null;
    if (error.code === 'forbidden') {
      this.view.showNotice(format(_('Classroom {classroom} is not part of lesson {lesson} in this role.'), { classroom: this.classroom, lesson }), 'error');
    } else {
      this.view.showNotice(describeError(error), 'error');
    }
    this.render();
  }

  onEvent(message) {
    const before = this.state;
    this.setState(applyEvent(this.state, message));
    switch (message.type) {
      case 'lesson.starting':
        if (!this.lessonFromAddress && message.lesson !== before.lesson) {
          this.setState({ ...this.state, ended: null });
          this.join(message.lesson);
        } else if (this.lessonFromAddress === message.lesson && !before.joined) {
          this.join(message.lesson);
        }
        break;
      case 'lesson.live':
        if (message.lesson === this.state.lesson && this.role === 'remote') {
          this.subscribe();
        }
        break;
      case 'lesson.offline':
        if (message.lesson === this.state.lesson && this.role === 'remote') {
          this.closeSubscription();
          this.render();
        }
        break;
      case 'lesson.ended':
        if (message.lesson === before.lesson) {
          this.stopMedia();
          this.render();
        }
        break;
      case 'transport.closed':
        this.onTransportClosed(message.transport);
        break;
      case 'error':
        console.warn('shuangshi: the server reported', message.code, message.message);
        break;
      default:
        break;
    }
  }

  // ---- Media ------------------------------------------------------------

  startMedia() {
    if (this.role === 'lead') {
      // The lead's return feeds need no live lesson.
      this.subscribe();
      return;
    }
    if (this.state.live) {
      this.subscribe();
    }
    this.publish();
  }

  stopMedia() {
    this.closeSubscription();
    this.closeReturnFeed();
  }

  onTransportClosed(transport) {
    if (transport === 'publish') {
      this.closeReturnFeed();
      this.retryMedia('publish', () => this.publish());
    } else {
      this.closeSubscription();
      this.retryMedia('subscribe', () => this.subscribe());
    }
    this.render();
  }

  retryMedia(kind, start) {
    clearTimeout(this.mediaTimers[kind]);
    this.mediaTimers[kind] = setTimeout(() => {
      this.mediaTimers[kind] = null;
      if (this.connected && this.state.joined) {
        start();
      }
    }, MEDIA_RETRY_MS);
  }

  closeSubscription() {
    clearTimeout(this.mediaTimers.subscribe);
    if (this.subscription !== null) {
      this.subscription.close();
      this.subscription = null;
    }
    for (const tile of this.view.slotTiles()) {
      tile.clear();
    }
    this.view.setSoundButton(false);
  }

  async subscribe() {
    if (!this.connected || !this.state.joined) {
      return;
    }
    this.closeSubscription();
    const slots = this.role === 'lead' ? LEAD_SLOTS : REMOTE_SLOTS;
    const subscription = new Subscription(slots, (connectionState) => {
      if (connectionState === 'failed' && this.subscription === subscription) {
        this.closeSubscription();
        this.retryMedia('subscribe', () => this.subscribe());
        this.render();
      }
    });
    this.subscription = subscription;
    this.subscribing = true;
    this.render();
    try {
      const result = await subscription.start((sdp) => this.signaling.request('subscribe', { sdp }));
      if (this.subscription !== subscription) {
        return;
      }
      this.subscribing = false;
      this.setState({ ...this.state, slots: Array.isArray(result.slots) ? result.slots : [] });
      this.playSlots();
    } catch (error) {
      if (this.subscription === subscription) {
        this.subscribing = false;
        this.closeSubscription();
        if (error.code !== 'not_live' && error.code !== 'disconnected') {
          this.view.showNotice(describeError(error), 'error');
        }
        this.render();
      }
    }
  }

  // Attaches the slots' streams to their tiles, with sound where the
  // browser allows it without a click.
  playSlots() {
    const subscription = this.subscription;
    this.view.slotTiles().forEach((tile, slot) => {
      // The lead hears the return feeds only of the class with the floor,
      // which is in slot 0; the others are video only.
      const muted = this.role === 'lead' && slot > 0;
      tile.setStream(subscription.stream(slot), muted).catch(() => {
        // Autoplay with sound needs a click on the page first.
        tile.setStream(subscription.stream(slot), true).catch(() => {});
        this.view.setSoundButton(true);
      });
    });
  }

  enableSound() {
    if (this.subscription === null) {
      return;
    }
    this.view.setSoundButton(false);
    this.view.slotTiles().forEach((tile, slot) => {
      const muted = this.role === 'lead' && slot > 0;
      tile.setStream(this.subscription.stream(slot), muted).catch(() => this.view.setSoundButton(true));
    });
  }

  closeReturnFeed() {
    clearTimeout(this.mediaTimers.publish);
    if (this.returnFeed !== null) {
      this.returnFeed.close();
      this.returnFeed = null;
    }
    if (this.publishState === 'starting' || this.publishState === 'sending') {
      this.publishState = 'off';
    }
  }

  setPublishState(state, text) {
    this.publishState = state;
    this.view.setPublishStatus(text);
  }

  async publish() {
    if (this.role !== 'remote' || !this.connected || !this.state.joined || this.publishState === 'busy') {
      return;
    }
    this.closeReturnFeed();
    this.setPublishState('starting', _('Starting the camera…'));
    if (this.camera === null) {
      try {
        this.camera = await openCamera();
      } catch (error) {
        this.setPublishState('no-camera', format(_('No camera or microphone could be opened ({reason}); the lead teacher does not see this class from this page.'), { reason: error.name || error.message }));
        return;
      }
      this.view.setPreview(this.camera);
    }

    const feed = new ReturnFeed(this.camera, (connectionState) => {
      if (this.returnFeed !== feed) {
        return;
      }
      if (connectionState === 'connected') {
        this.setPublishState('sending', _('The lead teacher sees your class.'));
      } else if (connectionState === 'failed') {
        this.closeReturnFeed();
        this.retryMedia('publish', () => this.publish());
      }
    });
    this.returnFeed = feed;
    try {
      await feed.start((sdp) => this.signaling.request('publish', { sdp }));
    } catch (error) {
      if (this.returnFeed !== feed) {
        return;
      }
      this.returnFeed = null;
      feed.close();
      if (error.code === 'lesson_busy') {
        // The classroom's own PC already sends its camera: that one wins,
        // and the page stays a viewer.
        this.setPublishState('busy', _('This classroom’s PC already sends its camera to the lead teacher, so this page does not send another.'));
      } else if (error.code !== 'disconnected') {
        this.setPublishState('failed', describeError(error));
      }
    }
  }

  // ---- Interaction ------------------------------------------------------

  // Sends an interaction request; shows why when it fails. Returns whether
  // it succeeded.
  async interact(type, members) {
    try {
      await this.signaling.request(type, members);
      return true;
    } catch (error) {
      this.view.showNotice(describeError(error), 'error');
      return false;
    }
  }

  actions() {
    return {
      sendChat: (text, to) => this.interact('chat.send', to ? { text, to } : { text }),
      raiseHand: () => this.interact('hand.raise', {}),
      lowerHand: (classroom) => this.interact('hand.lower', classroom ? { classroom } : {}),
      confirmAttendance: (students) => this.interact('attendance.confirm', students === null ? {} : { students }),
      grantFloor: (classroom) => this.interact('floor.grant', { classroom }),
      revokeFloor: () => this.interact('floor.revoke', {}),
      setPhase: (phase) => this.interact('phase.set', { phase }),
      enableSound: () => this.enableSound(),
    };
  }

  // ---- Statistics for tests and the technician --------------------------

  async stats() {
    const slots = [];
    const publish = { state: this.publishState, framesEncoded: 0 };
    try {
      if (this.subscription !== null && !this.subscribing) {
        const figures = await this.subscription.stats();
        figures.forEach((figure, slot) => slots.push({ slot, source: this.state.slots[slot] || null, ...figure }));
      }
      if (this.returnFeed !== null) {
        Object.assign(publish, await this.returnFeed.stats());
      }
    } catch (error) {
      // A transport closed while its statistics were read: the next call
      // reads the new one.
      console.warn('shuangshi: statistics unavailable', error);
    }
    return {
      classroom: this.classroom,
      role: this.role,
      language: currentLanguageTag(),
      connected: this.connected,
      lesson: this.state.lesson,
      joined: this.state.joined,
      live: this.state.live,
      phase: this.state.phase,
      floor: this.state.floor.classroom,
      hands: this.state.hands.map((hand) => hand.classroom),
      chat: this.state.chat.length,
      slots,
      publish,
    };
  }
}

// Reads token, role and lesson from the address. Throws TokenError or
// returns the parameters.
function readAddress(search) {
  const query = new URLSearchParams(search);
  const token = query.get('token');
  if (!token) {
    throw new TokenError('no token= in the address');
  }
  const role = query.get('role') || 'remote';
  if (role !== 'lead' && role !== 'remote') {
    throw new TokenError(`role=${role} is neither lead nor remote`);
  }
  const lesson = query.get('lesson');
  if (lesson !== null && !/^[A-Za-z0-9._-]{1,64}$/.test(lesson)) {
    throw new TokenError(`lesson=${lesson} is not a lesson id`);
  }
  return { token, role, lesson: lesson || null, classroom: classroomOfToken(token) };
}

function showFatal(root, text, detail) {
  const title = document.createElement('h1');
  title.textContent = _('Shuangshi classroom');
  const message = document.createElement('p');
  message.className = 'fatal';
  message.id = 'fatal';
  message.textContent = text;
  const small = document.createElement('p');
  small.className = 'detail';
  small.textContent = detail;
  root.replaceChildren(title, message, small);
}

async function main() {
  const root = document.getElementById('app');
  const language = chooseLanguage(window.location.search, navigator.languages);
  try {
    await loadCatalog(language);
  } catch (error) {
    console.warn('shuangshi: showing English, the catalog did not load', error);
  }
  document.documentElement.lang = currentLanguageTag();

  let params;
  try {
    params = readAddress(window.location.search);
  } catch (error) {
    showFatal(root, _('This page address has no valid teacher token. Ask the technician for the link of your classroom.'), error.message);
    return;
  }
  if (tokenExpired(params.token, Date.now() / 1000)) {
    showFatal(root, _('This page address has expired. Ask the technician for a new link.'), '');
    return;
  }

  // The view calls these; they are filled in once the app exists.
  const actions = {};
  const view = new PageView(root, { role: params.role, classroom: params.classroom, actions });
  const app = new App(params, view);
  Object.assign(actions, app.actions());
  window.shuangshiStats = () => app.stats();
  app.start();
}

main();

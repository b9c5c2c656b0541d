// The signaling connection: one WebSocket to the server's /ws with the
// subprotocol shuangshi.v1 (protocol/README.md), requests matched to their
// replies by id, events handed on, and reconnection with backoff.
//
// The WebSocket class and the timer functions are passed in, so tests
// drive the client without a network or a clock.

export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = 'shuangshi.v1';

// A request without a reply within this time fails with code "timeout",
// so a button the teacher pressed does not wait forever.
export const REQUEST_TIMEOUT_MS = 15000;

// Reconnection waits double from the first to the last value, each with
// up to half of it subtracted at random, so pages reconnecting after a
// server restart do not all arrive at once.
export const RECONNECT_FIRST_MS = 1000;
export const RECONNECT_MAX_MS = 30000;

// The close code the server uses after rejecting a token (RFC 6455
// section 7.4.1: policy violation).
const CLOSE_POLICY_VIOLATION = 1008;

// An error reply, or a request that failed locally ("timeout",
// "disconnected").
export class ProtocolError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

// Returns the wait before reconnection attempt `attempt` (0 for the
// first), given a random number in [0, 1).
export function reconnectDelay(attempt, random) {
  const full = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.min(attempt, 16));
  return Math.round(full * (1 - random / 2));
}

// Returns ws://HOST/ws or wss://HOST/ws for the page's own address.
export function signalingUrl(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

export class SignalingClient {
  // options: url, WebSocket (the class), setTimeout, clearTimeout, random,
  // onOpen() after each connection opens, onEvent(message),
  // onClose({code, willRetry, delayMs}) after each close.
  constructor(options) {
    this.options = options;
    this.socket = null;
    this.nextId = 1;
    this.pending = new Map();
    this.attempt = 0;
    this.retryTimer = null;
    this.stopped = false;
    this.state = 'idle';
  }

  connect() {
    this.stopped = false;
    this.openSocket();
  }

  // Closes the connection for good: no reconnection, pending requests fail.
  stop() {
    this.stopped = true;
    if (this.retryTimer !== null) {
      this.options.clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (this.socket !== null) {
      this.socket.close(1000);
    }
    this.failPending('disconnected', 'the page closed the connection');
    this.state = 'stopped';
  }

  // A successful hello proves the server is back: later drops start the
  // backoff from its first step again.
  resetBackoff() {
    this.attempt = 0;
  }

  // Closes the current connection and reconnects after the backoff, for a
  // connection that is open but unusable (hello got no reply).
  reconnect() {
    if (this.socket !== null) {
      this.socket.close(1000);
      this.handleClose(1000);
    }
  }

  openSocket() {
    this.retryTimer = null;
    this.state = 'connecting';
    const socket = new this.options.WebSocket(this.options.url, SUBPROTOCOL);
    this.socket = socket;
    socket.onopen = () => {
      if (socket !== this.socket) {
        return;
      }
      this.state = 'open';
      this.options.onOpen();
    };
    socket.onmessage = (event) => {
      if (socket === this.socket) {
        this.receive(event.data);
      }
    };
    socket.onclose = (event) => {
      if (socket === this.socket) {
        this.handleClose(event.code);
      }
    };
    // An error is always followed by close, which does the work.
    socket.onerror = () => {};
  }

  handleClose(code) {
    this.socket = null;
    this.failPending('disconnected', 'the connection to the server closed');
    // A rejected token stays rejected: reconnecting would only repeat it.
    const willRetry = !this.stopped && code !== CLOSE_POLICY_VIOLATION;
    let delayMs = 0;
    if (willRetry) {
      delayMs = reconnectDelay(this.attempt, this.options.random());
      this.attempt += 1;
      this.retryTimer = this.options.setTimeout(() => this.openSocket(), delayMs);
      this.state = 'waiting';
    } else {
      this.state = 'stopped';
    }
    this.options.onClose({ code, willRetry, delayMs });
  }

  failPending(code, message) {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) {
      this.options.clearTimeout(request.timer);
      request.reject(new ProtocolError(code, message));
    }
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch (error) {
      console.warn('shuangshi: ignoring a frame that is not JSON', error);
      return;
    }
    if (message === null || typeof message !== 'object') {
      return;
    }

    const isReply = message.type === 'result' || message.type === 'error';
    if (isReply && Number.isInteger(message.id) && this.pending.has(message.id)) {
      const request = this.pending.get(message.id);
      this.pending.delete(message.id);
      this.options.clearTimeout(request.timer);
      if (message.type === 'result') {
        request.resolve(message);
      } else {
        request.reject(new ProtocolError(message.code, message.message));
      }
      return;
    }
    // Errors without an id reply to notifications such as candidate, so
    // they go to the page as events.
    this.options.onEvent(message);
  }

  // Sends a request and returns a promise of its result message; an error
  // reply rejects it with a ProtocolError.
  request(type, members = {}) {
    if (this.socket === null || this.state !== 'open') {
      return Promise.reject(new ProtocolError('disconnected', 'not connected to the server'));
    }
    const id = this.nextId++;
    const message = { v: PROTOCOL_VERSION, type, id, ...members };
    return new Promise((resolve, reject) => {
      const timer = this.options.setTimeout(() => {
        this.pending.delete(id);
        reject(new ProtocolError('timeout', `no reply to ${type} within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.send(JSON.stringify(message));
    });
  }

  // Sends a notification (no id, no reply), such as candidate.
  notify(type, members = {}) {
    if (this.socket !== null && this.state === 'open') {
      this.socket.send(JSON.stringify({ v: PROTOCOL_VERSION, type, ...members }));
    }
  }
}

// Drives headless Chromium for web_e2e.py: one JSON command per line on
// stdin, one JSON reply per line on stdout ({"id", "ok", "result"} or
// {"id", "ok": false, "error"}). Page console messages and errors go to
// stderr, which the test keeps in its log.
//
// It launches only the browser named by --chromium (Debian's
// /usr/bin/chromium); playwright-core never downloads one.

import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

// The flags that keep Chromium to itself inside the test's network
// namespace: no background traffic, no mDNS candidates, loopback ICE
// candidates allowed, fake camera and microphone without a prompt.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Chromium keeps only the last --disable-features, and this one comes
  // after playwright's own: it repeats the features of playwright's list
  // that reach out to the network.
  '--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,DialMediaRouteProvider,OptimizationHints,Translate',
];

function argument(name) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const executablePath = argument('--chromium') || '/usr/bin/chromium';
let server = null;
let browser = null;
const pages = new Map();

function page(name) {
  const found = pages.get(name);
  if (!found) {
    throw new Error(`no page named ${name}; open it first`);
  }
  return found;
}

const commands = {
  // Starts Chromium with a fresh profile directory of playwright's, which
  // it removes on close. Returns the PID, which leads Chromium's process
  // group, so the test can stop it even if this driver dies. Only a
  // browser server exposes its PID (BrowserServer.process()), so the
  // driver starts one and connects to it over a websocket on loopback.
  async launch() {
    server = await chromium.launchServer({ executablePath, headless: true, args: CHROMIUM_FLAGS, host: '127.0.0.1' });
    browser = await chromium.connect(server.wsEndpoint());
    return { pid: server.process().pid };
  },

  // Opens url in a new window of its own, with navigator.language set to
  // locale (a BCP 47 tag such as zh-CN).
  async open({ name, url, locale }) {
    const context = await browser.newContext({
      locale,
      viewport: { width: 1280, height: 900 },
      permissions: ['camera', 'microphone'],
    });
    const created = await context.newPage();
    created.on('console', (message) => console.error(`[${name}] console.${message.type()}: ${message.text()}`));
    created.on('pageerror', (error) => console.error(`[${name}] page error: ${error.message}`));
    pages.set(name, created);
    const response = await created.goto(url, { waitUntil: 'load' });
    return { status: response ? response.status() : null };
  },

  async evaluate({ name, expression }) {
    return page(name).evaluate(expression);
  },

  async fill({ name, selector, text }) {
    await page(name).fill(selector, text);
    return null;
  },

  async click({ name, selector }) {
    await page(name).click(selector);
    return null;
  },

  async waitText({ name, selector, text, timeoutMs }) {
    const locator = page(name).locator(selector).filter({ hasText: text });
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
    return await locator.first().textContent();
  },

  async text({ name, selector }) {
    return page(name).locator(selector).first().textContent();
  },

  async screenshot({ name, path }) {
    await page(name).screenshot({ path, fullPage: true });
    return { path };
  },

  async close() {
    await closeBrowser();
    return null;
  },
};

async function closeBrowser() {
  if (browser !== null) {
    await browser.close();
    browser = null;
  }
  if (server !== null) {
    await server.close();
    server = null;
  }
}

function reply(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const input = createInterface({ input: process.stdin });
for await (const line of input) {
  if (line.trim() === '') {
    continue;
  }
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    reply({ id: null, ok: false, error: `not JSON: ${error.message}` });
    continue;
  }
  const handler = commands[request.cmd];
  if (!handler) {
    reply({ id: request.id, ok: false, error: `unknown command ${request.cmd}` });
    continue;
  }
  try {
    const result = await handler(request.args || {});
    reply({ id: request.id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    reply({ id: request.id, ok: false, error: String(error && error.message ? error.message : error) });
  }
  if (request.cmd === 'close') {
    break;
  }
}
await closeBrowser();

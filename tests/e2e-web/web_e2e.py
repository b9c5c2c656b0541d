#!/usr/bin/python3
"""The teachers' page in headless Chromium, with a real server and agents.

Everything runs inside a network namespace that has only `lo`: the test
creates it, starts itself again inside it (--inside), and deletes it at
the end. Inside, on 127.0.0.1:

- shuangshi-server with --web-root pointing at the built page (BUILD/web);
- the lead agent (classroom lead-1) playing the sample clip, with its
  console on a pipe for `chat TEXT` and `call CLASSROOM`;
- a remote agent for classroom R2;
- Chromium (/usr/bin/chromium, driven by browser.mjs through playwright-core)
  as the remote teacher of classroom R1, which has no agent: the page's fake
  camera is R1's return feed. A second window opens the lead teacher's page.

The steps, each reported by number and name when it fails:
  1. the server serves the page's files, with 400 and 404 for bad paths;
  2. the lead agent goes live and R2's agent starts;
  3. `shuangshi classroom link` prints R1's page address, which opens in
     Chinese, sends hello and joins the lesson;
  4. the page decodes the lesson video (slot 0, source lead-1): the
     framesDecoded of window.shuangshiStats() grows;
  5. the page sends R1's camera as its return feed;
  6. a chat text over the server's limit stays in the page's chat box
     with a warning, and Send does not send it. A chat message typed in
     the page reaches the lead agent (its stats file's `chat`), and one
     the lead agent sends appears in the page;
  7. the hand raised in the page is in the lead agent's queue (`hands`);
  8. the page confirms R1's attendance with a student count;
  9. the lead teacher's page lists R1's raised hand and student count, and
     its phase button moves R1's page to the practice phase;
 10. the lead agent calls on R1: R2's agent decodes R1's return feed
     (`floor` is R1, `floor_frames_decoded` grows), R1's page shows the
     floor, and the lead's page decodes R1's feed;
 11. a second R1 page, with ?lang=en, is in English, gets lesson_busy for
     its return feed, says so, and still decodes the lesson video;
 12. a page whose token has a forged signature shows the invalid-link
     message and does not reconnect;
 13. a timetable lesson that began two minutes ago is shown as the lesson
     in progress, not as the next lesson, on a page that cannot join it
     (opened in the lead role for one of the lesson's remote classrooms);
 14. screenshots of the remote and lead pages are saved to --artefacts
     and are PNGs (on a failure, *-failed.png shows what the pages showed).
     Steps 6 and 13 save web-chat-too-long.png and web-timetable.png there
     too, for a person to look at;
 15. the server and the agents exit with status 0 after SIGTERM.

Every process is stopped by its PID or process group at the end, also on
failure. The work dir with the logs is removed after a pass and kept after
a failure. Exit status: 0 passed, 1 failed, 77 skipped (no root, no
namespaces, no Chromium, no node or no playwright-core: run
`scripts/install-packages --web-test`, which runs `npm ci` in tests/e2e-web).
"""

import argparse
import ctypes
import datetime
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import lessonrun  # noqa: E402
import netns  # noqa: E402

EXIT_SKIP = 77
LESSON = "web-lesson"
LEAD = "lead-1"
PAGE_CLASSROOM = "R1"
AGENT_CLASSROOM = "R2"
# The page's locale; Chinese is also the page's default.
PAGE_LOCALE = "zh-CN"
# Students the page confirms for R1.
STUDENTS = 28
# The server's maximum chat text, in Unicode code points.
MAX_CHAT_LENGTH = 500
# The timetable lesson of step 13: id, title, classrooms, how long ago it
# started and its length.
TIMETABLE_LESSON = "web-timetable"
TIMETABLE_TITLE = "分数的加法"
TIMETABLE_LEAD = "T1"
TIMETABLE_REMOTE = "T2"
TIMETABLE_STARTED_S = 120
TIMETABLE_LENGTH_S = 45 * 60
CHINA = datetime.timezone(datetime.timedelta(hours=8))

# Inner run as a whole; meson's timeout is above this.
INNER_TIMEOUT_S = 200
STEP_TIMEOUT_S = 25
POLL_S = 0.25
BROWSER_CALL_TIMEOUT_S = 40
STOP_GRACE_S = 5
NAMESPACE_PREFIX = "ssweb"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PR_SET_PDEATHSIG = 1


class StepFailed(Exception):
    """A check of the current step failed; the message names the check."""


def log(text):
    print(text, flush=True)


# ---------------------------------------------------------------------------
# The browser driver (browser.mjs)


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _is_chromium(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"chromium" in cmdline.read()
    except OSError:
        return False


class Browser:
    """browser.mjs in node, and the Chromium it launches."""

    def __init__(self, node, chromium, log_path):
        self.log_path = log_path
        self.chromium_pid = None
        self._next_id = 1
        self._buffer = b""
        with open(log_path, "wb") as log_file:
            self.process = subprocess.Popen(
                [node, os.path.join(HERE, "browser.mjs"), "--chromium", chromium],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file,
                cwd=HERE, process_group=0, preexec_fn=_die_with_parent)

    def _read_line(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        stdout = self.process.stdout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([stdout], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8")

    def call(self, command, timeout_s=BROWSER_CALL_TIMEOUT_S, **args):
        """Run one driver command; return its result or raise StepFailed."""
        request_id = self._next_id
        self._next_id += 1
        try:
            self.process.stdin.write((json.dumps({"id": request_id, "cmd": command, "args": args}) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            raise StepFailed(f"the browser driver exited ({self.process.poll()}); see {self.log_path}") from None
        while True:
            line = self._read_line(timeout_s)
            if line is None:
                raise StepFailed(f"the browser driver did not answer {command} within {timeout_s} s; "
                                 f"see {self.log_path}")
            reply = json.loads(line)
            if reply.get("id") == request_id:
                break
        if not reply.get("ok"):
            raise StepFailed(f"browser {command} failed: {reply.get('error')}")
        return reply.get("result")

    def launch(self):
        self.chromium_pid = self.call("launch")["pid"]

    def stats(self, page):
        return self.call("evaluate", name=page,
                         expression="window.shuangshiStats ? window.shuangshiStats() : null")

    def stop(self):
        """Close Chromium and the driver; kill their process groups if needed."""
        if self.process.poll() is None:
            try:
                self.call("close", timeout_s=STOP_GRACE_S * 2)
            except (StepFailed, OSError, ValueError) as error:
                log(f"closing the browser failed: {error}")
            try:
                self.process.stdin.close()
                self.process.wait(STOP_GRACE_S)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # playwright starts Chromium as the leader of a process group of
        # its own, which a killed driver leaves behind.
        if self.chromium_pid and _is_chromium(self.chromium_pid):
            try:
                os.killpg(self.chromium_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# ---------------------------------------------------------------------------
# Helpers


def http_get(url):
    """Return (status, content type, body) of a GET, without any proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def wait_until(lesson, description, probe, timeout_s=STEP_TIMEOUT_S):
    """Poll probe() until its first value is true; return that value.

    probe returns (value, observed): observed is what the failure message
    shows when the value stays false until the timeout.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value, observed = probe()
        if value:
            log(f"  ok: {description}")
            return value
        lesson.check_all_running()
        if time.monotonic() >= deadline:
            raise StepFailed(f"{description}: not reached within {timeout_s} s; last seen: {observed}")
        time.sleep(POLL_S)


def check(condition, description, detail=""):
    if not condition:
        raise StepFailed(f"{description}{': ' + str(detail) if detail else ''}")
    log(f"  ok: {description}")


def run_cli(args, lesson, cli_args):
    """Run the technician CLI against the test's server, in English."""
    command = [args.cli_exe, "--server", lesson.http_url, "--data-dir", lesson.data_dir, *cli_args]
    return subprocess.run(command, capture_output=True, text=True, timeout=20,
                          env=dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE=""))


def page_link(args, lesson, classroom, role, lesson_id=LESSON):
    """Return the page address `shuangshi classroom link` prints; without
    lesson_id the page joins the timetable lesson the server announces."""
    cli_args = ["classroom", "link", classroom, "--role", role]
    if lesson_id is not None:
        cli_args += ["--lesson", lesson_id]
    result = run_cli(args, lesson, cli_args)
    urls = [line for line in result.stdout.splitlines() if line.startswith("http://")]
    if result.returncode != 0 or len(urls) != 1:
        raise StepFailed(f"shuangshi classroom link {classroom} exited {result.returncode}: "
                         f"{result.stdout.strip()} {result.stderr.strip()}")
    return urls[0]


def slot(stats, index):
    if not stats or index >= len(stats.get("slots", [])):
        return None
    return stats["slots"][index]


def wait_frames_grow(lesson, description, read_frames):
    """Wait for a first decoded frame, then for the count to grow past it.

    read_frames returns (frames decoded, what to show on failure).
    """
    first = wait_until(lesson, f"{description} decodes a first frame",
                       lambda: (lambda frames, seen: (frames > 0 and frames, seen))(*read_frames()))
    later = wait_until(lesson, f"{description} decodes more than {first} frames",
                       lambda: (lambda frames, seen: (frames > first and frames, seen))(*read_frames()))
    return first, later


def agent_stats(agent):
    return agent.stats() or {}


def console(agent, line):
    """Send one console line to an agent started with console=True."""
    agent.child.stdin.write((line + "\n").encode())
    agent.child.stdin.flush()
    log(f"  console {agent.classroom}: {line}")


def check_png(path):
    with open(path, "rb") as image:
        data = image.read()
    check(data.startswith(PNG_SIGNATURE), f"{os.path.basename(path)} is a PNG", data[:8])
    width, height = struct.unpack(">II", data[16:24])
    check(width > 0 and height > 0 and len(data) > 2000,
          f"{os.path.basename(path)} is {width}x{height}, {len(data)} bytes")


def load_catalog(web_root):
    with open(os.path.join(web_root, "messages-zh_CN.json"), encoding="utf-8") as catalog:
        return json.load(catalog)["messages"]


# ---------------------------------------------------------------------------
# The steps


def check_static_files(lesson):
    base = lesson.http_url
    status, content_type, body = http_get(base + "/")
    check(status == 200 and content_type.startswith("text/html"), "GET / is the page's HTML",
          (status, content_type))
    check(b'src="main.js"' in body, "the HTML loads main.js")
    status, content_type, _ = http_get(base + "/main.js")
    check(status == 200 and content_type.startswith("text/javascript"), "GET /main.js is JavaScript",
          (status, content_type))
    status, content_type, body = http_get(base + "/messages-zh_CN.json")
    check(status == 200 and content_type.startswith("application/json")
          and json.loads(body)["language"] == "zh_CN", "GET /messages-zh_CN.json is the catalog",
          (status, content_type))
    status, _, _ = http_get(base + "/missing.js")
    check(status == 404, "a missing file is 404", status)
    status, _, _ = http_get(base + "/.hidden")
    check(status == 400, "a hidden file name is 400", status)
    status, _, body = http_get(base + "/healthz")
    check(status == 200 and body == b"ok", "/healthz still answers", (status, body))


class Session:
    """The running lesson, the browser and the probes the steps poll."""

    def __init__(self, args, lesson, browser):
        self.args = args
        self.lesson = lesson
        self.browser = browser
        self.catalog = load_catalog(args.web_root)
        self.lead = None
        self.remote_agent = None

    def page_stats(self, page):
        return self.browser.stats(page) or {}

    def wait(self, description, probe):
        return wait_until(self.lesson, description, probe)

    def translated(self, msgid):
        text = self.catalog.get(msgid)
        check(text and text != msgid, f"the catalog translates {msgid!r}", text)
        return text

    def wait_text(self, page, selector, text):
        return self.browser.call("waitText", name=page, selector=selector, text=text,
                                 timeoutMs=STEP_TIMEOUT_S * 1000)


def step_page_opens(session):
    url = page_link(session.args, session.lesson, PAGE_CLASSROOM, "remote")
    session.browser.launch()
    session.browser.call("open", name="remote", url=url, locale=PAGE_LOCALE)

    def joined():
        stats = session.page_stats("remote")
        return stats.get("joined") and stats.get("lesson") == LESSON, stats
    session.wait(f"the page joined lesson {LESSON}", joined)

    raise_text = session.translated("Raise hand")
    shown = session.wait_text("remote", "#hand-button", raise_text)
    check(shown == raise_text, f"the hand button reads {raise_text}", shown)


def step_lesson_video(session):
    def slot0_frames():
        entry = slot(session.page_stats("remote"), 0)
        return (entry["framesDecoded"] if entry else 0), entry
    wait_frames_grow(session.lesson, "slot 0 of R1's page", slot0_frames)
    source = slot(session.page_stats("remote"), 0)["source"]
    check(source == LEAD, f"slot 0's source is {LEAD}", source)


def step_return_feed(session):
    def sending():
        publish = session.page_stats("remote").get("publish", {})
        return publish.get("state") == "sending" and publish.get("framesEncoded", 0) > 0, publish
    session.wait("the page's return feed is connected and encodes frames", sending)


def chat_box_value_length(session):
    return session.browser.call("evaluate", name="remote",
                                expression="document.getElementById('chat-input').value.length")


def step_chat(session):
    # A paste over the limit: the whole text stays in the box, the warning
    # names both lengths, and Send sends nothing.
    long_text = "长" * (MAX_CHAT_LENGTH + 100)
    session.browser.call("fill", name="remote", selector="#chat-input", text=long_text)
    template = session.translated(
        "This message has {count} characters, more than the {max} allowed. Shorten it, then send it.")
    warning = template.replace("{count}", str(len(long_text))).replace("{max}", str(MAX_CHAT_LENGTH))
    session.wait_text("remote", "#chat-status", warning)
    save_screenshot(session, "remote", "web-chat-too-long.png")
    session.browser.call("click", name="remote", selector="#chat-send")
    kept = chat_box_value_length(session)
    check(kept == len(long_text), f"the chat box keeps all {len(long_text)} characters after Send", kept)

    page_text = "R1 班已到齐，可以开始。"
    session.browser.call("fill", name="remote", selector="#chat-input", text=page_text)
    hidden = session.browser.call("evaluate", name="remote",
                                  expression="document.getElementById('chat-status').hidden")
    check(hidden is True, "the warning goes once the text is short enough", hidden)
    session.browser.call("click", name="remote", selector="#chat-send")

    def lead_received():
        chat = agent_stats(session.lead).get("chat") or []
        found = any(message.get("from") == PAGE_CLASSROOM and message.get("text") == page_text
                    for message in chat)
        return found, chat
    session.wait("the lead agent's stats list R1's message", lead_received)
    # The server handles one connection's requests in order, so a long text
    # sent before the short one would be in the lead's chat by now.
    too_long = [message for message in agent_stats(session.lead).get("chat") or []
                if len(message.get("text", "")) > MAX_CHAT_LENGTH]
    check(not too_long, "no text over the limit reached the lead agent", too_long)
    check(chat_box_value_length(session) == 0, "the chat box is empty after the message was sent")

    lead_text = "收到，R1 班请准备回答第三题。"
    console(session.lead, "chat " + lead_text)
    session.wait_text("remote", "#chat li .text", lead_text)
    log("  ok: the lead agent's message is in the page's chat")


def step_raise_hand(session):
    session.browser.call("click", name="remote", selector="#hand-button")

    def queued():
        hands = agent_stats(session.lead).get("hands")
        return hands == [PAGE_CLASSROOM], hands
    session.wait("the lead agent's hands queue is [R1]", queued)


def step_attendance(session):
    session.browser.call("fill", name="remote", selector="#students", text=str(STUDENTS))
    session.browser.call("click", name="remote", selector="#attendance-button")
    template = session.catalog.get("Attendance confirmed: {count} student.")
    check(isinstance(template, list) and template, "the catalog has the attendance plural forms", template)
    expected = template[0].replace("{count}", str(STUDENTS))
    session.wait_text("remote", "#attendance-status", expected)
    log(f"  ok: R1's page shows {expected}")


def step_lead_page(session):
    url = page_link(session.args, session.lesson, LEAD, "lead")
    session.browser.call("open", name="lead", url=url, locale=PAGE_LOCALE)
    entry = session.wait_text("lead", f'#hands li[data-classroom="{PAGE_CLASSROOM}"]', PAGE_CLASSROOM)
    check(PAGE_CLASSROOM in entry, "the lead's page lists R1 in the hands queue", entry)
    call_text = session.translated("Call on")
    check(call_text in entry, f"R1's entry has the {call_text} button", entry)
    roster = session.wait_text("lead", f'#roster li[data-classroom="{PAGE_CLASSROOM}"]', str(STUDENTS))
    log(f"  ok: the lead's roster shows R1's {STUDENTS} students: {roster}")

    session.browser.call("click", name="lead", selector='#phase-buttons button[data-phase="practice"]')

    def practice():
        phase = session.page_stats("remote").get("phase")
        return phase == "practice", phase
    session.wait("R1's page follows the lead page to the practice phase", practice)
    session.wait_text("remote", "#phase", session.translated("Practice"))


def step_call_on(session):
    console(session.lead, "call " + PAGE_CLASSROOM)

    def r2_floor():
        floor = agent_stats(session.remote_agent).get("floor")
        return floor == PAGE_CLASSROOM, floor
    session.wait("R2's agent reports the floor as R1", r2_floor)

    def r2_floor_frames():
        stats = agent_stats(session.remote_agent)
        return stats.get("floor_frames_decoded") or 0, stats.get("floor")
    wait_frames_grow(session.lesson, "R2's floor slot", r2_floor_frames)

    def page_floor():
        floor = session.page_stats("remote").get("floor")
        return floor == PAGE_CLASSROOM, floor
    session.wait("R1's page shows that R1 has the floor", page_floor)

    def lead_page_frames():
        slots = session.page_stats("lead").get("slots", [])
        return sum(entry["framesDecoded"] for entry in slots if entry["source"] == PAGE_CLASSROOM), slots
    wait_frames_grow(session.lesson, "the lead page's slot of R1", lead_page_frames)


def step_second_page(session):
    """A second R1 page, in English: R1's first page already sends the
    return feed, so this one gets lesson_busy and carries on as a viewer."""
    url = page_link(session.args, session.lesson, PAGE_CLASSROOM, "remote") + "&lang=en"
    session.browser.call("open", name="remote-en", url=url, locale=PAGE_LOCALE)
    shown = session.wait_text("remote-en", "#hand-button", "hand")
    check(shown in ("Raise hand", "Lower hand"), "the ?lang=en page is in English", shown)

    def busy():
        stats = session.page_stats("remote-en")
        return stats.get("publish", {}).get("state") == "busy", stats.get("publish")
    session.wait("the second page's publish got lesson_busy", busy)
    session.wait_text("remote-en", "#publish-status", "already sends")

    def decoding():
        entry = slot(session.page_stats("remote-en"), 0)
        return (entry["framesDecoded"] if entry else 0), entry
    wait_frames_grow(session.lesson, "slot 0 of the second page", decoding)


def step_forged_token(session):
    url = page_link(session.args, session.lesson, "R3", "remote")
    # Another last character of the signature makes the token invalid.
    token_end = url.index("&role=")
    forged = url[:token_end - 1] + ("A" if url[token_end - 1] != "A" else "B") + url[token_end:]
    session.browser.call("open", name="forged", url=forged, locale=PAGE_LOCALE)
    expected = session.translated(
        "This page address is not valid or has expired. Ask the technician for a new link.")
    session.wait_text("forged", "#notice", expected)
    log("  ok: the page with a forged token says the link is invalid")
    status = session.browser.call("evaluate", name="forged",
                                  expression="document.getElementById('connection').dataset.status")
    check(status == "rejected", "its connection shows rejected, with no reconnection", status)


def step_lesson_in_progress(session):
    args, lesson = session.args, session.lesson
    lessonrun.provision(lesson.http_url, lesson.data_dir, [TIMETABLE_LEAD, TIMETABLE_REMOTE])
    start = datetime.datetime.now(CHINA).replace(microsecond=0) - datetime.timedelta(seconds=TIMETABLE_STARTED_S)
    end = start + datetime.timedelta(seconds=TIMETABLE_LENGTH_S)
    added = run_cli(args, lesson, [
        "lesson", "add", "--id", TIMETABLE_LESSON, "--title", TIMETABLE_TITLE, "--subject", "数学",
        "--lead", TIMETABLE_LEAD, "--remote", TIMETABLE_REMOTE,
        "--start", start.isoformat(), "--end", end.isoformat()])
    check(added.returncode == 0, f"lesson add {TIMETABLE_LESSON} exits 0", added.stderr.strip())

    # The remote classroom's page in the lead role gets the schedule but
    # `forbidden` for the join.
    url = page_link(args, lesson, TIMETABLE_REMOTE, "lead", lesson_id=None)
    session.browser.call("open", name="timetable", url=url, locale=PAGE_LOCALE)
    template = session.translated("Lesson in progress: {title}, until {end}")
    expected = template[:template.index("{end}")].replace("{title}", TIMETABLE_TITLE)
    shown = session.wait_text("timetable", "#lesson-line", expected)
    next_prefix = session.translated("Next lesson: {title}, {start}").split("{title}")[0]
    check(not shown.startswith(next_prefix), "the lesson line does not call it the next lesson", shown)
    save_screenshot(session, "timetable", "web-timetable.png")


def save_screenshot(session, page, file_name):
    """Save one page's screenshot to --artefacts and check that it is a PNG."""
    os.makedirs(session.args.artefacts, exist_ok=True)
    path = os.path.join(session.args.artefacts, file_name)
    session.browser.call("screenshot", name=page, path=path)
    log(f"  screenshot: {path}")
    check_png(path)


def take_screenshots(session, suffix=""):
    os.makedirs(session.args.artefacts, exist_ok=True)
    paths = []
    for page in ("remote", "lead"):
        path = os.path.join(session.args.artefacts, f"web-{page}{suffix}.png")
        session.browser.call("screenshot", name=page, path=path)
        log(f"  screenshot: {path}")
        paths.append(path)
    return paths


def run_steps(session):
    steps = [
        ("the server serves the page", lambda: step_server(session)),
        ("the lead goes live and R2's agent starts", lambda: step_agents(session)),
        ("R1's page opens in Chinese and joins", lambda: step_page_opens(session)),
        ("the page decodes the lesson video", lambda: step_lesson_video(session)),
        ("the page sends R1's camera", lambda: step_return_feed(session)),
        ("chat between the page and the lead agent", lambda: step_chat(session)),
        ("the page raises R1's hand", lambda: step_raise_hand(session)),
        ("the page confirms R1's attendance", lambda: step_attendance(session)),
        ("the lead teacher's page lists R1's hand and sets the phase", lambda: step_lead_page(session)),
        ("the lead calls on R1; R2 and the lead's page receive R1's feed", lambda: step_call_on(session)),
        ("a second R1 page in English stays a viewer", lambda: step_second_page(session)),
        ("a page with a forged token is rejected", lambda: step_forged_token(session)),
        ("a timetable lesson under way is the lesson in progress", lambda: step_lesson_in_progress(session)),
        ("screenshots of both pages", lambda: [check_png(path) for path in take_screenshots(session)]),
        ("every program stops cleanly", lambda: step_stop(session)),
    ]
    for number, (name, run) in enumerate(steps, start=1):
        log(f"step {number}: {name}")
        try:
            run()
        except StepFailed as failure:
            raise StepFailed(f"step {number} ({name}): {failure}") from None
        except lessonrun.RunError as failure:
            raise lessonrun.RunError(f"step {number} ({name}): {failure}", failure.log_path) from None


def step_stop(session):
    session.browser.stop()
    for child in session.lesson.stop_all():
        check(child.returncode == 0, f"{child.name} exited with status 0 after SIGTERM",
              lessonrun.describe_status(child.returncode))


def step_server(session):
    session.lesson.start_server()
    check_static_files(session.lesson)


def step_agents(session):
    session.lead = session.lesson.start_lead(LEAD, console=True)
    waited = session.lesson.wait_live()
    log(f"  ok: lesson {LESSON} is live after {waited:.1f} s")
    session.remote_agent = session.lesson.start_remote(AGENT_CLASSROOM)


def run_inside(args):
    """Run the steps inside the namespace; return the exit status."""
    lessonrun.install_signal_handlers()
    workdir = tempfile.mkdtemp(prefix="ss-web-e2e-")
    log(f"work dir: {workdir}; artefacts: {args.artefacts}")
    status = 1
    try:
        with lessonrun.Lesson(args.server_exe, args.agent_exe, args.clip, workdir, lesson=LESSON,
                              relay_workers=1, web_root=args.web_root) as lesson:
            browser = Browser(args.node, args.chromium, os.path.join(workdir, "browser.log"))
            session = Session(args, lesson, browser)
            try:
                run_steps(session)
                status = 0
                log("all steps passed")
            except StepFailed as failure:
                log(f"FAIL: {failure}")
                save_failure_screenshots(session)
                show_logs(workdir)
            except lessonrun.RunError as failure:
                log(f"FAIL: {failure}")
                show_logs(workdir, failure.log_path)
            finally:
                browser.stop()
    except lessonrun.Interrupted as interrupt:
        log(f"stopped by {interrupt}")
        status = 1
    if status == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        log(f"logs kept in {workdir}")
    return status


def save_failure_screenshots(session):
    """Keep what the pages showed when a step failed, where they exist."""
    if session.browser.chromium_pid is None:
        return
    try:
        take_screenshots(session, suffix="-failed")
    except StepFailed as error:
        log(f"  no screenshot: {error}")


def show_logs(workdir, first=None):
    names = sorted(name for name in os.listdir(workdir) if name.endswith(".log"))
    paths = ([first] if first else []) + [os.path.join(workdir, name) for name in names
                                          if os.path.join(workdir, name) != first]
    for path in paths:
        log(f"--- last lines of {path}")
        log(lessonrun.read_log_tail(path))


# ---------------------------------------------------------------------------
# Outside the namespace


def skip_reason(args):
    reason = netns.skip_reason()
    if reason:
        return reason
    if not os.access(args.chromium, os.X_OK):
        return f"{args.chromium} not found; install Debian's chromium package"
    if not os.access(args.node, os.X_OK):
        return f"{args.node} not found; install Debian's nodejs package"
    if not os.path.exists(os.path.join(HERE, "node_modules", "playwright-core", "package.json")):
        return (f"playwright-core is not installed in {HERE}; "
                "run scripts/install-packages --web-test, which runs `npm ci` there")
    for path in (args.server_exe, args.agent_exe, args.cli_exe):
        if not os.access(path, os.X_OK):
            return f"{path} is not built"
    if not os.path.exists(os.path.join(args.web_root, "index.html")):
        return f"the page is not built in {args.web_root}"
    return None


def kill_namespace_processes(namespace):
    """SIGKILL whatever still runs in the test's namespace: only this test
    started processes there."""
    result = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True, check=False)
    for word in result.stdout.split():
        try:
            os.kill(int(word), signal.SIGKILL)
            log(f"killed PID {word}, left running in {namespace}")
        except (ValueError, ProcessLookupError):
            pass


def run_outside(args, argv):
    reason = skip_reason(args)
    if reason:
        log(f"SKIP: {reason}")
        return EXIT_SKIP

    netns.remove_stale_namespaces(NAMESPACE_PREFIX)
    with netns.Topology(prefix=NAMESPACE_PREFIX) as topology:
        namespace = topology.add_namespace("web")
        log(f"namespace {namespace} (only lo)")
        inner = topology.popen(namespace, [sys.executable, os.path.abspath(__file__), "--inside", *argv])
        try:
            return inner.wait(INNER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log(f"FAIL: the test did not finish within {INNER_TIMEOUT_S} s")
            return 1
        finally:
            topology.stop_process(inner)
            kill_namespace_processes(namespace)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-exe", required=True)
    parser.add_argument("--agent-exe", required=True)
    parser.add_argument("--cli-exe", required=True)
    parser.add_argument("--clip", required=True)
    parser.add_argument("--web-root", required=True, help="the built page, BUILD/web")
    parser.add_argument("--artefacts", required=True, help="directory for the screenshots")
    parser.add_argument("--node", default="/usr/bin/node")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main():
    argv = sys.argv[1:]
    args = parse_args(argv)
    if args.inside:
        return run_inside(args)
    return run_outside(args, argv)


if __name__ == "__main__":
    sys.exit(main())

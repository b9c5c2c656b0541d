"""Run a whole Shuangshi lesson on loopback: server, lead agent, remote agents.

This module starts shuangshi-server and shuangshi-agent processes, waits until
the server is healthy and the lesson is live, reads the agents' stats files,
and stops every process it started. scripts/demo uses it through the `demo`
command line at the bottom of this file, and the end-to-end tests import it.

Process rules:
- Each child runs in its own process group, so a Ctrl-C in the terminal
  reaches only this runner, which then stops the children itself.
- A child is stopped with SIGTERM, then SIGKILL after a grace period. Only
  the PIDs started here and the process groups created for them are
  signalled.
- Each child gets PR_SET_PDEATHSIG(SIGKILL), so it does not outlive a runner
  that is itself killed.
- All traffic stays on 127.0.0.1.
"""

import argparse
import asyncio
import ctypes
import errno
import gettext
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

LOOPBACK = "127.0.0.1"
SUBPROTOCOL = "shuangshi.v1"

HEALTH_TIMEOUT_S = 20.0
LIVE_TIMEOUT_S = 20.0
STOP_GRACE_S = 5.0
POLL_INTERVAL_S = 0.1

# Classroom id the lesson-live watcher uses when it joins as a remote.
WATCHER_CLASSROOM = "lessonrun-watcher"

LOG_TAIL_LINES = 30

_PR_SET_PDEATHSIG = 1


def _(message):
    """Return message unchanged; use_translation() swaps in a catalogue."""
    return message


def use_translation(translation):
    """Translate the module's messages (errors, demo summary) from now on."""
    global _
    _ = translation.gettext


class RunError(Exception):
    """A lesson step failed; `log_path` names the log that shows why."""

    def __init__(self, message, log_path=None):
        super().__init__(message)
        self.log_path = log_path


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived while a lesson was running.

    Like KeyboardInterrupt, it is not an Exception, so handlers for
    signaling errors do not swallow it.
    """


_interrupt_seen = False


def _raise_interrupted(signum, frame):
    global _interrupt_seen

    # A second signal during clean-up is ignored, so the clean-up finishes.
    if _interrupt_seen:
        return
    _interrupt_seen = True
    raise Interrupted(signal.Signals(signum).name)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def install_signal_handlers():
    """Turn SIGINT, SIGTERM and SIGHUP into an Interrupted exception."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_interrupted)


# ---------------------------------------------------------------------------
# Ports


def find_free_tcp_port(host=LOOPBACK):
    """Return a TCP port that nothing listens on right now.

    The port is released before the server binds it, so another program
    could take it in between. The server then fails to start and logs why.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def find_free_udp_ports(count, host=LOOPBACK, attempts=50):
    """Return the first of `count` consecutive UDP ports that are all free.

    The relay's worker i listens on port_base + i, so the block must be
    contiguous. Same caveat as find_free_tcp_port about the release.
    """
    for _ in range(attempts):
        base = random.randint(20000, 60000 - count)
        sockets = []
        try:
            for offset in range(count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(sock)
                sock.bind((host, base + offset))
            return base
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
        finally:
            for sock in sockets:
                sock.close()
    raise RunError(_("no block of {count} free UDP ports found on {host} after {attempts} attempts").format(
        count=count, host=host, attempts=attempts))


# ---------------------------------------------------------------------------
# Child processes


def _child_setup():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    # Lesson._start blocks the stop signals around the fork; the child must
    # not inherit that mask, or SIGTERM would never reach it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


class Child:
    """One started program, its log file and how it ended.

    stdin is subprocess.DEVNULL, or subprocess.PIPE for a program that
    reads commands, such as an agent with --console; `stdin` is then the
    pipe's writable end.
    """

    def __init__(self, name, argv, log_path, cwd, stdin=subprocess.DEVNULL):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.returncode = None
        self.stopped_by_runner = False
        self._sigterm_sent = False

        with open(log_path, "wb") as log:
            log.write(("$ " + " ".join(argv) + "\n").encode())
            log.flush()
            self._popen = subprocess.Popen(
                argv,
                stdin=stdin,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                process_group=0,
                preexec_fn=_child_setup,
            )
        self.pid = self._popen.pid
        self.stdin = self._popen.stdin

    def has_exited(self):
        """Return True once the child has exited, without reaping it.

        An unreaped child keeps its PID and process group id reserved, so
        signalling the group afterwards cannot reach an unrelated process.
        """
        if self.returncode is not None:
            return True
        info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return info is not None

    def wait_exit(self, timeout_s):
        """Wait up to timeout_s for the child to exit; return True if it did."""
        deadline = time.monotonic() + timeout_s
        while not self.has_exited():
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_INTERVAL_S)
        return True

    def _reap(self):
        if self.returncode is not None:
            return

        # Programs the child started itself (gst-plugin-scanner, for one)
        # share its process group; they must not outlive it.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.returncode = self._popen.wait()

    def kill(self):
        """Send SIGKILL and reap the child; return its exit status."""
        self.stopped_by_runner = True
        if not self.has_exited():
            os.kill(self.pid, signal.SIGKILL)
            self.wait_exit(STOP_GRACE_S)
        self._reap()
        return self.returncode

    def terminate(self):
        """Send SIGTERM once unless the child has exited; stop() finishes the job.

        Only one SIGTERM is sent because programs commonly treat a second
        one as a request to quit at once, skipping their clean shutdown.
        """
        self.stopped_by_runner = True
        if not self._sigterm_sent and not self.has_exited():
            os.kill(self.pid, signal.SIGTERM)
            self._sigterm_sent = True

    def stop(self, grace_s=STOP_GRACE_S):
        """Send SIGTERM, then SIGKILL after grace_s; return the exit status.

        The status is negative (minus the signal number) when a signal
        ended the child, as in subprocess.
        """
        self.terminate()
        if not self.wait_exit(grace_s):
            os.kill(self.pid, signal.SIGKILL)
            self.wait_exit(grace_s)
        self._reap()
        return self.returncode

    def log_tail(self, lines=LOG_TAIL_LINES):
        """Return the last `lines` lines of the child's log."""
        return read_log_tail(self.log_path, lines)


def read_log_tail(log_path, lines=LOG_TAIL_LINES):
    """Return the last `lines` lines of a log file, or why it is unreadable."""
    try:
        with open(log_path, "rb") as log:
            text = log.read().decode(errors="replace")
    except OSError as error:
        return f"(log {log_path} unreadable: {error.strerror})"
    return "\n".join(text.splitlines()[-lines:])


def describe_status(returncode):
    """Return an exit status as text, naming the signal when one ended it."""
    if returncode is None:
        return _("still running")
    if returncode < 0:
        return _("killed by {signal}").format(signal=signal.Signals(-returncode).name)
    return _("exit status {code}").format(code=returncode)


# ---------------------------------------------------------------------------
# Stats files


def read_stats(path):
    """Return (mtime_ns, stats dict) of an agent's stats file, or None.

    The agent replaces the file with a rename, so a read gets either the old
    or the new content. The mtime is when that content was written.
    """
    try:
        with open(path, "rb") as stats_file:
            mtime_ns = os.fstat(stats_file.fileno()).st_mtime_ns
            stats = json.load(stats_file)
    except (OSError, ValueError):
        return None
    if not isinstance(stats, dict):
        return None
    return mtime_ns, stats


class Agent:
    """A started shuangshi-agent with its classroom id and stats file."""

    def __init__(self, child, role, classroom, stats_path):
        self.child = child
        self.role = role
        self.classroom = classroom
        self.stats_path = stats_path

    def stats(self):
        """Return the agent's latest stats dict, or None before its first write."""
        sample = read_stats(self.stats_path)
        return sample[1] if sample else None

    def send_console(self, line):
        """Write one command line to an agent started with its console on."""
        if self.child.stdin is None:
            raise RunError(_("{classroom} was started without --console").format(classroom=self.classroom))
        self.child.stdin.write(line.encode() + b"\n")
        self.child.stdin.flush()


# ---------------------------------------------------------------------------
# Tokens
#
# Every hello carries a token. The server writes an admin token to
# DATA_DIR/admin.token at its first start; POST /api/v1/classrooms with it
# registers a classroom and returns that classroom's token.


def read_admin_token(data_dir, timeout_s=HEALTH_TIMEOUT_S):
    """Return the admin token the server wrote to DATA_DIR/admin.token."""
    path = os.path.join(data_dir, "admin.token")
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with open(path, encoding="utf-8") as token_file:
                token = token_file.readline().strip()
            if token:
                return token
        except FileNotFoundError:
            pass
        if time.monotonic() >= deadline:
            raise RunError(_("no admin token in {path} after {seconds:.0f} s").format(
                path=path, seconds=timeout_s))
        time.sleep(POLL_INTERVAL_S)


def admin_request(server_url, admin_token, method, path, body=None, content_type="application/json"):
    """Send an admin API request; return (HTTP status, parsed JSON reply or None)."""
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(server_url.rstrip("/") + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + admin_token)
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with _loopback_opener().open(request, timeout=10) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, None


def provision(server_url, data_dir, classroom_ids):
    """Register each classroom with the server; return {classroom id: token}.

    server_url is the HTTP base URL (http://127.0.0.1:PORT) and data_dir the
    server's data directory, where its admin token is.
    """
    admin_token = read_admin_token(data_dir)
    tokens = {}
    for classroom in classroom_ids:
        status, reply = admin_request(server_url, admin_token, "POST", "/api/v1/classrooms",
                                      {"id": classroom, "name": classroom})
        if status != 201 or not reply or "token" not in reply:
            raise RunError(_("registering classroom {classroom} failed: HTTP {status} {reply}").format(
                classroom=classroom, status=status, reply=reply))
        tokens[classroom] = reply["token"]
    return tokens


def teacher_page_url(server_url, admin_token, classroom, role, lesson):
    """Issue a teacher token for the classroom; return the teachers' page address.

    The address is the server's page with the token, the role (lead or
    remote) and the lesson in its query, as `shuangshi classroom link` prints it.
    """
    status, reply = admin_request(server_url, admin_token, "POST", "/api/v1/teacher-tokens",
                                  {"classroom": classroom})
    if status != 201 or not reply or "token" not in reply:
        raise RunError(_("issuing a teacher token for {classroom} failed: HTTP {status} {reply}").format(
            classroom=classroom, status=status, reply=reply))
    query = urllib.parse.urlencode({"token": reply["token"], "role": role, "lesson": lesson})
    return f"{server_url.rstrip('/')}/?{query}"


def write_token_file(workdir, classroom, token):
    """Write a classroom's token to a 0600 file for --token-file; return its path.

    A file keeps the token out of the process list, where --token would show it.
    """
    path = os.path.join(workdir, classroom + ".token")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as token_file:
        token_file.write(token + "\n")
    return path


# ---------------------------------------------------------------------------
# Waiting for the server and the lesson


def _loopback_opener():
    # An empty ProxyHandler ignores http_proxy, so requests stay on loopback.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def server_is_healthy(port, timeout_s=1.0):
    """Return True when GET /healthz on the server returns 200."""
    url = f"http://{LOOPBACK}:{port}/healthz"
    try:
        with _loopback_opener().open(url, timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


async def _receive_reply(ws):
    """Return the next reply, skipping events such as schedule."""
    while True:
        message = json.loads(await ws.recv())
        if "id" in message or message.get("type") == "error":
            return message


async def _watch_lesson_once(url, lesson, timeout_s, token):
    """Join the lesson as a remote and wait for it to be live.

    Returns True when it is live, False when the lesson does not exist yet.
    token is the admin token, which the server accepts in a hello for any classroom.
    """
    import websockets

    async with websockets.connect(
        url, subprotocols=[SUBPROTOCOL], compression=None, open_timeout=timeout_s
    ) as ws:
        hello = {"v": 1, "type": "hello", "id": 1, "role": "remote", "classroom": WATCHER_CLASSROOM,
                 "token": token}
        await ws.send(json.dumps(hello))
        reply = await _receive_reply(ws)
        if reply.get("type") != "result":
            raise RunError(_("server rejected hello: {reply}").format(reply=reply))

        await ws.send(json.dumps({"v": 1, "type": "lesson.join", "id": 2, "lesson": lesson}))
        reply = await _receive_reply(ws)
        if reply.get("type") == "error" and reply.get("code") == "unknown_lesson":
            return False
        if reply.get("type") != "result":
            raise RunError(_("server rejected lesson.join: {reply}").format(reply=reply))
        if reply.get("live") is True:
            return True

        while True:
            event = json.loads(await ws.recv())
            if event.get("type") == "lesson.live":
                return True


def wait_lesson_live(port, lesson, token, timeout_s=LIVE_TIMEOUT_S, alive_check=None):
    """Wait until the server reports the lesson live; return the wait in seconds.

    A watcher connection joins the lesson as a remote classroom and leaves
    once the lead is publishing; token is the server's admin token.
    alive_check, when given, is called between attempts and may raise to
    abort the wait.
    """
    url = f"ws://{LOOPBACK}:{port}/ws"
    start = time.monotonic()
    deadline = start + timeout_s
    no_lesson = _("the lesson does not exist yet")
    last_error = no_lesson

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RunError(_("lesson {lesson} not live after {seconds:.0f} s: {reason}").format(
                lesson=lesson, seconds=timeout_s, reason=last_error))
        try:
            live = asyncio.run(asyncio.wait_for(_watch_lesson_once(url, lesson, remaining, token), remaining))
            if live:
                return time.monotonic() - start
            last_error = no_lesson
        except RunError:
            raise
        except asyncio.TimeoutError:
            last_error = _("no lesson.live event arrived")
        except (OSError, ValueError) as error:
            last_error = _("signaling failed: {error}").format(error=error)
        except Exception as error:  # websockets raises ConnectionClosed and InvalidHandshake
            last_error = _("signaling failed: {error}").format(error=repr(error))

        if alive_check:
            alive_check()
        time.sleep(0.2)


# ---------------------------------------------------------------------------
# The lesson


class Lesson:
    """A server, a lead agent and remote agents on loopback, in a work dir.

    Use it as a context manager: leaving the block stops every process that
    is still running.
    """

    def __init__(self, server_exe, agent_exe, clip, workdir, lesson="demo", relay_workers=None,
                 web_root=None):
        self.server_exe = os.path.abspath(server_exe)
        # The teachers' page directory for the server's --web-root, or None.
        self.web_root = web_root
        self.agent_exe = os.path.abspath(agent_exe)
        self.clip = os.path.abspath(clip)
        self.workdir = workdir
        self.lesson = lesson
        self.relay_workers = relay_workers or max(1, min(os.cpu_count() or 1, 4))
        self.server = None
        self.port = None
        self.relay_port = None
        self.data_dir = os.path.join(workdir, "server-data")
        self.admin_token = None
        self.lead = None
        self.remotes = []
        self._children = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.stop_all()
        return False

    def _start(self, name, argv, stdin=subprocess.DEVNULL):
        # With the stop signals blocked, an interrupt cannot land between the
        # fork and the append, where the new child would be left unstopped.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            child = Child(name, argv, os.path.join(self.workdir, name + ".log"), self.workdir, stdin)
            self._children.append(child)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        return child

    def check_running(self, child):
        """Raise RunError if a child exited before the runner stopped it."""
        if not child.stopped_by_runner and child.has_exited():
            child.stop()
            message = _("{name} exited early ({status})").format(
                name=child.name, status=describe_status(child.returncode))
            raise RunError(message, child.log_path)

    def check_all_running(self):
        """Raise RunError if any child exited before the runner stopped it."""
        for child in self._children:
            self.check_running(child)

    def start_server(self, timeout_s=HEALTH_TIMEOUT_S):
        """Start shuangshi-server on free ports and wait for /healthz."""
        self.port = find_free_tcp_port()
        self.relay_port = find_free_udp_ports(self.relay_workers)
        data_dir = self.data_dir
        argv = [
            self.server_exe,
            "--listen", f"{LOOPBACK}:{self.port}",
            "--data-dir", data_dir,
            "--relay-bind", LOOPBACK,
            "--relay-port", str(self.relay_port),
            "--relay-workers", str(self.relay_workers),
        ]
        if self.web_root:
            argv += ["--web-root", os.path.abspath(self.web_root)]
        self.server = self._start("server", argv)

        start = time.monotonic()
        deadline = start + timeout_s
        while not server_is_healthy(self.port):
            self.check_running(self.server)
            if time.monotonic() >= deadline:
                message = _("server not healthy on port {port} after {seconds:.0f} s").format(
                    port=self.port, seconds=timeout_s)
                raise RunError(message, self.server.log_path)
            time.sleep(POLL_INTERVAL_S)
        self.admin_token = read_admin_token(self.data_dir)
        return time.monotonic() - start

    @property
    def signaling_url(self):
        return f"ws://{LOOPBACK}:{self.port}/ws"

    @property
    def http_url(self):
        return f"http://{LOOPBACK}:{self.port}"

    def token_file(self, classroom):
        """Register the classroom (once) and return the path of its token file."""
        path = os.path.join(self.workdir, classroom + ".token")
        if not os.path.exists(path):
            token = provision(self.http_url, self.data_dir, [classroom])[classroom]
            write_token_file(self.workdir, classroom, token)
        return path

    def _start_agent(self, role, classroom, extra_args, stdin=subprocess.DEVNULL, name=None):
        # name keeps the log and stats files of two agents of one classroom apart.
        name = name or classroom
        stats_path = os.path.join(self.workdir, name + ".json")
        argv = [
            self.agent_exe,
            "--role", role,
            "--server", self.signaling_url,
            "--classroom", classroom,
            "--token-file", self.token_file(classroom),
            "--lesson", self.lesson,
            "--headless",
            "--stats-file", stats_path,
        ] + extra_args
        return Agent(self._start(name, argv, stdin), role, classroom, stats_path)

    def start_lead(self, classroom="lead-1", console=False, return_slots=0, extra_args=()):
        """Start the lead agent playing the clip.

        With console=True the agent reads console commands (chat TEXT,
        call CLASSROOM) from lead.child.stdin, see Agent.send_console.
        return_slots is how many remote classrooms' return feeds it
        receives (--return-slots); 0, the default, keeps the lesson to the
        lead's own stream as before return feeds existed. extra_args are
        further agent options, such as --simulcast-layers.
        """
        args = ["--source", "file:" + self.clip, "--return-slots", str(return_slots)] + list(extra_args)
        stdin = subprocess.DEVNULL
        if console:
            args.append("--console")
            stdin = subprocess.PIPE
        self.lead = self._start_agent("lead", classroom, args, stdin)
        return self.lead

    def wait_live(self, timeout_s=LIVE_TIMEOUT_S):
        """Wait until the lead publishes; return the wait in seconds.

        Remote agents started before the lesson exists would be rejected
        with unknown_lesson, so they start only after this returns. Without
        the websockets package, this falls back to waiting for the lead's
        first encoded frame.
        """
        if importlib.util.find_spec("websockets") is None:
            return self._wait_lead_encoding(timeout_s)
        return wait_lesson_live(self.port, self.lesson, self.admin_token, timeout_s, self.check_all_running)

    def _wait_lead_encoding(self, timeout_s):
        start = time.monotonic()
        while True:
            stats = self.lead.stats()
            if stats and stats.get("video_frames_encoded", 0) > 0:
                return time.monotonic() - start
            self.check_all_running()
            if time.monotonic() - start >= timeout_s:
                message = _("{classroom} encoded no video frame in {seconds:.0f} s").format(
                    classroom=self.lead.classroom, seconds=timeout_s)
                raise RunError(message, self.lead.child.log_path)
            time.sleep(POLL_INTERVAL_S)

    def start_remote(self, classroom, return_source="none", console=False, name=None):
        """Start a remote agent in the lesson.

        return_source is its --return-source (test, auto, none or
        v4l2:DEVICE); none, the default, publishes no return feed, as
        remotes did before return feeds existed. With console=True it reads
        console commands like the lead, see start_lead. name, by default the
        classroom id, names the agent's log and stats files, so a second
        agent of one classroom needs one of its own.
        """
        args = ["--return-source", return_source]
        stdin = subprocess.DEVNULL
        if console:
            args.append("--console")
            stdin = subprocess.PIPE
        remote = self._start_agent("remote", classroom, args, stdin, name)
        self.remotes.append(remote)
        return remote

    def wait_first_frame(self, remote, timeout_s):
        """Wait until the remote decodes a video frame; return its stats."""
        deadline = time.monotonic() + timeout_s
        while True:
            stats = remote.stats()
            if stats and stats.get("video_frames_decoded", 0) > 0:
                return stats
            self.check_all_running()
            if time.monotonic() >= deadline:
                message = _("{classroom} decoded no video frame in {seconds:.0f} s").format(
                    classroom=remote.classroom, seconds=timeout_s)
                raise RunError(message, remote.child.log_path)
            time.sleep(POLL_INTERVAL_S)

    def stop_all(self):
        """Stop remotes, then the lead, then the server; return their children.

        Remotes go first so that their last stats still cover a lead that is
        sending. The children of one tier get SIGTERM together, so the grace
        periods overlap.
        """
        remotes = [remote.child for remote in self.remotes]
        lead = [self.lead.child] if self.lead else []
        server = [self.server] if self.server else []
        others = [child for child in self._children if child not in remotes + lead + server]

        for tier in (remotes + others, lead, server):
            for child in tier:
                child.terminate()
            for child in tier:
                child.stop()
        return remotes + others + lead + server


# ---------------------------------------------------------------------------
# The demo command line (scripts/demo)

TRANSLATION_DOMAIN = "shuangshi-demo"
PO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "po")


def load_translation(workdir):
    """Compile the demo's catalogues into workdir and return a translation.

    The language comes from LANGUAGE, LC_ALL, LC_MESSAGES or LANG, as in
    every gettext program. Without msgfmt the summary stays in English.
    """
    msgfmt = shutil.which("msgfmt")
    localedir = os.path.join(workdir, "locale")
    if msgfmt and os.path.isdir(PO_DIR):
        for name in sorted(os.listdir(PO_DIR)):
            if not name.endswith(".po"):
                continue
            language = name[: -len(".po")]
            target_dir = os.path.join(localedir, language, "LC_MESSAGES")
            os.makedirs(target_dir, exist_ok=True)
            subprocess.run(
                [msgfmt, "-o", os.path.join(target_dir, TRANSLATION_DOMAIN + ".mo"), os.path.join(PO_DIR, name)],
                check=False,
                stderr=subprocess.DEVNULL,
            )
    return gettext.translation(TRANSLATION_DOMAIN, localedir=localedir, fallback=True)


def display_width(text):
    """Return the width of text in terminal columns (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def format_rows(rows, indent="  "):
    """Format (label, value) pairs as aligned lines."""
    width = max(display_width(label) for label, _ in rows)
    return [indent + label + " " * (width - display_width(label) + 2) + value for label, value in rows]


# Slots the demo's lead subscribes with, one per remote up to this many.
DEMO_RETURN_SLOTS = 4


def return_feed_frames(lead_stats):
    """List (slot, classroom shown at the end or None, frames decoded) of the
    lead's return-feed slots. A slot's count covers every class it showed."""
    slots = []
    for feed in (lead_stats or {}).get("return_feeds") or []:
        if isinstance(feed.get("slot"), int) and isinstance(feed.get("frames_decoded"), int):
            slots.append((feed["slot"], feed.get("classroom"), feed["frames_decoded"]))
    return sorted(slots)


def summary_json(duration_s, lead_classroom, lead_stats, remote_results):
    """Build the --json object of the demo."""
    lead = {
        "classroom": lead_classroom,
        "video_frames_encoded": (lead_stats or {}).get("video_frames_encoded"),
        "return_feeds": [
            {"slot": slot, "classroom": classroom, "frames_decoded": frames}
            for slot, classroom, frames in return_feed_frames(lead_stats)
        ],
    }
    remotes = []
    for classroom, stats in remote_results:
        stats = stats or {}
        remotes.append({
            "classroom": classroom,
            "video_frames_decoded": stats.get("video_frames_decoded"),
            "audio_samples_decoded": stats.get("audio_samples_decoded"),
            "first_frame_ms": stats.get("first_frame_ms"),
            "rtp_packets_lost": stats.get("rtp_packets_lost"),
            "floor": stats.get("floor"),
            "floor_frames_decoded": stats.get("floor_frames_decoded"),
            "floor_audio_samples_decoded": stats.get("floor_audio_samples_decoded"),
        })
    return {"duration_s": duration_s, "lead": lead, "remotes": remotes}


def summary_text(lesson, duration_s, lead_classroom, lead_stats, remote_results):
    """Build the human-readable summary lines in the user's language."""
    missing = _("no data")
    lines = [_("Lesson {lesson} ran for {seconds} s.").format(lesson=lesson, seconds=duration_s), ""]

    lead_stats = lead_stats or {}
    lines.append(_("Lead classroom {classroom}").format(classroom=lead_classroom))
    encoded = lead_stats.get("video_frames_encoded")
    rows = [(_("Video frames encoded"), missing if encoded is None else str(encoded))]
    for slot, classroom, frames in return_feed_frames(lead_stats):
        if frames <= 0:
            continue
        if classroom:
            label = _("Return feed slot {slot} (now {classroom}), frames decoded").format(
                slot=slot + 1, classroom=classroom)
        else:
            label = _("Return feed slot {slot} (idle now), frames decoded").format(slot=slot + 1)
        rows.append((label, str(frames)))
    lines += format_rows(rows)

    for classroom, stats in remote_results:
        stats = stats or {}
        first_frame_ms = stats.get("first_frame_ms")
        if first_frame_ms is None:
            first_frame = missing
        elif first_frame_ms < 0:
            first_frame = _("no frame")
        else:
            first_frame = _("{ms} ms").format(ms=first_frame_ms)

        rows = []
        for label, key in (
            (_("Video frames decoded"), "video_frames_decoded"),
            (_("Audio samples decoded"), "audio_samples_decoded"),
        ):
            value = stats.get(key)
            rows.append((label, missing if value is None else str(value)))
        rows.append((_("Time to first frame"), first_frame))
        lost = stats.get("rtp_packets_lost")
        rows.append((_("RTP packets lost"), missing if lost is None else str(lost)))
        # The rows above count the lead's stream only. The floor's rows
        # follow when a class was called on.
        floor_frames = stats.get("floor_frames_decoded")
        if isinstance(floor_frames, int) and floor_frames > 0:
            rows.append((_("Called-on class's frames decoded"), str(floor_frames)))
        floor_samples = stats.get("floor_audio_samples_decoded")
        if isinstance(floor_samples, int) and floor_samples > 0:
            rows.append((_("Called-on class's audio samples decoded"), str(floor_samples)))

        lines.append("")
        lines.append(_("Remote classroom {classroom}").format(classroom=classroom))
        lines += format_rows(rows)
    return lines


def remotes_without_video(remote_results):
    """Return the classrooms whose agents decoded no video frame."""
    return [
        classroom
        for classroom, stats in remote_results
        if not stats or not isinstance(stats.get("video_frames_decoded"), int) or stats["video_frames_decoded"] <= 0
    ]


def parse_demo_args(argv):
    parser = argparse.ArgumentParser(
        prog="scripts/demo",
        description="Run one lesson on loopback: a server, a lead agent playing the sample clip "
        "and remote agents, then print what each classroom received.",
    )
    parser.add_argument("--server-exe", required=True, help="path of shuangshi-server")
    parser.add_argument("--agent-exe", required=True, help="path of shuangshi-agent")
    parser.add_argument("--clip", required=True, help="media file the lead agent plays")
    parser.add_argument("--web-root", help="directory of the teachers' page for the server; "
                        "the demo then prints each classroom's page address")
    parser.add_argument("--duration", type=int, default=30, help="seconds the lesson runs after the remotes start (1 to 3600; default 30)")
    parser.add_argument("--remotes", type=int, default=2, help="number of remote classrooms (1 to 16; default 2)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    parser.add_argument("--keep", action="store_true", help="keep the work dir with the logs and stats files")
    args = parser.parse_args(argv)

    if not 1 <= args.duration <= 3600:
        parser.error(f"--duration {args.duration} is out of range: give 1 to 3600 seconds")
    if not 1 <= args.remotes <= 16:
        parser.error(f"--remotes {args.remotes} is out of range: give 1 to 16")
    return args


def run_demo(args, workdir, progress):
    """Run the demo lesson; return (exit status, output for stdout)."""
    lesson_id = "demo"
    lead_classroom = "lead-1"
    failure = None

    with Lesson(args.server_exe, args.agent_exe, args.clip, workdir, lesson=lesson_id,
                web_root=args.web_root) as lesson:
        try:
            lesson.start_server()
            progress(_("Server listening on ws://{address}:{port}/ws, relay on UDP port {relay_port}.").format(
                address=LOOPBACK, port=lesson.port, relay_port=lesson.relay_port))
            if args.web_root:
                show_teacher_pages(lesson, lead_classroom, args.remotes, progress)

            # The lead receives every class's return feed. Halfway through it
            # calls on the first class, whose feed then reaches the others.
            lead = lesson.start_lead(lead_classroom, console=True, return_slots=DEMO_RETURN_SLOTS)
            waited = lesson.wait_live()
            progress(_("Lesson {lesson} is live after {seconds:.1f} s.").format(lesson=lesson_id, seconds=waited))

            for index in range(1, args.remotes + 1):
                lesson.start_remote(f"remote-{index}", return_source="test")
            progress(_("Running for {seconds} s with {count} remote classrooms.").format(
                seconds=args.duration, count=args.remotes))

            start = time.monotonic()
            deadline = start + args.duration
            called = False
            while time.monotonic() < deadline:
                lesson.check_all_running()
                if not called and time.monotonic() >= start + args.duration / 2:
                    lead.send_console("call remote-1")
                    progress(_("The lead teacher calls on remote-1."))
                    called = True
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        except RunError as error:
            failure = error

        children = lesson.stop_all()
        lead_stats = lesson.lead.stats() if lesson.lead else None
        remote_results = [(remote.classroom, remote.stats()) for remote in lesson.remotes]

    if failure:
        progress(_("The demo failed: {error}").format(error=failure))
        if failure.log_path:
            show_log_tail(failure.log_path, progress)
        return 1, None

    status = 0
    for child in children:
        if child.returncode not in (0, None):
            progress(_("{name} did not stop cleanly ({status}).").format(name=child.name, status=describe_status(child.returncode)))
            show_log_tail(child.log_path, progress)
            status = 1

    if args.json:
        output = json.dumps(summary_json(args.duration, lead_classroom, lead_stats, remote_results))
    else:
        output = "\n".join(summary_text(lesson_id, args.duration, lead_classroom, lead_stats, remote_results))

    silent = remotes_without_video(remote_results)
    for classroom in silent:
        progress(_("Remote classroom {classroom} decoded no video.").format(classroom=classroom))
        show_log_tail(os.path.join(workdir, classroom + ".log"), progress)
        status = 1
    return status, output


def show_teacher_pages(lesson, lead_classroom, remote_count, progress):
    """Print the teachers' page address of each classroom of the demo lesson."""
    progress(_("Teachers' pages, for a browser on this machine:"))
    pages = [(lead_classroom, "lead")] + [(f"remote-{index}", "remote") for index in range(1, remote_count + 1)]
    for classroom, role in pages:
        url = teacher_page_url(lesson.http_url, lesson.admin_token, classroom, role, lesson.lesson)
        progress(f"  {classroom}: {url}")


def show_log_tail(log_path, progress):
    progress(_("Last lines of {path}:").format(path=log_path))
    for line in read_log_tail(log_path).splitlines():
        progress("    " + line)


def demo_main(argv):
    args = parse_demo_args(argv)
    install_signal_handlers()

    def progress(text):
        print(text, file=sys.stderr, flush=True)

    workdir = tempfile.mkdtemp(prefix="shuangshi-demo-")
    use_translation(load_translation(workdir))
    status = 1
    try:
        status, output = run_demo(args, workdir, progress)
        if output is not None:
            print(output, flush=True)
    except Interrupted as interrupt:
        progress(_("Stopped by {signal}; every process the demo started has been stopped.").format(signal=interrupt))
        status = 130
    finally:
        if args.keep:
            progress(_("Logs and stats files kept in {path}.").format(path=workdir))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if status not in (0, 130):
                progress(_("The work dir has been removed; run with --keep to keep the logs."))
    return status


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "demo":
        print("usage: lessonrun.py demo [options]; see scripts/demo --help", file=sys.stderr)
        sys.exit(2)
    sys.exit(demo_main(sys.argv[2:]))

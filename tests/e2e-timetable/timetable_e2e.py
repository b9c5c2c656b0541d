"""End-to-end tests of the timetable: auto-join, restart safety, lesson end,
and the rules of tokens, overlaps and CSV imports.

Scenarios (--scenario):
  lesson  A lesson scheduled a few seconds ahead; three remote agents and
          the lead, started earlier with nothing but --config files, join by
          themselves and decode video, and the test prints each remote's
          first-frame delay after the start. Then the server is killed with
          SIGKILL and started again on the same data directory: every remote
          decodes again and `shuangshi lesson list --json` is unchanged.
          Then the lesson passes its end plus the grace period: every agent
          leaves, and each remote's screen_text names the next lesson's
          subject and start time.
  rules   Through the CLI: an overlapping lesson is rejected, and a CSV file
          with one bad row imports nothing and names the row. Missing,
          expired, forged and wrong-classroom tokens get `unauthorized` in
          hello, and expired, forged and classroom tokens are rejected by
          the admin API.

Everything runs on 127.0.0.1 with free ports and a temporary data
directory; only the PIDs started here are signalled.
"""

import argparse
import asyncio
import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import lessonrun  # noqa: E402

LOOPBACK = lessonrun.LOOPBACK
CHINA = datetime.timezone(datetime.timedelta(hours=8))

# The lesson starts this long after it is scheduled, so the agents are
# waiting for it when it starts.
LEAD_TIME_S = 6
LESSON_LENGTH_S = 45
GRACE_S = 2
FIRST_FRAME_TIMEOUT_S = 20.0
REJOIN_TIMEOUT_S = 25.0
END_TIMEOUT_S = 15.0
REMOTES = ("town-a", "town-b", "town-c")
LEAD = "lead-1"
EXIT_FAILED = 1
EXIT_AUTH = 4


class Checks:
    """Collects named pass/fail results and prints each one."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.failures = []

    def check(self, condition, name, detail=""):
        if condition:
            print(f"[{self.scenario}] ok: {name}")
        else:
            print(f"[{self.scenario}] FAILED: {name} ({detail})")
            self.failures.append(name)
        return condition


def iso(moment):
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


def run_cli(cli_exe, server, data_dir, args, env=None):
    argv = [cli_exe, "--server", server, "--data-dir", data_dir] + args
    full_env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
    full_env.pop("SHUANGSHI_TOKEN", None)
    full_env.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=full_env)


def write_agent_config(workdir, classroom, server_url, token_path, extra):
    """Write the GKeyFile a classroom PC would keep; return its path."""
    lines = ["[agent]", f"server={server_url}", f"classroom={classroom}",
             f"token_file={token_path}", "headless=true",
             f"stats_file={os.path.join(workdir, classroom + '.json')}",
             f"ice_address={LOOPBACK}"]
    lines += [f"{key}={value}" for key, value in extra.items()]
    path = os.path.join(workdir, classroom + ".conf")
    with open(path, "w", encoding="utf-8") as config:
        config.write("\n".join(lines) + "\n")
    return path


class Server:
    """shuangshi-server on fixed ports, so a restart keeps the agents' URL."""

    def __init__(self, runner, server_exe, workdir):
        self.runner = runner
        self.server_exe = server_exe
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "server-data")
        self.port = lessonrun.find_free_tcp_port()
        self.relay_port = lessonrun.find_free_udp_ports(1)
        self.child = None
        self.starts = 0

    @property
    def http_url(self):
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{LOOPBACK}:{self.port}/ws"

    def start(self):
        self.starts += 1
        argv = [self.server_exe, "--listen", f"{LOOPBACK}:{self.port}",
                "--data-dir", self.data_dir, "--relay-bind", LOOPBACK,
                "--relay-port", str(self.relay_port), "--relay-workers", "1",
                "--lesson-grace", str(GRACE_S)]
        self.child = self.runner._start(f"server-{self.starts}", argv)
        deadline = time.monotonic() + lessonrun.HEALTH_TIMEOUT_S
        while not lessonrun.server_is_healthy(self.port):
            self.runner.check_running(self.child)
            if time.monotonic() > deadline:
                raise lessonrun.RunError("server not healthy", self.child.log_path)
            time.sleep(lessonrun.POLL_INTERVAL_S)


def read_stats(path):
    sample = lessonrun.read_stats(path)
    return sample[1] if sample else {}


def wait_for(condition, timeout_s, runner):
    """Poll condition() until it returns a true value or the time is up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        runner.check_all_running()
        time.sleep(lessonrun.POLL_INTERVAL_S)
    return condition()


def lesson_list(args, server):
    result = run_cli(args.cli_exe, server.http_url, server.data_dir, ["--json", "lesson", "list"])
    if result.returncode != 0:
        raise lessonrun.RunError(f"lesson list failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def schedule(args, server, checks, start, next_start):
    """Register the classrooms and add the lesson and the one after it."""
    tokens = lessonrun.provision(server.http_url, server.data_dir, (LEAD,) + REMOTES)
    token_paths = {room: lessonrun.write_token_file(server.workdir, room, token)
                   for room, token in tokens.items()}

    remotes = ",".join(REMOTES)
    lesson = run_cli(args.cli_exe, server.http_url, server.data_dir, [
        "lesson", "add", "--id", "math-e2e", "--title", "分数的加法", "--subject", "数学",
        "--lead", LEAD, "--remote", remotes, "--start", iso(start),
        "--end", iso(start + datetime.timedelta(seconds=LESSON_LENGTH_S))])
    checks.check(lesson.returncode == 0, "lesson add exits 0", lesson.stderr)

    following = run_cli(args.cli_exe, server.http_url, server.data_dir, [
        "lesson", "add", "--id", "chinese-e2e", "--title", "古诗", "--subject", "语文",
        "--lead", LEAD, "--remote", remotes, "--start", iso(next_start),
        "--end", iso(next_start + datetime.timedelta(minutes=40))])
    checks.check(following.returncode == 0, "second lesson add exits 0", following.stderr)
    return token_paths


def start_agents(runner, server, token_paths, clip):
    """Start the lead and the remotes with --config only; return stats paths."""
    workdir = server.workdir
    stats = {}
    lead_config = write_agent_config(workdir, LEAD, server.ws_url, token_paths[LEAD],
                                     {"role": "lead", "auto_start": "true",
                                      "source": "file:" + clip})
    runner._start(LEAD, [runner.agent_exe, "--config", lead_config])
    stats[LEAD] = os.path.join(workdir, LEAD + ".json")
    for room in REMOTES:
        config = write_agent_config(workdir, room, server.ws_url, token_paths[room], {})
        runner._start(room, [runner.agent_exe, "--config", config])
        stats[room] = os.path.join(workdir, room + ".json")
    return stats


def check_auto_join(runner, checks, stats, start):
    """Record when each remote decodes its first frame after the start."""
    first_frame = {}

    def all_decoding():
        for room in REMOTES:
            if room not in first_frame and read_stats(stats[room]).get("video_frames_decoded", 0) > 0:
                first_frame[room] = time.time() - start.timestamp()
        return len(first_frame) == len(REMOTES)

    wait_for(all_decoding, LEAD_TIME_S + FIRST_FRAME_TIMEOUT_S, runner)
    for room in REMOTES:
        delay = first_frame.get(room)
        checks.check(delay is not None, f"{room} joined by itself and decodes video",
                     "no decoded frame")
        if delay is not None:
            # The agents write their stats once a second, so the delay seen
            # here is late by up to 1 s. first_frame_ms is the agent's own
            # measure from its subscribe to its first decoded frame.
            subscribe_to_frame = read_stats(stats[room]).get("first_frame_ms")
            print(f"[lesson] {room}: first frame seen {delay:.2f} s after the lesson's start "
                  f"(stats written every 1 s); subscribe to first frame {subscribe_to_frame} ms")
            checks.check(delay > -1.0, f"{room} decoded only after the start", f"{delay:.2f} s")

    # While the lesson plays, no remote reports the waiting screen.
    time.sleep(1.5)
    for room in REMOTES:
        screen = read_stats(stats[room]).get("screen_text")
        checks.check(screen is None, f"{room} shows no waiting screen during the lesson", screen)


def check_restart(runner, args, checks, server, stats):
    """kill -9 the server mid-lesson, start it again, wait for the remotes."""
    before = lesson_list(args, server)
    decoded = {room: read_stats(stats[room]).get("video_frames_decoded", 0) for room in REMOTES}
    subscribes = {room: read_stats(stats[room]).get("subscribes", 0) for room in REMOTES}

    server.child.kill()
    server.child.wait_exit(5.0)
    print(f"[lesson] server killed with SIGKILL ({lessonrun.describe_status(server.child.returncode)})")
    server.start()
    restarted = time.monotonic()

    after = lesson_list(args, server)
    checks.check(after == before, "lesson list --json is unchanged by the restart",
                 f"before {before}, after {after}")

    def rejoined(room):
        sample = read_stats(stats[room])
        return (sample.get("subscribes", 0) > subscribes[room]
                and sample.get("video_frames_decoded", 0) > decoded[room] + 30)

    for room in REMOTES:
        ok = wait_for(lambda: rejoined(room), REJOIN_TIMEOUT_S, runner)
        checks.check(ok, f"{room} subscribed again and decodes after the restart",
                     read_stats(stats[room]))
        if ok:
            print(f"[lesson] {room}: decoding again at most {time.monotonic() - restarted:.2f} s "
                  "after the server answered /healthz")


def check_end(runner, checks, stats, end, next_start):
    """After end + grace, every agent leaves and the screens show the next lesson."""
    wait_s = end.timestamp() + GRACE_S - time.time()
    if wait_s > 0:
        time.sleep(wait_s)

    clock = next_start.astimezone(CHINA).strftime("%H:%M")

    def left(room):
        sample = read_stats(stats[room])
        return sample.get("lesson") is None and "语文" in sample.get("screen_text", "")

    for room in REMOTES:
        ok = wait_for(lambda: left(room), END_TIMEOUT_S, runner)
        sample = read_stats(stats[room])
        checks.check(ok, f"{room} left the lesson and shows the next one",
                     sample.get("screen_text"))
        checks.check(clock in sample.get("screen_text", ""),
                     f"{room}'s screen shows the next lesson's time {clock}", sample.get("screen_text"))

    lead_left = wait_for(lambda: read_stats(stats[LEAD]).get("lesson") is None, END_TIMEOUT_S, runner)
    checks.check(lead_left, "the lead left the lesson", read_stats(stats[LEAD]))

    frozen = {room: read_stats(stats[room]).get("video_frames_decoded", 0) for room in REMOTES}
    time.sleep(1.5)
    for room in REMOTES:
        now = read_stats(stats[room]).get("video_frames_decoded", 0)
        checks.check(now == frozen[room], f"{room} decodes nothing after the end", f"{frozen[room]} -> {now}")


def scenario_lesson(args, workdir):
    checks = Checks("lesson")
    with lessonrun.Lesson(args.server_exe, args.agent_exe, args.clip, workdir) as runner:
        server = Server(runner, os.path.abspath(args.server_exe), workdir)
        server.start()

        start = datetime.datetime.now(CHINA).replace(microsecond=0) + datetime.timedelta(seconds=LEAD_TIME_S)
        end = start + datetime.timedelta(seconds=LESSON_LENGTH_S)
        next_start = (start + datetime.timedelta(hours=2)).replace(second=0)
        token_paths = schedule(args, server, checks, start, next_start)
        stats = start_agents(runner, server, token_paths, runner.clip)

        waiting = wait_for(lambda: all("数学" in read_stats(stats[room]).get("screen_text", "")
                                       for room in REMOTES), LEAD_TIME_S - 1, runner)
        checks.check(waiting, "before the start every remote's screen shows the lesson",
                     [read_stats(stats[room]).get("screen_text") for room in REMOTES])

        check_auto_join(runner, checks, stats, start)
        check_restart(runner, args, checks, server, stats)
        check_end(runner, checks, stats, end, next_start)
    return checks.failures


# ---------------------------------------------------------------------------
# Rules


def base64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_token(key, claims):
    """Sign claims with HS256 the way the server does."""
    header = base64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = base64url(json.dumps(claims).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{base64url(signature)}"


async def hello_reply(url, classroom, token):
    """Say hello; return (first reply, whether the server then closed)."""
    import websockets

    async with websockets.connect(url, subprotocols=[lessonrun.SUBPROTOCOL], open_timeout=5) as ws:
        message = {"v": 1, "type": "hello", "id": 1, "role": "remote", "classroom": classroom}
        if token is not None:
            message["token"] = token
        await ws.send(json.dumps(message))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
                if reply.get("type") == "result":
                    return reply, False
        except websockets.ConnectionClosed:
            return reply, True
        except asyncio.TimeoutError:
            return reply, False


def check_csv_and_overlap(args, checks, server):
    cli = lambda cli_args: run_cli(args.cli_exe, server.http_url, server.data_dir, cli_args)  # noqa: E731
    for room, name in (("lead-1", "主讲教室"), ("town-a", "三年级一班"), ("town-b", "三年级二班")):
        result = cli(["classroom", "add", room, "--name", name, "--school", "中心小学"])
        checks.check(result.returncode == 0 and result.stdout.strip().splitlines()[-1].count(".") == 2,
                     f"classroom add {room} prints a token", result.stderr)

    day = (datetime.datetime.now(CHINA) + datetime.timedelta(days=3)).date().isoformat()
    first = cli(["lesson", "add", "--id", "math-1", "--title", "分数", "--subject", "数学",
                 "--lead", "lead-1", "--remote", "town-a,town-b",
                 "--start", f"{day} 14:00", "--end", f"{day} 14:40"])
    checks.check(first.returncode == 0, "a lesson is added", first.stderr)

    clash = cli(["lesson", "add", "--title", "古诗", "--subject", "语文", "--lead", "lead-1",
                 "--remote", "town-b", "--start", f"{day} 14:30", "--end", f"{day} 15:10"])
    checks.check(clash.returncode == EXIT_FAILED, "an overlapping lesson exits 1", clash.returncode)
    checks.check("overlapping" in clash.stderr and "math-1" in clash.stderr,
                 "the overlap error names the other lesson", clash.stderr.strip())

    before = cli(["--json", "lesson", "list"]).stdout
    csv_path = os.path.join(server.workdir, "timetable.csv")
    with open(csv_path, "w", encoding="utf-8") as csv_file:
        csv_file.write("title,subject,lead,remotes,start,end\n"
                       f"古诗,语文,lead-1,town-a,{day} 08:00,{day} 08:40\n"
                       f"英语对话,英语,lead-1,town-z,{day} 09:00,{day} 09:40\n"
                       f"科学,科学,lead-1,town-b,{day} 10:00,{day} 10:40\n")
    bad = cli(["timetable", "import", csv_path])
    checks.check(bad.returncode == EXIT_FAILED, "a CSV with a bad row exits 1", bad.returncode)
    checks.check("line 3" in bad.stderr, "the error names line 3", bad.stderr.strip())
    after = cli(["--json", "lesson", "list"]).stdout
    checks.check(before == after, "nothing of that CSV was imported", after)

    good_path = os.path.join(server.workdir, "good.csv")
    with open(good_path, "w", encoding="utf-8") as csv_file:
        csv_file.write("title,subject,lead,remotes,start,end\n"
                       f"古诗,语文,lead-1,town-a,{day} 08:00,{day} 08:40\n")
    good = cli(["timetable", "import", good_path])
    checks.check(good.returncode == 0 and "Imported 1 lessons" in good.stdout,
                 "a valid CSV imports its row", good.stdout + good.stderr)


def check_tokens(args, checks, server):
    with open(os.path.join(server.data_dir, "jwt.key"), encoding="ascii") as key_file:
        key = bytes.fromhex(key_file.read().strip())
    now = int(time.time())
    expired_room = sign_token(key, {"iss": "shuangshi", "role": "classroom", "sub": "town-a",
                                    "iat": now - 7200, "exp": now - 60})
    expired_admin = sign_token(key, {"iss": "shuangshi", "role": "admin", "iat": now - 7200, "exp": now - 60})
    forged_admin = sign_token(b"\x42" * len(key), {"iss": "shuangshi", "role": "admin",
                                                   "iat": now, "exp": now + 3600})
    town_b = lessonrun.provision(server.http_url, server.data_dir, ["town-c"])["town-c"]

    cases = (("missing", None), ("expired", expired_room), ("forged", forged_admin),
             ("wrong-classroom", town_b))
    for name, token in cases:
        reply, closed = asyncio.run(hello_reply(server.ws_url, "town-a", token))
        checks.check(reply.get("type") == "error" and reply.get("code") == "unauthorized",
                     f"hello with a {name} token gets unauthorized", reply)
        checks.check(closed, f"the server closes the connection after a {name} token", reply)
        checks.check(token is None or token not in json.dumps(reply),
                     f"the reply to a {name} token does not echo it", reply)

    good = lessonrun.read_admin_token(server.data_dir)
    reply, closed = asyncio.run(hello_reply(server.ws_url, "town-a", good))
    checks.check(reply.get("type") == "result" and not closed, "hello with the admin token is accepted", reply)

    with open(server.child.log_path, encoding="utf-8", errors="replace") as log:
        text = log.read()
    checks.check("hello as remote rejected (unauthorized)" in text and "peer=127.0.0.1" in text,
                 "the server logs the rejected hello with the peer address", text[-500:])
    checks.check(all(token not in text for _, token in cases if token),
                 "the server log contains none of the tokens", "")

    for name, token in (("expired", expired_admin), ("forged", forged_admin), ("classroom", town_b)):
        result = run_cli(args.cli_exe, server.http_url, server.data_dir, ["lesson", "list"],
                         {"SHUANGSHI_TOKEN": token})
        checks.check(result.returncode == EXIT_AUTH, f"the admin API rejects a {name} token (exit 4)",
                     f"{result.returncode}: {result.stderr.strip()}")


def scenario_rules(args, workdir):
    checks = Checks("rules")
    with lessonrun.Lesson(args.server_exe, args.agent_exe, args.clip, workdir) as runner:
        server = Server(runner, os.path.abspath(args.server_exe), workdir)
        server.start()
        check_csv_and_overlap(args, checks, server)
        check_tokens(args, checks, server)
    return checks.failures


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("lesson", "rules"), required=True)
    parser.add_argument("--server-exe", required=True)
    parser.add_argument("--agent-exe", required=True)
    parser.add_argument("--cli-exe", required=True)
    parser.add_argument("--clip", required=True)
    return parser.parse_args()


def main():
    args = parse_args()
    for program in (args.server_exe, args.agent_exe, args.cli_exe):
        if not os.access(program, os.X_OK):
            print(f"SKIP: {program} is not built")
            return 77

    lessonrun.install_signal_handlers()
    workdir = tempfile.mkdtemp(prefix=f"ss-timetable-{args.scenario}-")
    scenario = scenario_lesson if args.scenario == "lesson" else scenario_rules
    try:
        failures = scenario(args, workdir)
    except lessonrun.RunError as error:
        print(f"[{args.scenario}] FAILED: {error}")
        if error.log_path:
            print(lessonrun.read_log_tail(error.log_path))
        failures = [str(error)]
    except lessonrun.Interrupted:
        print(f"[{args.scenario}] interrupted; logs kept in {workdir}")
        return 130

    if failures:
        print(f"[{args.scenario}] {len(failures)} checks failed; logs kept in {workdir}")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"[{args.scenario}] all checks passed")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())

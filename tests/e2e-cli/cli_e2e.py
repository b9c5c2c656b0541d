"""End-to-end tests of the technician CLI, the admin API and /metrics.

Everything runs on 127.0.0.1 with processes this script starts and stops.

errors  No server on the port: `shuangshi status` exits 3 with exactly one
        line on stderr. A running server and a wrong token: exit 4 and one
        line. A missing token file: exit 4 and one line.
lesson  A lead agent plays the sample clip and two remote agents follow.
        `shuangshi top --once --json` must show one live lesson and three
        links with media flowing; /metrics must pass `promtool check
        metrics`; a real Prometheus on loopback must scrape it with health
        "up"; `shuangshi top` in a tmux pane under LANG=zh_CN.UTF-8 must
        show the relay row and the lesson row in Chinese.
        The links' bitrates are compared with the agents' own figures
        (within 20 %) when the agents' stats files have "bitrate_bps".
        The agents do not write it yet. Until they do, the scenario ends
        with exit 77 after its other checks passed, so the gap is visible.

Exit status: 0 when every check passed, 1 when one failed, 77 (meson's
"skipped") when a program or Debian package the scenario needs is missing,
or for the incomplete bitrate check above.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import lessonrun  # noqa: E402

EXIT_SKIP = 77
EXIT_UNREACHABLE = 3
EXIT_AUTH = 4

LESSON = "cli-e2e"
REMOTES = ("remote-a", "remote-b")
FIRST_FRAME_TIMEOUT_S = 20.0
# The relay averages bitrates over about 2 s and the server asks for a
# snapshot every 2 s, so figures settle a few seconds after the first frame.
SETTLE_S = 6.0
VIEW_TIMEOUT_S = 15.0
BITRATE_TOLERANCE = 0.20
PROMETHEUS_TIMEOUT_S = 40.0
TMUX_WAIT_S = 4.0
COMMAND_TIMEOUT_S = 20.0


class Checks:
    """Collect pass/fail results, one line per condition."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.failures = []
        self.incomplete = []

    def check(self, condition, description, detail=None):
        if condition:
            print(f"[{self.scenario}] ok: {description}", flush=True)
        else:
            print(f"[{self.scenario}] FAILED: {description}" + (f" ({detail})" if detail else ""), flush=True)
            self.failures.append(description)
        return condition

    def mark_incomplete(self, description):
        print(f"[{self.scenario}] INCOMPLETE: {description}", flush=True)
        self.incomplete.append(description)

    def exit_status(self):
        if self.failures:
            return 1
        if self.incomplete:
            return EXIT_SKIP
        return 0


def run_cli(cli_exe, args, env_extra=None):
    env = dict(os.environ)
    env.pop("SHUANGSHI_TOKEN", None)
    # The CLI uses libcurl, which honours proxy variables; loopback must not
    # go through a proxy.
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(name, None)
    env.update(env_extra or {})
    return subprocess.run([cli_exe] + args, capture_output=True, text=True, env=env, timeout=COMMAND_TIMEOUT_S)


def stderr_lines(result):
    return [line for line in result.stderr.splitlines() if line.strip()]


# ---- errors -----------------------------------------------------------------


def scenario_errors(args, workdir):
    checks = Checks("errors")

    port = lessonrun.find_free_tcp_port()
    result = run_cli(args.cli_exe, ["--server", f"http://127.0.0.1:{port}", "status"],
                     {"SHUANGSHI_TOKEN": "any"})
    checks.check(result.returncode == EXIT_UNREACHABLE, "unreachable server exits 3", result.returncode)
    checks.check(len(stderr_lines(result)) == 1, "unreachable server prints one line", result.stderr)
    checks.check("cannot reach the server" in result.stderr, "the line says the server cannot be reached",
                 result.stderr)

    with lessonrun.Lesson(args.server_exe, args.agent_exe, args.clip, workdir, lesson=LESSON) as lesson:
        lesson.start_server()
        url = f"http://127.0.0.1:{lesson.port}"

        result = run_cli(args.cli_exe, ["--server", url, "status"], {"SHUANGSHI_TOKEN": "not-a-token"})
        checks.check(result.returncode == EXIT_AUTH, "wrong token exits 4", result.returncode)
        checks.check(len(stderr_lines(result)) == 1, "wrong token prints one line", result.stderr)
        checks.check("rejected the admin token" in result.stderr, "the line says the token was rejected",
                     result.stderr)
        checks.check(result.stdout == "", "wrong token prints nothing on stdout", result.stdout)

        missing = os.path.join(workdir, "no-such-token")
        result = run_cli(args.cli_exe, ["--server", url, "--token-file", missing, "status"])
        checks.check(result.returncode == EXIT_AUTH, "missing token file exits 4", result.returncode)
        checks.check(len(stderr_lines(result)) == 1, "missing token file prints one line", result.stderr)

        token_file = os.path.join(workdir, "server-data", "admin.token")
        result = run_cli(args.cli_exe, ["--server", url, "--token-file", token_file, "status"])
        checks.check(result.returncode == 0, "the server's admin token is accepted", result.stderr)

    return checks.exit_status()


# ---- lesson -----------------------------------------------------------------


def view_is_settled(view):
    """True once every remote's link has an RTT (its first receiver report
    after a sender report) and media flows on every link."""
    links = [link for link in view.get("links", []) if link.get("lesson") == LESSON]
    remotes = [link for link in links if link.get("role") == "remote"]
    return (len(links) == 3 and all(link.get("rtt_ms") is not None for link in remotes)
            and all(link.get("bitrate_in_bps", 0) + link.get("bitrate_out_bps", 0) > 0 for link in links))


def wait_for_view(cli_exe, cli_args):
    """Run top --once --json until the view settles or VIEW_TIMEOUT_S passes;
    return the last result and its parsed view."""
    deadline = time.monotonic() + VIEW_TIMEOUT_S
    while True:
        result = run_cli(cli_exe, cli_args + ["top", "--once", "--json"])
        view = json.loads(result.stdout) if result.returncode == 0 else {}
        if result.returncode != 0 or view_is_settled(view) or time.monotonic() >= deadline:
            return result, view
        time.sleep(1.0)


def check_view(checks, view, lesson, agents, sample_view):
    live = [entry for entry in view.get("lessons", []) if entry.get("live")]
    checks.check(len(live) == 1, "one live lesson", [entry.get("lesson") for entry in live])
    checks.check(live and live[0].get("lesson") == LESSON, "the live lesson is the agents' lesson")

    links = [link for link in view.get("links", []) if link.get("lesson") == LESSON]
    checks.check(len(links) == 3, "three links", [link.get("classroom") for link in links])

    by_classroom = {link.get("classroom"): link for link in links}
    lead_link = by_classroom.get(lesson.lead.classroom, {})
    checks.check(lead_link.get("role") == "lead", "the lead's link has role lead", lead_link)
    checks.check(lead_link.get("bitrate_in_bps", 0) > 100_000, "media flows in from the lead",
                 lead_link.get("bitrate_in_bps"))
    for remote in REMOTES:
        link = by_classroom.get(remote, {})
        checks.check(link.get("state") == "connected", f"{remote}'s link is connected", link.get("state"))
        checks.check(link.get("bitrate_out_bps", 0) > 100_000, f"media flows out to {remote}",
                     link.get("bitrate_out_bps"))
        checks.check(link.get("rtt_ms") is not None, f"{remote}'s link has an RTT", link.get("rtt_ms"))

    compare_bitrates(checks, agents, sample_view)


BITRATE_SAMPLES = 6


def compare_bitrates(checks, agents, sample_view):
    """Compare each link's bitrate with the agent's own figure.

    Both sides average a video stream's rate over a few seconds, but over
    windows that are neither the same length nor aligned in time, and the
    stream's rate swings from second to second with frame sizes. So each
    side is read BITRATE_SAMPLES times a second apart and the means are
    compared."""
    relay_sums = {agent.classroom: 0 for agent in agents}
    agent_sums = {agent.classroom: 0 for agent in agents}
    for _ in range(BITRATE_SAMPLES):
        view = sample_view()
        links = {link.get("classroom"): link for link in view.get("links", [])
                 if link.get("lesson") == LESSON}
        for agent in agents:
            stats = agent.stats() or {}
            if "bitrate_bps" not in stats:
                checks.mark_incomplete("bitrates against the agents' own figures: the agents' "
                                       "stats files have no bitrate_bps yet")
                return
            link = links.get(agent.classroom, {})
            relay_sums[agent.classroom] += link.get(
                "bitrate_in_bps" if agent.role == "lead" else "bitrate_out_bps", 0)
            agent_sums[agent.classroom] += stats["bitrate_bps"]
        time.sleep(1.0)

    for agent in agents:
        relay_bps = relay_sums[agent.classroom] // BITRATE_SAMPLES
        agent_bps = agent_sums[agent.classroom] // BITRATE_SAMPLES
        ratio = relay_bps / agent_bps if agent_bps else 0.0
        checks.check(abs(ratio - 1.0) <= BITRATE_TOLERANCE,
                     f"{agent.classroom}: relay bitrate within 20 % of the agent's",
                     f"relay {relay_bps} bit/s, agent {agent_bps} bit/s")


def check_promtool(checks, metrics_text):
    promtool = shutil.which("promtool")
    if promtool is None:
        checks.mark_incomplete("promtool is missing (Debian package prometheus)")
        return
    result = subprocess.run([promtool, "check", "metrics"], input=metrics_text, capture_output=True,
                            text=True, timeout=COMMAND_TIMEOUT_S)
    checks.check(result.returncode == 0, "promtool check metrics passes", result.stdout + result.stderr)
    checks.check("shuangshi_link_rtt_seconds{" in metrics_text, "/metrics has link RTT samples")


def fetch_json(url):
    with lessonrun._loopback_opener().open(url, timeout=5) as reply:
        return json.load(reply)


def scrape_with_prometheus(checks, server_port, workdir):
    """Run Prometheus on loopback until it has scraped /metrics once."""
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        checks.mark_incomplete("prometheus is missing (Debian package prometheus)")
        return

    port = lessonrun.find_free_tcp_port()
    config_path = os.path.join(workdir, "prometheus.yml")
    with open(config_path, "w") as config:
        config.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                     "scrape_configs:\n  - job_name: shuangshi\n"
                     f"    static_configs:\n      - targets: ['127.0.0.1:{server_port}']\n")

    log = open(os.path.join(workdir, "prometheus.log"), "w")
    child = subprocess.Popen([prometheus, f"--config.file={config_path}",
                              f"--storage.tsdb.path={os.path.join(workdir, 'tsdb')}",
                              f"--web.listen-address=127.0.0.1:{port}"],
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    health = None
    samples = []
    try:
        deadline = time.monotonic() + PROMETHEUS_TIMEOUT_S
        while time.monotonic() < deadline and child.poll() is None:
            try:
                targets = fetch_json(f"http://127.0.0.1:{port}/api/v1/targets")
                active = targets["data"]["activeTargets"]
                health = active[0]["health"] if active else None
                if health == "up":
                    query = fetch_json(f"http://127.0.0.1:{port}/api/v1/query?query=shuangshi_lessons_live")
                    samples = query["data"]["result"]
                    if samples:
                        break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.5)
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        log.close()

    checks.check(health == "up", "Prometheus scraped /metrics with health up", health)
    checks.check(bool(samples) and samples[0]["value"][1] == "1",
                 "Prometheus stored shuangshi_lessons_live 1", samples)


def check_tmux(checks, cli_args, cli_exe, workdir):
    tmux = shutil.which("tmux")
    if tmux is None:
        checks.mark_incomplete("tmux is missing")
        return
    available = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    if "zh_cn.utf8" not in available:
        checks.mark_incomplete("the zh_CN.UTF-8 locale is missing (localedef -i zh_CN -f UTF-8 zh_CN.UTF-8)")
        return

    # A socket of our own, so no other tmux server is touched.
    socket = os.path.join(workdir, "tmux.sock")
    command = " ".join(["env", "LANG=zh_CN.UTF-8", "LC_ALL=zh_CN.UTF-8", cli_exe] + cli_args + ["top"])
    tmux_base = [tmux, "-S", socket]
    try:
        subprocess.run(tmux_base + ["new-session", "-d", "-x", "160", "-y", "50", command], check=True,
                       timeout=COMMAND_TIMEOUT_S)
        time.sleep(TMUX_WAIT_S)
        pane = subprocess.run(tmux_base + ["capture-pane", "-p"], capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_S).stdout
        subprocess.run(tmux_base + ["send-keys", "q"], timeout=COMMAND_TIMEOUT_S)
        time.sleep(0.5)
    finally:
        subprocess.run(tmux_base + ["kill-server"], capture_output=True, timeout=COMMAND_TIMEOUT_S)

    print(pane, flush=True)
    lines = pane.splitlines()
    checks.check(any(line.strip() == "中继" for line in lines), "the relay section title is Chinese")
    checks.check(any(line.strip().startswith("内置") for line in lines), "the relay row is in Chinese")
    checks.check(any(LESSON in line and "直播中" in line for line in lines), "the lesson row is in Chinese")


def scenario_lesson(args, workdir):
    checks = Checks("lesson")
    with lessonrun.Lesson(args.server_exe, args.agent_exe, args.clip, workdir, lesson=LESSON) as lesson:
        lesson.start_server()
        lesson.start_lead()
        lesson.wait_live()
        remotes = [lesson.start_remote(name) for name in REMOTES]
        for remote in remotes:
            lesson.wait_first_frame(remote, FIRST_FRAME_TIMEOUT_S)
        time.sleep(SETTLE_S)
        lesson.check_all_running()

        token_file = os.path.join(workdir, "server-data", "admin.token")
        cli_args = ["--server", f"http://127.0.0.1:{lesson.port}", "--token-file", token_file]

        result, view = wait_for_view(args.cli_exe, cli_args)
        checks.check(result.returncode == 0, "top --once --json succeeds", result.stderr)
        def sample_view():
            sample = run_cli(args.cli_exe, cli_args + ["top", "--once", "--json"])
            return json.loads(sample.stdout) if sample.returncode == 0 else {}

        check_view(checks, view, lesson, [lesson.lead] + remotes, sample_view)

        metrics = lessonrun._loopback_opener().open(f"http://127.0.0.1:{lesson.port}/metrics",
                                                    timeout=5).read().decode()
        check_promtool(checks, metrics)
        scrape_with_prometheus(checks, lesson.port, workdir)
        check_tmux(checks, cli_args, args.cli_exe, workdir)

        lesson.check_all_running()
    return checks.exit_status()


SCENARIOS = {"errors": scenario_errors, "lesson": scenario_lesson}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), required=True)
    parser.add_argument("--server-exe", required=True)
    parser.add_argument("--agent-exe", required=True)
    parser.add_argument("--cli-exe", required=True)
    parser.add_argument("--clip", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the work directory with the logs")
    args = parser.parse_args()

    for path in (args.server_exe, args.agent_exe, args.cli_exe):
        if not os.access(path, os.X_OK):
            print(f"skipped: {path} is not built", flush=True)
            return EXIT_SKIP

    lessonrun.install_signal_handlers()
    workdir = tempfile.mkdtemp(prefix="shuangshi-cli-e2e-")
    try:
        status = SCENARIOS[args.scenario](args, workdir)
    except lessonrun.RunError as error:
        print(f"[{args.scenario}] FAILED: {error}", flush=True)
        if error.log_path:
            print(lessonrun.read_log_tail(error.log_path), flush=True)
        status = 1
    finally:
        if args.keep or os.environ.get("SHUANGSHI_KEEP_LOGS"):
            print(f"logs kept in {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Network namespace topologies for impaired-link tests.

A test script builds its own namespaces, veth pairs and addresses, runs
programs inside them and tears everything down when it ends, also on
Ctrl-C or SIGTERM. Names carry a prefix and the script's PID, so parallel
runs and other users' namespaces never collide. Only frames between these
namespaces exist: no interface is connected to the host's network.

Typical use, with ss-linkem between two end namespaces:

    import netns

    reason = netns.skip_reason()
    if reason:
        print("SKIP:", reason)
        sys.exit(77)
    with netns.Topology() as topology:
        link = topology.add_linked_pair(subnet="10.77.1")
        emulator = topology.start_linkem(link, "/path/to/ss-linkem", ["--delay", "40"])
        topology.run(link.left, ["ping", "-c", "3", link.right_address])
        counters = emulator.stop()

Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2's `ip`. Only the
Python standard library is used; run it with /usr/bin/python3.
"""

import atexit
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

DEFAULT_PREFIX = "sslk"
COMMAND_TIMEOUT_S = 10.0
LINKEM_READY_TIMEOUT_S = 5.0
LINKEM_REPORT_TIMEOUT_S = 3.0
STOP_TIMEOUT_S = 3.0

# ss-linkem logs this line on stderr once both packet sockets are bound.
LINKEM_READY_MARK = "Bridging "


class NetnsError(RuntimeError):
    """A namespace command failed; the message contains its stderr."""


def _ip(args, check=True, timeout=COMMAND_TIMEOUT_S):
    result = subprocess.run(["ip", *args], capture_output=True, text=True,
                            timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise NetnsError(f"ip {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def skip_reason():
    """Return why network namespaces cannot be used here, or None.

    The check creates and deletes one probe namespace, because `ip netns
    add` can fail even for root, for example in a container without
    CAP_SYS_ADMIN.
    """
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2's ip command not found"

    probe = f"{DEFAULT_PREFIX}{os.getpid()}-probe"
    try:
        result = _ip(["netns", "add", probe], check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"ip netns add failed: {error}"
    if result.returncode != 0:
        return f"ip netns add failed: {result.stderr.strip()}"
    _ip(["netns", "del", probe], check=False)
    return None


def remove_stale_namespaces(prefix=DEFAULT_PREFIX):
    """Delete namespaces left by earlier runs that were killed.

    Only names of the form PREFIX<pid>-<role> whose PID no longer runs are
    deleted. Returns the deleted names.
    """
    listing = _ip(["netns", "list"], check=False).stdout
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)-\S+$")
    removed = []
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        match = pattern.match(name)
        if match is None or _pid_alive(int(match.group(1))):
            continue
        if _ip(["netns", "del", name], check=False).returncode == 0:
            removed.append(name)
    return removed


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class LinkedPair:
    """Two end namespaces joined through a middle namespace.

    left_interface and right_interface are the end namespaces' veth ends.
    mid_a and mid_b are the middle namespace's, towards left and right.
    Nothing forwards between mid_a and mid_b until a bridge such as
    ss-linkem runs in the middle namespace.
    """

    left: str
    mid: str
    right: str
    left_interface: str
    right_interface: str
    mid_a: str
    mid_b: str
    left_address: str
    right_address: str
    prefix_length: int


class LinkemProcess:
    """A running ss-linkem, with access to its JSON counter reports."""

    def __init__(self, topology, process, log_path):
        self._topology = topology
        self.process = process
        self.log_path = log_path
        self._buffer = b""

    def log(self):
        """Return what ss-linkem wrote on stderr so far."""
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        stdout = self.process.stdout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([stdout], [], [], remaining)
            if not readable:
                return None
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8")

    def counters(self):
        """Ask for a report with SIGUSR1 and return it as a dict."""
        self.process.send_signal(signal.SIGUSR1)
        line = self._read_line(LINKEM_REPORT_TIMEOUT_S)
        if line is None:
            raise NetnsError("ss-linkem sent no counter report within "
                             f"{LINKEM_REPORT_TIMEOUT_S} s; its log:\n{self.log()}")
        return json.loads(line)

    def stop(self):
        """Stop ss-linkem with SIGTERM and return its final report."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        final = None
        while True:
            line = self._read_line(STOP_TIMEOUT_S)
            if line is None:
                break
            report = json.loads(line)
            if report.get("final"):
                final = report
                break
        self._topology.stop_process(self.process)
        if final is None:
            raise NetnsError("ss-linkem stopped without a final report "
                             f"(exit status {self.process.returncode}); its log:\n"
                             f"{self.log()}")
        if self.process.returncode != 0:
            raise NetnsError(f"ss-linkem exited with status {self.process.returncode}; "
                             f"its log:\n{self.log()}")
        return final


class Topology:
    """Namespaces, links and processes of one test, removed by close().

    close() runs on leaving a with block, at interpreter exit, and on
    SIGTERM (through SystemExit) and Ctrl-C (through KeyboardInterrupt).
    """

    def __init__(self, prefix=DEFAULT_PREFIX):
        self.tag = f"{prefix}{os.getpid()}"
        self.namespaces = []
        self.processes = []
        self._temp_dir = tempfile.TemporaryDirectory(prefix=f"{self.tag}-")
        self._closed = False
        atexit.register(self.close)
        # SIGTERM ends Python without running finally blocks or atexit, but
        # raising SystemExit instead runs both. A handler the script set
        # itself stays.
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _exit_on_sigterm)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def add_namespace(self, role):
        """Create namespace TAG-ROLE with its loopback up and return its name."""
        name = f"{self.tag}-{role}"
        _ip(["netns", "add", name])
        self.namespaces.append(name)
        _ip(["-n", name, "link", "set", "lo", "up"])
        return name

    def add_veth(self, namespace, interface, peer_namespace, peer_interface):
        """Create a veth pair with one end in each namespace, both down.

        GSO is limited to one segment, so TCP sends frames no larger than
        the MTU instead of 64 KB super-frames, which a packet-socket bridge
        such as ss-linkem would have to drop.
        """
        _ip(["-n", namespace, "link", "add", interface, "gso_max_segs", "1",
             "type", "veth", "peer", "name", peer_interface, "netns", peer_namespace,
             "gso_max_segs", "1"])

    def set_up(self, namespace, interface):
        _ip(["-n", namespace, "link", "set", interface, "up"])

    def add_address(self, namespace, interface, cidr):
        _ip(["-n", namespace, "address", "add", cidr, "dev", interface])

    def add_route(self, namespace, destination, via=None, device=None):
        args = ["-n", namespace, "route", "add", destination]
        if via is not None:
            args += ["via", via]
        if device is not None:
            args += ["dev", device]
        _ip(args)

    def disable_ipv6(self, namespace):
        """Turn IPv6 off in a namespace, so it sends no neighbour discovery.

        Interfaces created afterwards inherit the setting.
        """
        self.run(namespace, ["sh", "-c",
                             "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && "
                             "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"])

    def add_linked_pair(self, subnet="10.77.1", prefix_length=24):
        """Build left -- mid -- right and return a LinkedPair.

        subnet is the first three octets of an IPv4 /24 chosen by the test:
        left gets .1 and right gets .2, on one Ethernet segment once a
        bridge runs in mid. The middle namespace has no addresses and no
        IPv6, so it sends nothing of its own.
        """
        left = self.add_namespace("left")
        mid = self.add_namespace("mid")
        right = self.add_namespace("right")
        self.disable_ipv6(mid)

        pair = LinkedPair(left=left, mid=mid, right=right,
                          left_interface="eth0", right_interface="eth0",
                          mid_a="lka", mid_b="lkb",
                          left_address=f"{subnet}.1", right_address=f"{subnet}.2",
                          prefix_length=prefix_length)
        self.add_veth(left, pair.left_interface, mid, pair.mid_a)
        self.add_veth(right, pair.right_interface, mid, pair.mid_b)

        self.add_address(left, pair.left_interface, f"{pair.left_address}/{prefix_length}")
        self.add_address(right, pair.right_interface, f"{pair.right_address}/{prefix_length}")
        for namespace, interface in ((left, pair.left_interface), (mid, pair.mid_a),
                                     (mid, pair.mid_b), (right, pair.right_interface)):
            self.set_up(namespace, interface)
        return pair

    def run(self, namespace, argv, check=True, timeout=COMMAND_TIMEOUT_S, **kwargs):
        """Run argv inside namespace to completion and return the CompletedProcess."""
        result = subprocess.run(["ip", "netns", "exec", namespace, *argv],
                                capture_output=True, text=True, timeout=timeout,
                                check=False, **kwargs)
        if check and result.returncode != 0:
            raise NetnsError(f"{' '.join(argv)} in {namespace} exited with status "
                             f"{result.returncode}: {result.stderr.strip()}")
        return result

    def popen(self, namespace, argv, **kwargs):
        """Start argv inside namespace and track it for close().

        `ip netns exec` execs the command, so the Popen's PID is the
        command's. It runs in a new session, away from the terminal's
        Ctrl-C, so that close() decides when it stops.
        """
        process = subprocess.Popen(["ip", "netns", "exec", namespace, *argv],
                                   start_new_session=True, **kwargs)
        self.processes.append(process)
        return process

    def stop_process(self, process, timeout=STOP_TIMEOUT_S):
        """Stop one process this topology started: SIGTERM, then SIGKILL."""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if process in self.processes:
            self.processes.remove(process)
        return process.returncode

    def start_linkem(self, pair, linkem_path, args=()):
        """Start ss-linkem in pair.mid and return a LinkemProcess once its
        sockets are bound.

        It bridges mid_a (side A, towards left) and mid_b (side B, towards
        right), so a-to-b options impair left-to-right traffic.
        """
        log_path = os.path.join(self._temp_dir.name, f"linkem-{len(self.processes)}.log")
        with open(log_path, "wb") as log:
            process = self.popen(pair.mid, [linkem_path, "--a", pair.mid_a, "--b", pair.mid_b,
                                            *args],
                                 stdout=subprocess.PIPE, stderr=log)
        linkem = LinkemProcess(self, process, log_path)

        deadline = time.monotonic() + LINKEM_READY_TIMEOUT_S
        while LINKEM_READY_MARK not in linkem.log():
            if process.poll() is not None:
                self.stop_process(process)
                raise NetnsError(f"ss-linkem exited with status {process.returncode} "
                                 f"at start; its log:\n{linkem.log()}")
            if time.monotonic() > deadline:
                self.stop_process(process)
                raise NetnsError(f"ss-linkem was not ready within {LINKEM_READY_TIMEOUT_S} s; "
                                 f"its log:\n{linkem.log()}")
            time.sleep(0.02)
        return linkem

    def close(self):
        """Stop the tracked processes and delete the namespaces.

        Safe to call more than once; later calls do nothing.
        """
        if self._closed:
            return
        self._closed = True
        for process in list(self.processes):
            try:
                self.stop_process(process)
            except (OSError, subprocess.TimeoutExpired) as error:
                print(f"netns: stopping PID {process.pid} failed: {error}", file=sys.stderr)
        for name in reversed(self.namespaces):
            result = _ip(["netns", "del", name], check=False)
            if result.returncode != 0:
                print(f"netns: deleting namespace {name} failed: {result.stderr.strip()}",
                      file=sys.stderr)
        self.namespaces.clear()
        self._temp_dir.cleanup()


def _exit_on_sigterm(signum, frame):
    sys.exit(128 + signum)

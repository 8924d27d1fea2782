#!/usr/bin/env python3
"""soak.py — the client, the outages and the count of the no-loss soak.

    soak.py --port GM --sink-port NH --sink-dir DIR --ldap-dir DIR
            --from A[,A...] --to B[,B...] [--messages N] [--sessions S]
            [--nexthop-restarts R] [--slapd-restarts R] [--hang SECONDS]

Sends N messages, each with a unique id (X-Soak-Id and Message-ID), through
govmaild on 127.0.0.1:GM over S concurrent sessions, as an MTA would: a
session carries message after message; a 4xx or a lost connection makes
the client reconnect and send that message again (after a short back-off),
a 5xx is a refusal (counted, not retried), a 250 after the final dot means
govmaild has accepted it. Meanwhile the next hop (tests/integration/sink.py
on NH, a child of this process, writing to DIR) is killed with SIGKILL R
times and started again on the same port, and the sandbox slapd of the
ldap-sandbox directory is stopped and started again R times. Outages are
triggered by counts, not by time: outage k of E begins once k/(E+1) of
the messages have been accepted, and ends once a client has been refused
(4xx) or cut off at least once since it began; the next one waits for a
message accepted after the previous one ended.

At the end every message file at the sink is read: its id, and its bytes,
which must be exactly what the client sent after govmaild's Received:
header. Printed: sent, accepted, refused, delivered (distinct ids),
lost (accepted, never delivered), duplicated copies, of which in the
post-dot window and unexplained, corrupted copies, and a last line of
key=value pairs (soak_sent=... soak_lost=... soak_dup=...).

The post-dot window: a copy is a duplicate in the window when (1) the
client got no 250 after the final dot of an earlier attempt of that id
(a 451 or a lost connection: it had to send again), and (2) the copy was
saved by a sink process that was then killed (its pid is in the file
name): the next hop had taken the message but died before govmaild read
its 250. A duplicate failing either test is unexplained (a bug).
"""
import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SINK = os.path.join(TOP, "tests", "integration", "sink.py")
SANDBOX = os.path.join(TOP, "scripts", "ldap-sandbox")

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--sink-port", type=int, required=True)
ap.add_argument("--sink-dir", required=True)
ap.add_argument("--ldap-dir", required=True)
ap.add_argument("--from", dest="senders", required=True)
ap.add_argument("--to", dest="rcpts", required=True)
ap.add_argument("--messages", type=int, default=10000)
ap.add_argument("--sessions", type=int, default=10)
ap.add_argument("--nexthop-restarts", type=int, default=5)
ap.add_argument("--slapd-restarts", type=int, default=3)
ap.add_argument("--hang", type=float, default=600.0,
                help="hang guard (s) for one wait on an event")
args = ap.parse_args()
SENDERS = args.senders.split(",")
RCPTS = args.rcpts.split(",")
RUN = "%d.%d" % (os.getpid(), int(time.time()))


def log(msg):
    print("soak: %s" % msg, file=sys.stderr, flush=True)


# --- the messages ---------------------------------------------------------------
WORDS = ("cong van", "quyet dinh", "to trinh", "bao cao", "ke hoach", "ubnd",
         "so", "phong", "ngay", "thang", "nam", "so", "ve viec", "hau giang")


def message(i):
    """The exact bytes of message i (CRLF lines, before dot-stuffing): the
    same every time, different for every id. Most are 1-8 KB; every 50th is
    300 KB (beyond smtpd.memory_spool, so it goes through the file spool).
    Lines starting with dots, a lone dot and blank lines test the
    stuffing; the text is ASCII (the client does not declare 8BITMIME)."""
    r = random.Random(i)
    hdr = ("From: <%s>\r\nTo: <%s>\r\nSubject: soak %d\r\n"
           "Message-ID: <soak-%d.%s@soak.test>\r\nX-Soak-Id: %d\r\n"
           "Date: Mon, 07 Dec 2026 10:00:00 +0700\r\n\r\n" %
           (SENDERS[i % len(SENDERS)], RCPTS[i % len(RCPTS)], i, i, RUN, i))
    size = 300 * 1024 if i % 50 == 49 else r.randint(1024, 8192)
    lines, n = [], len(hdr)
    while n < size:
        k = r.random()
        if k < 0.03:
            ln = "."
        elif k < 0.08:
            ln = "." * r.randint(1, 3) + "dotted line %d" % r.randint(0, 99999)
        elif k < 0.12:
            ln = ""
        else:
            ln = " ".join(r.choice(WORDS) for _ in range(r.randint(1, 25)))
        lines.append(ln)
        n += len(ln) + 2
    return (hdr + "\r\n".join(lines) + "\r\n").encode("ascii")


def stuffed(body):
    out = body.replace(b"\r\n.", b"\r\n..")
    if out.startswith(b"."):
        out = b"." + out
    return out + b".\r\n"


# --- the next hop and the directory ----------------------------------------------
class Sink:
    def __init__(self):
        self.proc = None
        self.killed = set()   # pids of sink processes killed by SIGKILL
        os.makedirs(args.sink_dir, exist_ok=True)

    def start(self):
        ready = os.path.join(args.sink_dir, "ready")
        if os.path.exists(ready):
            os.unlink(ready)
        err = open(os.path.join(args.sink_dir, "sink.err"), "a")
        self.proc = subprocess.Popen([sys.executable, SINK, str(args.sink_port),
                                      args.sink_dir], stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=err)
        end = time.monotonic() + args.hang
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > end:
                sys.exit("soak: the sink did not start (see %s/sink.err)" % args.sink_dir)
            time.sleep(0.05)

    def kill(self):
        self.killed.add(self.proc.pid)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


def slapd(cmd):
    r = subprocess.run([SANDBOX, cmd, args.ldap_dir], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.exit("soak: ldap-sandbox %s failed: %s" % (cmd, r.stdout.decode(errors="replace")))


# --- the clients -----------------------------------------------------------------
lock = threading.Lock()
cond = threading.Condition(lock)
next_id = 0
accepted = {}          # id -> number of 250s after the final dot (must be 1)
refused = {}           # id -> the 5xx reply
gave_up = set()
failures = 0           # 4xx replies and lost connections, all stages
fail_dot = {}          # id -> attempts with no 250 after the final dot
stage_fail = {}        # stage -> count
ID_GIVE_UP = args.hang  # seconds one message may keep failing


class Lost(Exception):
    pass


class Session:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", args.port), timeout=args.hang)
        self.f = self.sock.makefile("rb")

    def reply(self):
        lines = []
        while True:
            ln = self.f.readline(4096)
            if not ln.endswith(b"\n"):
                raise Lost("connection lost")
            lines.append(ln)
            if len(ln) < 4 or ln[3:4] != b"-":
                break
        try:
            return int(lines[-1][:3]), b"".join(lines)
        except ValueError:
            raise Lost("bad reply %r" % lines[-1])

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def close(self):
        try:
            self.sock.sendall(b"QUIT\r\n")
            self.reply()
        except (OSError, Lost):
            pass
        self.sock.close()


def note_failure(i, stage):
    global failures
    with cond:
        failures += 1
        stage_fail[stage] = stage_fail.get(stage, 0) + 1
        if stage == "dot":
            fail_dot[i] = fail_dot.get(i, 0) + 1
        cond.notify_all()


def send_one(sess, i, data):
    """One attempt: 'ok', 'refused' (5xx) or 'retry' (sess must be dropped)."""
    stage = "connect"
    try:
        if sess.get("s") is None:
            s = Session()
            sess["s"] = s
            code, text = s.reply()
            if code != 220:
                raise Lost("greeting %d" % code)
            stage = "ehlo"
            code, text = s.cmd("EHLO soak.client")
            if code != 250:
                raise Lost("EHLO %d" % code)
        s = sess["s"]
        frm, to = SENDERS[i % len(SENDERS)], RCPTS[i % len(RCPTS)]
        for stage, line, want in (("mail", "MAIL FROM:<%s>" % frm, 250),
                                  ("rcpt", "RCPT TO:<%s>" % to, 250),
                                  ("data", "DATA", 354)):
            code, text = s.cmd(line)
            if code >= 500:
                with cond:
                    refused[i] = text.decode(errors="replace").strip()
                s.cmd("RSET")
                return "refused"
            if code != want:
                note_failure(i, stage)
                return "retry"
        stage = "dot"
        s.sock.sendall(data)
        code, text = s.reply()
        if code == 250:
            with cond:
                accepted[i] = accepted.get(i, 0) + 1
                cond.notify_all()
            return "ok"
        if code >= 500:
            with cond:
                refused[i] = text.decode(errors="replace").strip()
            return "refused"
        note_failure(i, "dot")
        return "retry"
    except (OSError, Lost):
        note_failure(i, stage)
        return "retry"


def client():
    global next_id
    sess = {"s": None}
    while True:
        with cond:
            if next_id >= args.messages:
                break
            i = next_id
            next_id += 1
        data = stuffed(message(i))
        t0, k = time.monotonic(), 0
        while True:
            r = send_one(sess, i, data)
            if r != "retry":
                break
            if sess["s"] is not None:
                sess["s"].sock.close()
                sess["s"] = None
            if time.monotonic() - t0 > ID_GIVE_UP:
                with cond:
                    gave_up.add(i)
                break
            # an MTA's back-off, shortened: the outages here are short
            time.sleep(min(0.05 * (2 ** k), 1.0))
            k += 1
    if sess["s"] is not None:
        sess["s"].close()


# --- the outages -----------------------------------------------------------------
def wait_until(pred, what):
    end = time.monotonic() + args.hang
    with cond:
        while not pred():
            if time.monotonic() > end:
                log("hang guard: no %s after %.0f s" % (what, args.hang))
                return False
            cond.wait(1.0)
    return True


def done():
    return len(accepted) + len(refused) + len(gave_up) >= args.messages


def controller(sink, plan, outages):
    E = len(plan)
    for k, kind in enumerate(plan, 1):
        mark = args.messages * k // (E + 1)
        if not wait_until(lambda: len(accepted) >= mark or done(), "progress"):
            return
        if done():
            log("all messages were sent before outage %d" % k)
            return
        with cond:
            f0 = failures
            n0 = len(accepted)
        if kind == "next hop":
            sink.kill()
        else:
            slapd("stop")
        log("outage %d/%d: %s down after %d accepted" % (k, E, kind, n0))
        wait_until(lambda: failures > f0 or done(), "refusal during the outage")
        with cond:
            seen = failures - f0
        if kind == "next hop":
            sink.start()
        else:
            slapd("start")
        with cond:
            n1 = len(accepted)
        outages.append((kind, n0, seen))
        log("outage %d/%d: %s up again (%d refusals or cut-offs meanwhile)" % (k, E, kind, seen))
        # the next outage only once mail flows again
        wait_until(lambda: len(accepted) > n1 or done(), "message after the outage")


def plan_outages(nh, ld):
    """Next-hop and slapd outages interleaved, evenly: 5 and 3 give
    nh ld nh ld nh ld nh nh."""
    plan = []
    while nh or ld:
        if nh:
            plan.append("next hop")
            nh -= 1
        if ld:
            plan.append("slapd")
            ld -= 1
    return plan


# --- counting at the sink ----------------------------------------------------------
ID_RE = re.compile(rb"^X-Soak-Id: (\d+)\r$", re.M)
RECEIVED_RE = re.compile(rb"\AReceived:[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*")


def count_sink(killed):
    copies = {}    # id -> [sink pid of each copy]
    corrupt = []
    for name in sorted(os.listdir(args.sink_dir)):
        if not name.endswith(".eml"):
            continue
        with open(os.path.join(args.sink_dir, name), "rb") as f:
            got = f.read()
        m = ID_RE.search(got)
        if not m:
            corrupt.append((name, "no X-Soak-Id"))
            continue
        i = int(m.group(1))
        copies.setdefault(i, []).append(int(name.split("-")[0]))
        # byte-exact: govmaild's Received: header, then exactly what was sent
        h = RECEIVED_RE.match(got)
        if not h or got[h.end():] != message(i):
            corrupt.append((name, "id %d differs from what was sent" % i))
    return copies, corrupt


def main():
    sink = Sink()
    sink.start()
    plan = plan_outages(args.nexthop_restarts, args.slapd_restarts)
    outages = []
    t0 = time.monotonic()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(args.sessions)]
    for t in threads:
        t.start()
    ctl = threading.Thread(target=controller, args=(sink, plan, outages), daemon=True)
    ctl.start()
    for t in threads:
        t.join()
    ctl.join(timeout=args.hang)
    secs = time.monotonic() - t0
    sink.stop()

    copies, corrupt = count_sink(sink.killed)
    acc = set(accepted)
    delivered = set(copies)
    lost = sorted(acc - delivered)
    unaccepted_delivered = sorted(delivered - acc)
    dup = dup_window = 0
    unexplained = []
    for i, pids in copies.items():
        extra = len(pids) - 1
        if extra <= 0:
            continue
        dup += extra
        in_window = min(extra, fail_dot.get(i, 0),
                        sum(1 for p in pids if p in sink.killed))
        dup_window += in_window
        if in_window < extra:
            unexplained.append(i)
    multi250 = sorted(i for i, n in accepted.items() if n > 1)
    nh_out = sum(1 for o in outages if o[0] == "next hop")
    ld_out = sum(1 for o in outages if o[0] == "slapd")

    print("no-loss soak: %d messages, %d sessions, %.0f s" % (args.messages, args.sessions, secs))
    print("  outages: next hop killed (SIGKILL) and restarted %d times, slapd stopped and "
          "restarted %d times (planned %d and %d)" % (nh_out, ld_out, args.nexthop_restarts,
                                                       args.slapd_restarts))
    for kind, n0, seen in outages:
        print("    %-8s down after %5d accepted, %d refusals/cut-offs meanwhile" % (kind, n0, seen))
    print("  sent          %6d  (unique ids)" % args.messages)
    print("  accepted      %6d  (250 after the final dot)" % len(acc))
    print("  refused       %6d  (5xx)" % len(refused))
    print("  gave up       %6d  (still 4xx after %.0f s)" % (len(gave_up), ID_GIVE_UP))
    print("  delivered     %6d  (distinct ids at the sink)" % len(delivered))
    print("  lost          %6d  (accepted, not delivered; goal 0)" % len(lost))
    print("  duplicated    %6d  (extra copies at the sink), of which in the post-dot "
          "window %d, unexplained %d" % (dup, dup_window, dup - dup_window))
    print("  corrupted     %6d  (copies not byte-exact)" % len(corrupt))
    print("  delivered but never accepted %d, accepted twice %d" %
          (len(unaccepted_delivered), len(multi250)))
    print("  retries: %s" % ", ".join("%s %d" % kv for kv in sorted(stage_fail.items())))
    for i in lost[:20]:
        print("  LOST id %d (attempts with no 250 after the dot: %d)" % (i, fail_dot.get(i, 0)))
    for i in sorted(copies):
        if len(copies[i]) > 1 and i not in unexplained:
            print("  duplicate id %d in the post-dot window: copies saved by sink pids %s "
                  "(killed: %s), attempts with no 250 after the dot: %d" %
                  (i, copies[i], ", ".join(str(p) for p in copies[i] if p in sink.killed),
                   fail_dot.get(i, 0)))
    for i in unexplained[:20]:
        print("  UNEXPLAINED duplicate id %d: copies from sink pids %s, post-dot failures %d" %
              (i, copies[i], fail_dot.get(i, 0)))
    for name, why in corrupt[:20]:
        print("  CORRUPT %s: %s" % (name, why))
    for i in sorted(refused)[:5]:
        print("  REFUSED id %d: %s" % (i, refused[i]))
    print("soak_sent=%d soak_accepted=%d soak_delivered=%d soak_lost=%d soak_dup=%d "
          "soak_dup_window=%d soak_dup_unexplained=%d soak_corrupt=%d soak_refused=%d "
          "soak_gave_up=%d soak_nexthop_restarts=%d soak_slapd_restarts=%d soak_seconds=%.0f" %
          (args.messages, len(acc), len(delivered), len(lost), dup, dup_window,
           dup - dup_window, len(corrupt), len(refused), len(gave_up), nh_out, ld_out, secs))
    sys.stdout.flush()


main()

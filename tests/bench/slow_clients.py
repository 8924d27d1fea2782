#!/usr/bin/env python3
"""slow_clients.py — normal clients next to clients that trickle a byte at a
time, and the session limit's answer to the excess (scripts/bench-slow,
tests/integration/test_slow_clients.sh).

    slow_clients.py --port P --from A --to B [--slow 200] [--normal 20]
                    [--messages 500] [--excess 20] [--interval 3]
                    [--pid GOVMAILD-PID] [--hang 600]

Three phases against govmaild on 127.0.0.1:P, whose smtpd.max_sessions
must be slow + normal:
  1. the normal clients alone: each one session sending MESSAGES messages
     of 5 KB one after another; the time of every message (MAIL to the 250
     after the final dot) and of every whole session (connect to the last
     250) is kept;
  2. the slow clients connect and each has its 220 (they hold their session
     slots), then keep sending one byte every INTERVAL seconds (EHLO, then
     NOOPs, never a complete transaction); the normal clients run again and
     are timed the same way;
  3. with the slow clients still trickling and the normal clients' sessions
     held open after their messages, EXCESS more connections are made: each
     must be answered 421 at once (not greeted, not left waiting).
Prints the figures and a key=value line. Exit 0 when every normal message
got its 250 in both phases, every slow client still had its session at
the end and every excess connection got 421; timings are figures only,
never a verdict.
"""
import argparse
import os
import socket
import statistics
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--from", dest="sender", required=True)
ap.add_argument("--to", dest="rcpt", required=True)
ap.add_argument("--slow", type=int, default=200)
ap.add_argument("--normal", type=int, default=20)
ap.add_argument("--messages", type=int, default=500)
ap.add_argument("--excess", type=int, default=20)
ap.add_argument("--interval", type=float, default=3.0)
ap.add_argument("--pid", type=int, default=0)
ap.add_argument("--hang", type=float, default=600.0)
args = ap.parse_args()

BODY = ("From: <%s>\r\nTo: <%s>\r\nSubject: normal client\r\n\r\n" % (args.sender, args.rcpt)
        + "".join("line %04d of a 5 KB message, normal client text...........\r\n" % i
                  for i in range(80))).encode() + b".\r\n"


class Conn:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", args.port), timeout=args.hang)
        self.f = self.sock.makefile("rb")

    def reply(self):
        while True:
            ln = self.f.readline(4096)
            if not ln.endswith(b"\n"):
                return 0, b"(connection closed)"
            if len(ln) < 4 or ln[3:4] != b"-":
                return int(ln[:3]), ln.strip()

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()


greet = []   # seconds from connect to 220 of the normal clients' sessions


retried = []  # connections refused (421) while slots were still free


def greeted():
    """A connection that has its 220. The session count lags the close of a
    session that ended (govmaild counts it down after closing the socket),
    so a 421 while slots should be free is retried, and counted."""
    end = time.monotonic() + args.hang
    while True:
        c = Conn()
        code, text = c.reply()
        if code == 220 or code != 421 or time.monotonic() > end:
            return c, code
        c.sock.close()
        retried.append(1)
        time.sleep(0.05)


def normal_client(res, hold):
    """One session of args.messages messages; res gets (session_s, [msg_s],
    ok). With hold (an Event), QUIT waits for it."""
    t0 = time.monotonic()
    times, ok = [], 0
    try:
        c, code = greeted()
        if code != 220:
            res.append((time.monotonic() - t0, times, ok, "no greeting"))
            return
        greet.append(time.monotonic() - t0)
        if c.cmd("EHLO normal.client")[0] != 250:
            res.append((time.monotonic() - t0, times, ok, "no EHLO"))
            return
        for _ in range(args.messages):
            m0 = time.monotonic()
            if c.cmd("MAIL FROM:<%s>" % args.sender)[0] != 250:
                break
            if c.cmd("RCPT TO:<%s>" % args.rcpt)[0] != 250:
                break
            if c.cmd("DATA")[0] != 354:
                break
            c.sock.sendall(BODY)
            if c.reply()[0] != 250:
                break
            times.append(time.monotonic() - m0)
            ok += 1
        res.append((time.monotonic() - t0, times, ok, ""))
        if hold is not None:
            hold.wait(args.hang)
        c.cmd("QUIT")
        c.sock.close()
    except OSError as e:
        res.append((time.monotonic() - t0, times, ok, str(e)))


def run_normal(hold=None):
    res, threads = [], []
    for _ in range(args.normal):
        t = threading.Thread(target=normal_client, args=(res, hold))
        t.start()
        threads.append(t)
    return res, threads


def wait_results(res, n):
    end = time.monotonic() + args.hang
    while len(res) < n and time.monotonic() < end:
        time.sleep(0.05)


def figures(res, g):
    msgs = sorted(t for r in res for t in r[1])
    sess = sorted(r[0] for r in res)
    ok = sum(r[2] for r in res)

    def pct(xs, p):
        return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))] * 1000 if xs else -1
    return {"p50": pct(msgs, 50), "p99": pct(msgs, 99), "max": pct(msgs, 100),
            "sess_p50": pct(sess, 50) / 1000, "sess_max": pct(sess, 100) / 1000, "ok": ok,
            "greet_max": pct(sorted(g), 100)}


def rss_mb():
    if not args.pid:
        return -1
    try:
        with open("/proc/%d/status" % args.pid) as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1]) / 1024
    except OSError:
        pass
    return -1


class Slow:
    """The trickling clients, all in one thread: each gets one byte every
    interval; what govmaild answers is read and counted, not waited for."""
    SCRIPT = b"EHLO slow.client\r\n" + b"NOOP\r\n" * 1000

    def __init__(self):
        self.conns, self.greeted, self.closed = [], 0, 0
        self.stop = threading.Event()

    def connect(self):
        for _ in range(args.slow):   # every one has its session (its 220)
            c, code = greeted()
            if code == 220:
                self.greeted += 1
            c.sock.setblocking(False)
            self.conns.append([c.sock, 0, c])

    def run(self):
        while not self.stop.wait(args.interval):
            for c in self.conns:
                if c[0] is None:
                    continue
                try:
                    while True:
                        d = c[0].recv(4096)
                        if not d:
                            raise OSError("closed")
                except BlockingIOError:
                    pass
                except OSError:
                    c[0].close()
                    c[0] = None
                    self.closed += 1
                    continue
                try:
                    c[0].send(self.SCRIPT[c[1]:c[1] + 1])
                    c[1] += 1
                except OSError:
                    c[0].close()
                    c[0] = None
                    self.closed += 1

    def alive(self):
        return sum(1 for c in self.conns if c[0] is not None)

    def close(self):
        self.stop.set()
        for c in self.conns:
            if c[0] is not None:
                c[0].close()


def excess():
    """EXCESS connections beyond the limit: (answers, seconds to each)."""
    out = []
    for _ in range(args.excess):
        t0 = time.monotonic()
        try:
            c = Conn()
            code, text = c.reply()
            c.sock.close()
        except OSError as e:
            code, text = 0, str(e).encode()
        out.append((code, text, time.monotonic() - t0))
    return out


def main():
    # 1. the normal clients alone
    res, threads = run_normal()
    for t in threads:
        t.join()
    base = figures(res, greet)
    del greet[:]
    rss0 = rss_mb()

    # 2. the slow clients hold their sessions; the normal clients again
    slow = Slow()
    t_conn = time.monotonic()
    slow.connect()
    t_conn = time.monotonic() - t_conn
    trickle = threading.Thread(target=slow.run, daemon=True)
    trickle.start()
    hold = threading.Event()
    res2, threads2 = run_normal(hold)
    wait_results(res2, args.normal)
    loaded = figures(res2, greet)
    rss1 = rss_mb()

    # 3. every slot is taken: the excess is told 421
    ex = excess()
    hold.set()
    for t in threads2:
        t.join()
    alive = slow.alive()
    slow.close()

    n421 = sum(1 for e in ex if e[0] == 421)
    ex_t = sorted(e[2] * 1000 for e in ex)
    total = args.normal * args.messages
    print("slow clients: %d trickling one byte every %g s, %d normal clients x %d messages "
          "of 5 KB, smtpd.max_sessions = %d" % (args.slow, args.interval, args.normal,
                                                 args.messages, args.slow + args.normal))
    print("  %-24s %9s %8s %8s %8s %12s %12s %9s" % ("", "220 max", "msg p50", "msg p99",
                                                   "msg max", "session p50", "session max",
                                                   "accepted"))
    for name, f in (("normal clients alone", base), ("with the slow clients", loaded)):
        print("  %-24s %7.1fms %6.1fms %6.1fms %6.1fms %11.2fs %11.2fs %5d/%d" %
              (name, f["greet_max"], f["p50"], f["p99"], f["max"], f["sess_p50"], f["sess_max"],
               f["ok"], total))
    print("  the %d slow clients connected and greeted in %.2f s (%d greeted); still "
          "connected at the end: %d" % (args.slow, t_conn, slow.greeted, alive))
    print("  %d connections beyond the limit: %d answered 421 (in %.1f ms median, %.1f ms "
          "at most), %d otherwise%s" %
          (args.excess, n421, ex_t[len(ex_t) // 2] if ex_t else -1, ex_t[-1] if ex_t else -1,
           args.excess - n421,
           (": " + ex[[e[0] for e in ex].index(next(c for c in [e[0] for e in ex] if c != 421))][1]
            .decode(errors="replace")) if n421 < args.excess else ""))
    if retried:
        print("  (%d connections refused with 421 just after sessions ended, and retried)" %
              len(retried))
    if rss0 >= 0:
        print("  govmaild RSS: %.1f MB after the normal clients, %.1f MB with %d sessions held" %
              (rss0, rss1, args.slow + args.normal))
    ratio = loaded["p99"] / base["p99"] if base["p99"] > 0 else -1
    print("slow_base_p50_ms=%.1f slow_base_p99_ms=%.1f slow_loaded_p50_ms=%.1f "
          "slow_loaded_p99_ms=%.1f slow_p99_ratio=%.2f slow_normal_ok=%d/%d slow_held=%d/%d "
          "slow_excess_421=%d/%d" %
          (base["p50"], base["p99"], loaded["p50"], loaded["p99"], ratio,
           base["ok"] + loaded["ok"], 2 * total, alive, args.slow, n421, args.excess))
    good = (base["ok"] == total and loaded["ok"] == total and alive == args.slow
            and slow.greeted == args.slow and n421 == args.excess)
    sys.stdout.flush()
    os._exit(0 if good else 1)


main()

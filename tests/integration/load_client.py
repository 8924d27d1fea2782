#!/usr/bin/env python3
"""load_client.py — many messages through govmaild, each with its own id,
with the outcome of every one recorded (for the failover tests).

    load_client.py OUT --ports P[,P2...] --count N [--sessions K]
                   --sender ADDR [--bad-sender ADDR --bad-every M]
                   --rcpt ADDR [--retry] [--first ID]

Message i (i = first .. first+N-1) carries "Message-ID: <load-i@test>" and
"Subject: load i". It is sent from --bad-sender when i % M == 0 (a sender
the policy must refuse), else from --sender. K threads each keep one SMTP
session on 127.0.0.1 and send their share one transaction at a time.

Without --retry each message is tried once and its outcome written to OUT
as "i sender code" (code: the final reply code of the transaction, or
"conn" when the connection failed before a final reply, or "lostdot" when
it failed after the final dot was sent, before the reply: the one window
where the server may have taken the message without the client knowing).
With --retry a message that got 4xx or a connection failure is sent again,
on the next port of the list after a connection failure, as an MTA with
several MX hosts does, until it gets 2xx or 5xx; OUT then has one line per
attempt, the last one final. Exits 0 once every message has its line.
"""
import argparse
import socket
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--ports", required=True)
ap.add_argument("--count", type=int, required=True)
ap.add_argument("--sessions", type=int, default=10)
ap.add_argument("--sender", required=True)
ap.add_argument("--bad-sender", default="")
ap.add_argument("--bad-every", type=int, default=0)
ap.add_argument("--rcpt", required=True)
ap.add_argument("--retry", action="store_true")
ap.add_argument("--first", type=int, default=1)
ap.add_argument("--timeout", type=float, default=300.0)   # hang guard per reply
args = ap.parse_args()
PORTS = [int(p) for p in args.ports.split(",")]

lock = threading.Lock()
out = open(args.out, "a", buffering=1)


def record(i, sender, code):
    with lock:
        out.write("%d %s %s\n" % (i, sender, code))


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=args.timeout)
        self.f = self.s.makefile("rb")
        self.reply()                       # greeting
        self.cmd("EHLO load.test")

    def reply(self):
        code = None
        while True:
            line = self.f.readline()
            if not line:
                raise ConnectionError("closed")
            code = line[:3].decode()
            if line[3:4] != b"-":
                return code

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()

    def close(self):
        try:
            self.s.sendall(b"QUIT\r\n")
        except OSError:
            pass
        self.s.close()


def send_one(conn, i, sender):
    """The final code of one transaction; raises ConnectionError (with
    .after_dot set) when the connection fails."""
    stage = "before"
    try:
        c = conn.cmd("MAIL FROM:<%s>" % sender)
        if c != "250":
            conn.cmd("RSET")
            return c
        c = conn.cmd("RCPT TO:<%s>" % args.rcpt)
        if c not in ("250", "251"):
            conn.cmd("RSET")
            return c
        c = conn.cmd("DATA")
        if c != "354":
            return c
        body = ("From: <%s>\r\nTo: <%s>\r\nSubject: load %d\r\n"
                "Message-ID: <load-%d@test>\r\n\r\nmessage %d\r\n.\r\n") % (
                    sender, args.rcpt, i, i, i)
        conn.s.sendall(body.encode())
        stage = "after"
        return conn.reply()
    except (OSError, ConnectionError) as e:
        err = ConnectionError(str(e))
        err.after_dot = stage == "after"
        raise err


def worker(ids):
    conn, port_ix = None, 0
    for i in ids:
        sender = (args.bad_sender if args.bad_every and i % args.bad_every == 0
                  else args.sender)
        while True:
            try:
                if conn is None:
                    conn = Conn(PORTS[port_ix])
                code = send_one(conn, i, sender)
            except (OSError, ConnectionError) as e:
                code = "lostdot" if getattr(e, "after_dot", False) else "conn"
                if conn is not None:
                    try:
                        conn.s.close()
                    except OSError:
                        pass
                conn = None
                port_ix = (port_ix + 1) % len(PORTS)
            record(i, sender, code)
            if code == "421" and conn is not None:   # the server ends the session
                conn.s.close()
                conn = None
            if not args.retry or code[0] in "25":
                break
            time.sleep(0.05)                          # an MTA's retry, quickened
    if conn is not None:
        conn.close()


ids = list(range(args.first, args.first + args.count))
threads = [threading.Thread(target=worker, args=(ids[k::args.sessions],))
           for k in range(args.sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join()
out.close()
sys.exit(0)

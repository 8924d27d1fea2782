#!/usr/bin/env python3
"""smtp_lines.py PORT [--escapes] [--data FILE] LINE... — one SMTP dialogue.

Prints the greeting, then sends each LINE after the previous reply and
prints its reply (multi-line replies joined by " | ", EOF when the server
closed). By default CRLF is appended to each LINE; with --escapes a LINE is
sent as written with backslash escapes interpreted (\\r\\n included), and a
LINE that pipelines more after "STARTTLS\\r\\n" gets a second reply read.
With --data FILE, after the lines the file is sent dot-stuffed and ended
with CRLF.CRLF, its reply printed, then QUIT is sent. After a 221 reply the
connection is read until the server closes it, so that when this program
ends the server is done with the session. Replies are awaited up to 120 s
(a hang guard)."""
import socket
import sys

args = sys.argv[1:]
port = int(args.pop(0))
escapes, data = False, None
while args and args[0].startswith("--"):
    opt = args.pop(0)
    if opt == "--escapes":
        escapes = True
    elif opt == "--data":
        data = args.pop(0)

s = socket.create_connection(("127.0.0.1", port), timeout=120)
f = s.makefile("rb")


def until_closed(r):
    """After 221 the server closes: wait for it (quietly)."""
    if r.startswith("221"):
        try:
            while f.read(4096):
                pass
        except OSError:
            pass


def reply():
    out = []
    while True:
        line = f.readline()
        if not line:
            return " | ".join(out + ["EOF"])
        line = line.rstrip(b"\r\n").decode("latin-1")
        out.append(line)
        if len(line) < 4 or line[3] != "-":
            return " | ".join(out)


print(reply(), flush=True)
for cmd in args:
    if escapes:
        s.sendall(cmd.encode().decode("unicode_escape").encode("latin-1"))
    else:
        s.sendall(cmd.encode() + b"\r\n")
    r = reply()
    print(r, flush=True)
    until_closed(r)
    if escapes and cmd.startswith("STARTTLS\\r\\n") and len(cmd) > len("STARTTLS\\r\\n"):
        print(reply(), flush=True)
if data is not None:
    lines = open(data, "rb").read().split(b"\r\n")
    body = b"\r\n".join(b"." + l if l.startswith(b".") else l for l in lines)
    s.sendall(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    print(reply(), flush=True)
    s.sendall(b"QUIT\r\n")
    until_closed(reply())

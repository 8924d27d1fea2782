#!/usr/bin/env python3
"""chat.py PORT < script — S text (escapes interpreted), R read a reply,
W secs (wait; if the server speaks meanwhile, its reply is read and printed
as by R, and the wait ends), D n secs (drip the next S one byte per secs,
stop if the server speaks), U file (wait until the file exists: the test
says when to go on), F file (send raw), E read until EOF. Replies print as
one line, multi-line replies joined by " | "; EOF when the server closed,
TIMEOUT when nothing came within the hang guard (120 s: a verdict never
rests on it). A drip prints "[drip: stopped by the server after I of N
bytes]" if the server spoke first, else "[drip: all N bytes sent]". Once
the server has closed, W and U no longer wait.

A server that closes while bytes it has not read are on their way resets
the connection, and the client may then lose the reply sent just before
(a TCP property): a script stays silent around the moment a server timer
is due, and reads (R, W, E) rather than sends once the server has spoken."""
import os, select, socket, sys, time
HANG = 120
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=HANG)
buf, drip, closed = b"", None, False
def reply():
    global buf, closed
    lines = []
    while True:
        while b"\n" not in buf:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                return " | ".join(lines + ["TIMEOUT"])
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                closed = True
                return " | ".join(lines + ["EOF"])
            buf += chunk
        line, _, buf = buf.partition(b"\n")
        line = line.rstrip(b"\r").decode("latin-1")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return " | ".join(lines)
for raw in sys.stdin.read().split("\n"):
    if not raw.strip() or raw.startswith("#"):
        continue
    op, _, arg = raw.partition(" ")
    try:
        if op == "S":
            data = arg.encode("latin-1").decode("unicode_escape").encode("latin-1")
            if drip:
                (n, secs), drip, i = drip, None, 0
                n = min(n, len(data))
                while i < n:
                    if select.select([sock], [], [], 0)[0]:
                        data = b""
                        break
                    sock.sendall(data[i:i + 1])
                    i += 1
                    time.sleep(secs)
                if data:
                    print("[drip: all %d bytes sent]" % n, flush=True)
                else:
                    print("[drip: stopped by the server after %d of %d bytes]" % (i, n),
                          flush=True)
                data = data[i:] if data else b""
            sock.sendall(data)
        elif op == "F":
            sock.sendall(open(arg, "rb").read())
        elif op == "R":
            print(reply(), flush=True)
        elif op == "W":
            end = time.monotonic() + float(arg)
            while not closed:
                left = end - time.monotonic()
                if b"\n" not in buf and (left <= 0 or
                                         not select.select([sock], [], [], left)[0]):
                    break
                print(reply(), flush=True)
                break
        elif op == "U":
            end = time.monotonic() + HANG
            while not closed and not os.path.exists(arg) and time.monotonic() < end:
                time.sleep(0.05)
        elif op == "D":
            n, secs = arg.split()
            drip = (int(n), float(secs))
        elif op == "E":
            while True:
                r = reply()
                print(r, flush=True)
                if r.endswith("EOF") or r.endswith("TIMEOUT"):
                    break
    except (BrokenPipeError, ConnectionResetError):
        print("EOF", flush=True)
        break

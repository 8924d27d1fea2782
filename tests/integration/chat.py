#!/usr/bin/env python3
"""chat.py PORT < script — S text (escapes interpreted), R read a reply,
W secs, D n secs (drip the next S one byte per secs, stop if the server
speaks), F file (send raw), E read until EOF. Replies print as one line,
multi-line replies joined by " | "; TIMEOUT or EOF when nothing came."""
import select, socket, sys, time
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
buf, drip = b"", None
def reply():
    global buf
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
                while i < min(n, len(data)):
                    if select.select([sock], [], [], 0)[0]:
                        data = b""
                        break
                    sock.sendall(data[i:i + 1])
                    i += 1
                    time.sleep(secs)
                data = data[i:] if data else b""
            sock.sendall(data)
        elif op == "F":
            sock.sendall(open(arg, "rb").read())
        elif op == "R":
            print(reply(), flush=True)
        elif op == "W":
            time.sleep(float(arg))
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

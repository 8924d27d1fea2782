#!/usr/bin/env python3
"""relay_load.py — SMTP load with a sender and a recipient drawn at random
for every message from a list of addresses, for scripts/bench-scale
(Postfix's smtp-source sends every message from the same two addresses, so
it would only ever exercise two cache entries).

    relay_load.py PORT ADDRESSES MESSAGES SESSIONS SEED [SIZE]

SESSIONS connections, each EHLO once and then MAIL/RCPT/DATA per message,
SIZE bytes of body (default 5120). The sequence of (sender, recipient)
pairs depends only on SEED and the address list, so a second run with the
same seed asks govmaild for the same accounts again (a warm cache). Prints
one line: "sent=N accepted=A refused=R seconds=S rate=MSG_PER_S".
A benchmark helper, not a test: it asserts nothing.
"""
import random
import socket
import sys
import threading
import time


def reply(f):
    """One SMTP reply (all its lines): the code as an int."""
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("connection closed")
        if line[3:4] != b"-":
            return int(line[:3])


def session(port, pairs, body, out):
    acc = ref = 0
    s = socket.create_connection(("127.0.0.1", port), timeout=300)
    f = s.makefile("rb")
    try:
        reply(f)
        s.sendall(b"EHLO load.bench\r\n")
        reply(f)
        for snd, rcp in pairs:
            s.sendall(b"MAIL FROM:<%s>\r\n" % snd)
            if reply(f) != 250:
                ref += 1
                s.sendall(b"RSET\r\n")
                reply(f)
                continue
            s.sendall(b"RCPT TO:<%s>\r\n" % rcp)
            if reply(f) != 250:
                ref += 1
                s.sendall(b"RSET\r\n")
                reply(f)
                continue
            s.sendall(b"DATA\r\n")
            if reply(f) != 354:
                ref += 1
                s.sendall(b"RSET\r\n")
                reply(f)
                continue
            s.sendall(b"From: <%s>\r\nTo: <%s>\r\n%s" % (snd, rcp, body))
            if reply(f) == 250:
                acc += 1
            else:
                ref += 1
        s.sendall(b"QUIT\r\n")
        reply(f)
    finally:
        s.close()
    out.append((acc, ref))


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit("usage: relay_load.py PORT ADDRESSES MESSAGES SESSIONS SEED [SIZE]")
    port, path = int(sys.argv[1]), sys.argv[2]
    msgs, nsess, seed = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    size = int(sys.argv[6]) if len(sys.argv) == 7 else 5120
    with open(path, "rb") as f:
        addrs = [a.strip() for a in f if a.strip()]
    rnd = random.Random(seed)
    pairs = [(rnd.choice(addrs), rnd.choice(addrs)) for _ in range(msgs)]
    line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiu\r\n"
    text = line * (size // len(line) + 1)
    body = (b"Subject: bench-scale\r\nMessage-ID: <%d@load.bench>\r\n\r\n" % seed +
            text[:size] + b"\r\n.\r\n")
    out, threads = [], []
    t0 = time.monotonic()
    for i in range(nsess):
        t = threading.Thread(target=session, args=(port, pairs[i::nsess], body, out))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    acc = sum(a for a, _ in out)
    ref = sum(r for _, r in out)
    print("sent=%d accepted=%d refused=%d seconds=%.2f rate=%.1f" %
          (msgs, acc, ref, secs, acc / secs if secs > 0 else 0))


if __name__ == "__main__":
    main()

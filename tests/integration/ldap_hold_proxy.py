#!/usr/bin/env python3
"""ldap_hold_proxy.py — a TCP proxy in front of a plain-LDAP slapd for the
tests: it passes everything through, except that while the file HOLD
exists the first write request (add, modify, delete, modify DN) of a
connection is held back — never sent to the server — and that connection
then stays silent both ways until the client closes it. For the client
the directory stops answering in the middle of a request, after its reads
succeeded; the server never sees the write, so anything found written
later was written by someone else. When HOLD contains "answer", the write
is sent and its answer is what is held back: the change is made, the
client never learns it. When HOLD contains "delay", the write waits until
HOLD is removed, then goes on as usual (so that the test can change the
entry in between). A line "pass:TEXT" in HOLD lets every write whose
encoded request contains TEXT (e.g. a DN part) through as usual, so the
write held is a later one (logged "passed OP").

  ldap_hold_proxy.py LISTEN-PORT UPSTREAM-PORT HOLD-FILE LOG-FILE

Writes "listening" to LOG-FILE when ready, and "held OP", "held the
answer to OP" or "delayed OP" for each request so treated. Standard library only.
"""
import os
import socket
import sys
import threading
import time

WRITE_OPS = {0x66: "modify", 0x68: "add", 0x4a: "delete", 0x6c: "moddn"}


def log(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def ber_length(buf, i):
    """(length, index after it), or None when buf is too short."""
    if i >= len(buf):
        return None
    first = buf[i]
    if first < 0x80:
        return first, i + 1
    n = first & 0x7f
    if i + 1 + n > len(buf):
        return None
    return int.from_bytes(buf[i + 1:i + 1 + n], "big"), i + 1 + n


def next_message(buf):
    """(message bytes, rest) for the first whole LDAPMessage, or None."""
    if not buf:
        return None
    got = ber_length(buf, 1)
    if got is None:
        return None
    length, start = got
    if len(buf) < start + length:
        return None
    return buf[:start + length], buf[start + length:]


def op_tag(msg):
    """The protocolOp tag: after SEQUENCE's header and the messageID."""
    _, i = ber_length(msg, 1)
    got = ber_length(msg, i + 1)   # messageID INTEGER
    if got is None:
        return None
    idlen, j = got
    j += idlen
    return msg[j] if j < len(msg) else None


class Conn:
    def __init__(self, client, upstream, hold, logpath):
        self.c, self.u = client, upstream
        self.hold, self.logpath = hold, logpath
        self.frozen = False

    def up(self):
        buf = b""
        try:
            while True:
                data = self.c.recv(65536)
                if not data:
                    break
                if self.frozen:
                    continue
                buf += data
                while True:
                    got = next_message(buf)
                    if got is None:
                        break
                    msg, buf = got
                    tag = op_tag(msg)
                    if tag in WRITE_OPS and os.path.exists(self.hold):
                        with open(self.hold) as f:
                            mode = f.read()
                        passes = [ln[5:].encode() for ln in mode.splitlines()
                                  if ln.startswith("pass:") and len(ln) > 5]
                        if any(p in msg for p in passes):
                            log(self.logpath, "passed " + WRITE_OPS[tag])
                            self.u.sendall(msg)
                            continue
                        if "delay" in mode:
                            log(self.logpath, "delayed " + WRITE_OPS[tag])
                            while os.path.exists(self.hold):
                                time.sleep(0.05)
                            self.u.sendall(msg)
                            continue
                        answer = "answer" in mode
                        # silent first: the answer must not slip through
                        self.frozen = True
                        if answer:
                            self.u.sendall(msg)
                        log(self.logpath, ("held the answer to " if answer else "held ")
                            + WRITE_OPS[tag])
                        break
                    self.u.sendall(msg)
                if self.frozen:
                    buf = b""
        except OSError:
            pass
        for s in (self.u, self.c):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def down(self):
        try:
            while True:
                data = self.u.recv(65536)
                if not data:
                    break
                if not self.frozen:
                    self.c.sendall(data)
        except OSError:
            pass
        try:
            self.c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    port, upstream, hold, logpath = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    log(logpath, "listening")
    while True:
        c, _ = ls.accept()
        try:
            u = socket.create_connection(("127.0.0.1", upstream))
        except OSError:
            c.close()
            continue
        k = Conn(c, u, hold, logpath)
        threading.Thread(target=k.up, daemon=True).start()
        threading.Thread(target=k.down, daemon=True).start()


if __name__ == "__main__":
    main()

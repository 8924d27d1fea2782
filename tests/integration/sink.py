#!/usr/bin/env python3
"""sink.py — a capturing SMTP server for govmaild's tests (the next hop).

    sink.py PORT DIR [--xforward] [--tls CERT KEY] [--no-8bitmime]

Accepts SMTP on 127.0.0.1:PORT. Every message accepted is written to DIR
as N.eml (content, dot-unstuffed), N.raw (the DATA bytes exactly as they
came over the wire, stuffing included) and N.env (JSON: helo, mail, rcpts,
xforward, tls, flags), written to a temporary name and renamed, so counting
*.env is exact; then DIR/last names the newest N (file times can tie).

Behaviour for one test is changed without restarting, through files in DIR:
    reply.greeting                       a reply line sent instead of 220,
                                         then the connection is closed
    reply.mail, reply.rcpt, reply.data   a full reply line ("451 4.3.0 busy")
                                         used instead of 250 for that stage
    delay.data                           the final reply to a message waits
                                         until the client gives up (closes
                                         or sends anything), at most this
                                         many seconds; a client that gave up
                                         gets nothing saved, and a line is
                                         added to DIR/abandoned.log
    drop.reused                          a connection that has already
                                         carried a message is closed at its
                                         next XFORWARD or MAIL (after sending
                                         the file's reply line, if any), as a
                                         next hop dropping an idle client
and by recipients: local part "tempfail..." gets 451 4.2.0, "reject..."
gets 550 5.1.1. After its 221 to QUIT the sink reads until the client
closes and adds a line to DIR/quit.log: "clean" (closed after the 221),
"early" (had closed before it was sent) or "reset". --no-8bitmime: EHLO
does not offer 8BITMIME. The sink itself is strict: only CRLF.CRLF ends DATA, and
bare CR/LF seen in DATA are recorded in the flags of N.env.
"""
import asyncio
import itertools
import json
import os
import socket
import ssl
import sys

PORT = int(sys.argv[1])
DIR = sys.argv[2]
XFORWARD = "--xforward" in sys.argv
EIGHTBIT = "--no-8bitmime" not in sys.argv
TLS = None
if "--tls" in sys.argv:
    i = sys.argv.index("--tls")
    TLS = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    TLS.load_cert_chain(sys.argv[i + 1], sys.argv[i + 2])
counter = itertools.count(1)


def control(name):
    try:
        with open(os.path.join(DIR, name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def save(env, raw, content):
    # the pid keeps names unique across restarts of the sink
    base = os.path.join(DIR, "%d-%d" % (os.getpid(), next(counter)))
    for ext, data in ((".raw", raw), (".eml", content)):
        with open(base + ext + ".tmp", "wb") as f:
            f.write(data)
        os.rename(base + ext + ".tmp", base + ext)
    with open(base + ".env.tmp", "w") as f:
        json.dump(env, f)
    os.rename(base + ".env.tmp", base + ".env")
    with open(os.path.join(DIR, "last.tmp"), "w") as f:
        f.write(os.path.basename(base) + "\n")
    os.rename(os.path.join(DIR, "last.tmp"), os.path.join(DIR, "last"))
    return os.path.basename(base)


async def handle(reader, writer):
    async def send(line):
        writer.write(line.encode() + b"\r\n")
        await writer.drain()

    env = {"helo": None, "mail": None, "rcpts": [], "xforward": {}, "tls": False}
    messages = 0
    r = control("reply.greeting")
    if r:
        await send(r)
        writer.close()
        return
    await send("220 sink.test ESMTP test sink")
    try:
        while True:
            line = await reader.readuntil(b"\n")
            cmd = line.rstrip(b"\r\n").decode("latin-1")
            verb = cmd.split(" ")[0].upper()
            with open(os.path.join(DIR, "commands.log"), "a") as f:
                f.write(cmd + "\n")
            if verb in ("XFORWARD", "MAIL") and messages > 0 and \
                    os.path.exists(os.path.join(DIR, "drop.reused")):
                r = control("drop.reused")
                if r:
                    await send(r)
                break
            if verb == "EHLO":
                env["helo"] = cmd[5:]
                ext = ["sink.test", "PIPELINING", "SIZE 104857600"] + \
                      (["8BITMIME"] if EIGHTBIT else []) + ["ENHANCEDSTATUSCODES"]
                if XFORWARD:
                    ext.append("XFORWARD NAME ADDR PROTO HELO")
                if TLS and not env["tls"]:
                    ext.append("STARTTLS")
                for i, e in enumerate(ext):
                    await send("250%s%s" % ("-" if i < len(ext) - 1 else " ", e))
            elif verb == "HELO":
                env["helo"] = cmd[5:]
                await send("250 sink.test")
            elif verb == "STARTTLS" and TLS and not env["tls"]:
                await send("220 2.0.0 Ready to start TLS")
                await writer.start_tls(TLS)
                env["tls"] = True
            elif verb == "XFORWARD":
                for kv in cmd.split(" ")[1:]:
                    k, _, v = kv.partition("=")
                    env["xforward"][k] = v
                await send("250 2.0.0 Ok")
            elif verb == "MAIL":
                r = control("reply.mail")
                if r:
                    await send(r)
                    continue
                env["mail"] = cmd[10:]
                env["rcpts"] = []
                await send("250 2.1.0 Ok")
            elif verb == "RCPT":
                addr = cmd[8:].strip("<>")
                local = addr.split("@")[0].lower()
                r = control("reply.rcpt")
                if r:
                    await send(r)
                elif local.startswith("tempfail"):
                    await send("451 4.2.0 <%s>: mailbox busy, try later" % addr)
                elif local.startswith("reject"):
                    await send("550 5.1.1 <%s>: Recipient address rejected: User unknown" % addr)
                else:
                    env["rcpts"].append(addr)
                    await send("250 2.1.5 Ok")
            elif verb == "DATA":
                if env["mail"] is None or not env["rcpts"]:
                    await send("503 5.5.1 need MAIL and RCPT")
                    continue
                await send("354 go ahead")
                raw, content, flags, prev_crlf = [], [], set(), True
                while True:
                    ln = await reader.readuntil(b"\n")
                    if ln == b".\r\n" and prev_crlf:
                        break
                    raw.append(ln)
                    crlf = ln.endswith(b"\r\n")
                    if not crlf:
                        flags.add("bare_lf")
                    if b"\r" in (ln[:-2] if crlf else ln[:-1]):
                        flags.add("bare_cr")
                    # a leading dot is stuffing only at the start of a line
                    content.append(ln[1:] if prev_crlf and ln.startswith(b".") else ln)
                    prev_crlf = crlf
                raw, content = b"".join(raw), b"".join(content)
                delay = control("delay.data")
                if delay:
                    # Wait for the client to give up rather than for a
                    # guessed time: it must send nothing while it waits.
                    try:
                        await asyncio.wait_for(reader.read(1), float(delay))
                        gave_up = True
                    except asyncio.TimeoutError:
                        gave_up = False
                    if gave_up:
                        with open(os.path.join(DIR, "abandoned.log"), "a") as f:
                            f.write("%s %s\n" % (env["mail"], " ".join(env["rcpts"])))
                        break   # not accepted
                r = control("reply.data")
                if r:
                    await send(r)
                else:
                    env["flags"] = sorted(flags)
                    name = save(dict(env), raw, content)
                    await send("250 2.0.0 Ok: queued as %s" % name)
                    messages += 1
                env["mail"], env["rcpts"] = None, []
            elif verb == "RSET":
                env["mail"], env["rcpts"] = None, []
                await send("250 2.0.0 Ok")
            elif verb == "NOOP":
                await send("250 2.0.0 Ok")
            elif verb == "QUIT":
                early = reader.at_eof()
                await send("221 2.0.0 Bye")
                try:
                    await asyncio.wait_for(reader.read(), 120)
                    # a client gone before the 221 came answers it with a
                    # reset, left as the socket's error after the EOF
                    sock = writer.get_extra_info("socket")
                    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    how = "early" if early else "reset" if err else "clean"
                except (ConnectionError, asyncio.TimeoutError):
                    how = "reset"
                with open(os.path.join(DIR, "quit.log"), "a") as f:
                    f.write(how + "\n")
                break
            else:
                await send("502 5.5.1 not implemented")
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", PORT, limit=4 << 20,
                                        backlog=2048)
    with open(os.path.join(DIR, "ready"), "w") as f:
        f.write(str(os.getpid()))
    async with server:
        await server.serve_forever()


asyncio.run(main())

#!/usr/bin/env python3
"""apid_client.py — a client of govmail-apid using only Python's standard
library (http.client over ssl), for the tests: one request per call.

  apid_client.py URL CAFILE METHOD PATH [BODY-FILE|-] [Header:Value]...

Prints the status on the first line, then the response headers that matter
(Content-Type, ETag, Retry-After, Allow, WWW-Authenticate) as "Name: value",
an empty line and the body. CAFILE "-" for plain HTTP.
"""
import http.client
import ssl
import sys
import urllib.parse


def main():
    url, cafile, method, path = sys.argv[1:5]
    body = None
    headers = {}
    for a in sys.argv[5:]:
        if ":" in a and not a.startswith("/") and a != "-":
            k, v = a.split(":", 1)
            headers[k] = v.strip()
        elif a == "-":
            body = sys.stdin.buffer.read()
        else:
            body = open(a, "rb").read()
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=cafile)
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=300)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    print(r.status)
    for h in ("Content-Type", "ETag", "Retry-After", "Allow", "WWW-Authenticate"):
        if r.getheader(h) is not None:
            print("%s: %s" % (h, r.getheader(h)))
    print()
    sys.stdout.write(data.decode("utf-8", "replace"))
    print()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""dkim_verify.py PORT FILE: verify every DKIM-Signature of the message in
FILE with python3-dkim (Debian's; written elsewhere, so it checks our
signer independently), fetching key records from the DNS server on
127.0.0.1:PORT through dnspython. Prints one line per signature,
"N a=ALG s=SELECTOR pass|fail", and exits 0 when there is at least one
signature and all pass, 1 otherwise."""
import re
import sys

import dkim
import dns.resolver

port, path = int(sys.argv[1]), sys.argv[2]
res = dns.resolver.Resolver(configure=False)
res.nameservers = ["127.0.0.1"]
res.port = port


def dnsfunc(name, timeout=5):
    # A hang guard only: the server is on loopback.
    name = name.decode() if isinstance(name, bytes) else name
    try:
        ans = res.resolve(name, "TXT", lifetime=120, tcp=True)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return b""
    return b"".join(ans[0].strings)


msg = open(path, "rb").read()
d = dkim.DKIM(msg)
n = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
ok = n > 0
for i in range(n):
    try:
        good = d.verify(idx=i, dnsfunc=dnsfunc)
    except dkim.DKIMException as e:
        print("# signature %d: %s" % (i, e), file=sys.stderr)
        good = False
    sig = dict(d.signature_fields) if d.signature_fields else {}
    print("%d a=%s s=%s %s" % (i, sig.get(b"a", b"?").decode(),
                                sig.get(b"s", b"?").decode(), "pass" if good else "fail"))
    ok = ok and good
sys.exit(0 if ok else 1)

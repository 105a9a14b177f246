#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tlsserver.py - HTTPS servers with real certificates for tests/unit/test_https.c.

  tlsserver.py DIR

Makes a private CA in DIR (ca.pem) and three server certificates signed by it, then serves
HTTPS ("200 OK", body "ok") on one port P at three loopback addresses:
  127.0.0.3  a valid certificate for 127.0.0.3
  127.0.0.4  an expired certificate for 127.0.0.4 (valid 2020-01-01 .. 2020-01-02)
  127.0.0.5  a certificate for 127.0.0.9 and other.example (wrong host)
Prints "ready P" once listening; serves until stdin closes (the test's end). Bounded: at most
10,000 connections.
"""

import datetime
import ipaddress
import os
import select
import socket
import ssl
import sys
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SERVERS = [
    ("127.0.0.3", "valid", ["127.0.0.3"], None),
    ("127.0.0.4", "expired", ["127.0.0.4"], (datetime.datetime(2020, 1, 1),
                                            datetime.datetime(2020, 1, 2))),
    ("127.0.0.5", "wronghost", ["127.0.0.9", "other.example"], None),
]


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write_pem(path, key, cert):
    with open(path + ".key", "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(path + ".pem", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def make_certs(d):
    now = datetime.datetime.utcnow()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("xlb test CA")).issuer_name(name("xlb test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    write_pem(os.path.join(d, "ca"), ca_key, ca)
    for addr, label, names, window in SERVERS:
        key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.IPAddress(ipaddress.ip_address(n)) if n[0].isdigit() else x509.DNSName(n)
                for n in names]
        start, end = window or (now - datetime.timedelta(days=1), now + datetime.timedelta(days=30))
        cert = (x509.CertificateBuilder().subject_name(name(names[0])).issuer_name(ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(end)
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .sign(ca_key, hashes.SHA256()))
        write_pem(os.path.join(d, label), key, cert)


def serve(ctx, conn):
    """One connection, on its own thread: a slow handshake holds up no other check."""
    conn.settimeout(2)
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
        tls.recv(4096)
        tls.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
        tls.close()
    except (ssl.SSLError, OSError):
        conn.close()  # the client refused our certificate: what the test expects


def main():
    d = sys.argv[1]
    make_certs(d)
    listeners, port = {}, 0
    for addr, label, _, _ in SERVERS:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(d, label + ".pem"), os.path.join(d, label + ".key"))
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        port = s.getsockname()[1]
        s.listen(64)
        listeners[s] = ctx
    print("ready %d" % port, flush=True)
    for _ in range(10000):
        ready, _, _ = select.select(list(listeners) + [sys.stdin], [], [])
        if sys.stdin in ready:
            return
        for s in ready:
            conn, _ = s.accept()
            threading.Thread(target=serve, args=(listeners[s], conn), daemon=True).start()


if __name__ == "__main__":
    main()

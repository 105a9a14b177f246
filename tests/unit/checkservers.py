#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""checkservers.py - real servers for every health-check type, for tests/unit/test_checks.c.

  checkservers.py DIR

Makes a private CA in DIR (ca.pem) and three server certificates signed by it, then serves on
one port P at five loopback addresses:
  127.0.0.3  HTTPS, a valid certificate for 127.0.0.3
  127.0.0.4  HTTPS, an expired certificate for 127.0.0.4 (valid 2020-01-01 .. 2020-01-02)
  127.0.0.5  HTTPS, a certificate for 127.0.0.9 and other.example (wrong host)
  127.0.0.6  HTTP: GET /status/NNN answers status NNN with the body "ok"
  127.0.0.7  UDP: answers each datagram with "pong " and the datagram
The HTTPS servers answer "200 OK", body "ok". Prints "ready P" once listening; serves until
stdin closes (the test's end). Bounded: at most 10,000 connections or datagrams.
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
    """One connection, on its own thread: a slow handshake holds up no other check. ctx None:
    plain HTTP, the status taken from the path /status/NNN."""
    conn.settimeout(2)
    try:
        sock = ctx.wrap_socket(conn, server_side=True) if ctx else conn
        request = sock.recv(4096).decode("latin-1")
        status = 200
        parts = request.split(" ")
        if not ctx and len(parts) > 1 and parts[1].startswith("/status/"):
            status = int(parts[1][len("/status/"):])
        sock.sendall(b"HTTP/1.0 %d X\r\nContent-Length: 2\r\n\r\nok" % status)
        sock.close()
    except (ssl.SSLError, OSError, ValueError):
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
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.6", port))
    s.listen(64)
    listeners[s] = None
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.7", port))
    print("ready %d" % port, flush=True)
    for _ in range(10000):
        ready, _, _ = select.select(list(listeners) + [udp, sys.stdin], [], [])
        if sys.stdin in ready:
            return
        if udp in ready:
            data, peer = udp.recvfrom(2048)
            udp.sendto(b"pong " + data, peer)
            ready.remove(udp)
        for s in ready:
            conn, _ = s.accept()
            threading.Thread(target=serve, args=(listeners[s], conn), daemon=True).start()


if __name__ == "__main__":
    main()

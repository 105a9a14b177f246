#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# lab-server.py - the lab backends' servers, for the namespace lab (scripts/lab.sh) and the
# Vagrant lab (vagrant/): HTTP on port 80 of every address (GET / answers with the backend's
# name, GET /big with 200 kB more, POST with the name and the number of bytes received) and a
# UDP echo on port 7 of each ADDR, prefixed with the name. An HTTP/1.0 request gets an HTTP/1.0
# answer and the connection closed; an HTTP/1.1 request keeps it open (keep-alive) unless it
# says "Connection: close".
#
#   lab-server.py NAME ADDR...
import socket, sys, threading, http.server, socketserver
name, addrs = sys.argv[1], sys.argv[2:]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def parse_request(self):
        ok = super().parse_request()
        if ok and self.request_version == "HTTP/1.1":
            # Answer in kind: the soak's keep-alive clients (tests/soak/) ask with HTTP/1.1.
            self.protocol_version = "HTTP/1.1"
            self.close_connection = self.headers.get("Connection", "").lower() == "close"
        return ok
    def do_GET(self):
        body = (name + "\n").encode()
        if self.path.startswith("/big"):
            body += b"x" * 200000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        body = ("%s %d\n" % (name, len(data))).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
# HTTP on every address, IPv4 and IPv6 (the VIPs for clients, the backend address for health
# checks): TCP answers from the address it was reached at.
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512
    address_family = socket.AF_INET6
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
# UDP per address, so that a reply leaves from the address the request went to.
def udp(addr):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 7))
    while True:
        data, peer = s.recvfrom(65535)
        try:
            s.sendto(name.encode() + b" " + data, peer)
        except OSError:
            pass  # no route back right now (the link went down): that answer is lost, not the server
for addr in addrs:
    threading.Thread(target=udp, args=(addr,), daemon=True).start()
S(("::", 80), H).serve_forever()

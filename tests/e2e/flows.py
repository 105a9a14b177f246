# SPDX-License-Identifier: GPL-2.0
# flows.py - test client: COUNT short HTTP requests to VIP:80, each on its own TCP connection
# (so its own source port), and which backend answered each. Prints one JSON object:
# {"flows": [[SOURCE_PORT, "backendN"], ...], "failures": N, "errors": [...]}.
import json
import socket
import sys


def main():
    vip, count = sys.argv[1], int(sys.argv[2])
    fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
    flows, errors, failures = [], [], 0
    for _ in range(count):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect((vip, 80))
            port = s.getsockname()[1]
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            data = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                data += b
            flows.append([port, data.split(b"\r\n\r\n", 1)[1].decode().strip()])
        except (OSError, IndexError) as e:
            failures += 1
            if len(errors) < 5:
                errors.append(repr(e))
        finally:
            s.close()
    print(json.dumps({"flows": flows, "failures": failures, "errors": errors}))


main()

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# partner-http.py DIR PORTFILE: a loopback HTTP server for a partner's .ics "secret address":
# GET /feed.ics serves DIR/feed.ics with an ETag (its SHA-256) and answers If-None-Match with 304
# and no body. DIR/mode changes what it does: "401" refuses every request, "huge" streams 100 MB
# without a Content-Length. Every request is logged to DIR/requests ("GET 200", "GET 304"…).
# The port it bound (the kernel's choice) is written to PORTFILE.
import hashlib
import http.server
import os
import sys

root, portfile = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def note(self, code):
        with open(os.path.join(root, "requests"), "a") as f:
            f.write("%s %s %s\n" % (self.command, code, self.headers.get("If-None-Match", "-")))

    def do_GET(self):
        try:
            mode = open(os.path.join(root, "mode")).read().strip()
        except FileNotFoundError:
            mode = ""
        if mode == "401":
            self.note(401)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="cal"')
            self.end_headers()
            return
        if mode == "huge":
            self.note(200)
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()
            chunk = b"BEGIN:VCALENDAR\r\n" + b"X-PAD:" + b"x" * 65000 + b"\r\n"
            try:
                for _ in range(100 * 1024 * 1024 // len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        data = open(os.path.join(root, "feed.ics"), "rb").read()
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        if self.headers.get("If-None-Match") == etag:
            self.note(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.note(200)
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()

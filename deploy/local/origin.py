#!/usr/bin/env python3
"""A minimal HTTP origin for the local cluster: serves a directory with HTML indexes (which the
agent's http: origin follows to list files), single byte ranges, and a strong ETag per file
("<size>-<mtime_ns>") honoured in If-Match, as object stores and CDNs do.

usage: origin.py DIR HOST PORT
"""
import http.server
import os
import re
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            return super().send_head()
        try:
            f = open(path, "rb")
        except OSError:
            self.send_error(404, "not found")
            return None
        st = os.fstat(f.fileno())
        etag = '"%d-%d"' % (st.st_size, st.st_mtime_ns)
        want = self.headers.get("If-Match")
        if want and want.strip() != "*" and etag not in [w.strip() for w in want.split(",")]:
            f.close()
            self.send_error(412, "precondition failed")
            return None
        start, end = 0, st.st_size - 1
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if m:
            start = int(m.group(1))
            end = min(int(m.group(2)) if m.group(2) else st.st_size - 1, st.st_size - 1)
            if start >= st.st_size:
                f.close()
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % st.st_size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, st.st_size))
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        f.seek(start)
        self._remaining = end - start + 1
        return f

    def copyfile(self, source, outputfile):
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return super().copyfile(source, outputfile)
        while remaining > 0:
            buf = source.read(min(1 << 20, remaining))
            if not buf:
                break
            outputfile.write(buf)
            remaining -= len(buf)
        self._remaining = None


if __name__ == "__main__":
    directory, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    handler = lambda *a, **kw: Handler(*a, directory=directory, **kw)
    http.server.ThreadingHTTPServer((host, port), handler).serve_forever()

"""RemoteMonitor: posts each epoch's logs to an HTTP server (loopback)."""

import http.server
import json
import threading
import urllib.parse

import pytest

from kerasish.callbacks import RemoteMonitor


@pytest.fixture
def server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], body.decode()))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", received
    httpd.shutdown()
    httpd.server_close()


def test_form_post(server):
    root, received = server
    cb = RemoteMonitor(root=root, headers={"X-Run": "a"})
    cb.on_epoch_end(2, {"loss": 0.5, "val_loss": 0.75})
    path, ctype, body = received[0]
    assert path == "/publish/epoch/end/"
    assert ctype == "application/x-www-form-urlencoded"
    data = json.loads(urllib.parse.parse_qs(body)["data"][0])
    assert data == {"epoch": 2, "loss": 0.5, "val_loss": 0.75}


def test_json_post(server):
    root, received = server
    cb = RemoteMonitor(root=root, path="/events", send_as_json=True)
    cb.on_epoch_end(0, {"loss": 1.25})
    path, ctype, body = received[0]
    assert (path, ctype) == ("/events", "application/json")
    assert json.loads(body) == {"epoch": 0, "loss": 1.25}


def test_unreachable_server_warns():
    cb = RemoteMonitor(root="http://127.0.0.1:9")  # discard port: refused
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        cb.on_epoch_end(0, {"loss": 1.0})

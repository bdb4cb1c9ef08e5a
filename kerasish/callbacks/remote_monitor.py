"""`RemoteMonitor`: posts each epoch's logs to an HTTP server."""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from kerasish.callbacks.callback import Callback
from kerasish.serialization import register_builtin

_TIMEOUT_SECONDS = 10.0


@register_builtin("callbacks")
class RemoteMonitor(Callback):
    """POSTs `{"epoch": e, **logs}` to `root + path` at each epoch end.

    By default the logs are sent as a form field (`field=<json>`); with
    `send_as_json=True` as a JSON body. Uses only the standard library. An
    unreachable server warns and training continues.

    Args:
        root: The server's root URL.
        path: The path the events are sent to.
        field: The form field holding the JSON (when not `send_as_json`).
        headers: Extra HTTP headers (a dict).
        send_as_json: Send the logs as an `application/json` body.

    Example:
    >>> cb = kerasish.callbacks.RemoteMonitor(root="http://localhost:9000")
    """

    def __init__(
        self,
        root="http://localhost:9000",
        path="/publish/epoch/end/",
        field="data",
        headers=None,
        send_as_json=False,
    ):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            if isinstance(value, np.ndarray | np.generic):
                value = value.tolist()
            send[key] = value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(
            self.root + self.path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
                response.read()
        except (urllib.error.URLError, OSError):
            warnings.warn(
                f"Could not reach RemoteMonitor root server at {self.root}",
                stacklevel=2,
            )

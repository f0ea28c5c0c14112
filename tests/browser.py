"""A headless Chromium driven through the DevTools protocol, for page tests and the benchmark.

Starts Debian's ``chromium`` with a fresh profile and no background
networking, opens pages, and records what a person would not see: console
errors, uncaught exceptions, dialogs (``alert``), and every request the page
made. ``websocket-client`` speaks the protocol; nothing is mocked.
"""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websocket  # websocket-client

__all__ = ["Chromium", "PageLoad", "chromium_path", "CHROMIUM_FLAGS"]

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                  "--disable-extensions", "--mute-audio", "--hide-scrollbars", "--window-size=1400,900")


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@dataclass
class PageLoad:
    """What happened while a page loaded and ran."""

    url: str
    seconds: float = 0.0  # navigation to network idle and (if asked) the page's ready flag
    requests: list[str] = field(default_factory=list)  # every URL the page asked for, the page itself first
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.console_errors + self.exceptions + [f"dialog: {d}" for d in self.dialogs]


class Chromium:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, binary: str | None = None, profile: str | Path | None = None, timeout: float = 30.0):
        self.binary = binary or chromium_path()
        if not self.binary:
            raise RuntimeError("chromium not found: apt-get install -y chromium fonts-noto-cjk")
        self._own_profile = profile is None
        self.profile = Path(profile or tempfile.mkdtemp(prefix="mg-chromium-"))
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [self.binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = self._port()
        pages = [t for t in self._json(f"http://127.0.0.1:{port}/json/list") if t.get("type") == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=timeout,
                                              suppress_origin=True, enable_multithread=False)
        self._id = 0
        self._events: list[dict] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def _port(self) -> int:
        # Chromium writes the port it chose into the profile once it listens.
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if marker.exists():
                text = marker.read_text().split("\n")
                if text and text[0].strip().isdigit():
                    return int(text[0])
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with status {self.proc.returncode}")
            time.sleep(0.05)
        raise TimeoutError("chromium did not open its DevTools port")

    @staticmethod
    def _json(url: str):
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.loads(r.read().decode("utf-8"))

    # ---- protocol ----
    def send(self, method: str, params: dict | None = None, timeout: float | None = None) -> dict:
        """Call a DevTools method and return its result; events seen meanwhile are kept."""
        self._id += 1
        my = self._id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params or {}}))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            msg = self._recv(deadline)
            if msg is None:
                raise TimeoutError(f"{method}: no answer")
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def _recv(self, deadline: float) -> dict | None:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        self.ws.settimeout(min(left, 0.25))
        try:
            msg = json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            return {}
        if "method" in msg:
            self._events.append(msg)
            if msg["method"] == "Page.javascriptDialogOpening":
                # A dialog blocks the page until answered: dismiss it, but remember it.
                self._id += 1
                self.ws.send(json.dumps({"id": self._id, "method": "Page.handleJavaScriptDialog",
                                         "params": {"accept": False}}))
        return msg

    def _pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._recv(end)

    def evaluate(self, expression: str, timeout: float | None = None):
        """The value of a JavaScript expression in the page (promises awaited)."""
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                      timeout)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression[:80]}: {r['exceptionDetails'].get('exception', {}).get('description')}")
        return r.get("result", {}).get("value")

    # ---- pages ----
    def open(self, url_or_path: str | Path, ready: str | None = "window.mandategraph && window.mandategraph.ready",
             timeout: float = 120.0, idle: float = 0.5) -> PageLoad:
        """Load a page and wait until the network is idle for ``idle`` s and ``ready`` is true.

        Returns what the page did: requests, console errors, exceptions, dialogs.
        """
        url = Path(url_or_path).resolve().as_uri() if not str(url_or_path).startswith(("file:", "http:", "https:", "about:", "data:")) else str(url_or_path)
        self._events.clear()
        start = time.monotonic()
        self.send("Page.navigate", {"url": url})
        deadline = start + timeout
        inflight: set = set()
        loaded = False
        quiet_since = None
        seen = 0
        while True:
            self._recv(deadline)
            for ev in self._events[seen:]:
                m, p = ev["method"], ev.get("params", {})
                if m == "Network.requestWillBeSent":
                    inflight.add(p["requestId"])
                elif m in ("Network.loadingFinished", "Network.loadingFailed"):
                    inflight.discard(p["requestId"])
                elif m == "Page.loadEventFired":
                    loaded = True
            seen = len(self._events)
            now = time.monotonic()
            if loaded and not inflight:
                quiet_since = quiet_since or now
            else:
                quiet_since = None
            if quiet_since and now - quiet_since >= idle and (ready is None or self.evaluate(f"!!({ready})")):
                break
            if now > deadline:
                raise TimeoutError(f"{url}: not ready after {timeout:.0f} s (loaded={loaded}, in flight={len(inflight)})")
        seconds = time.monotonic() - start
        self._pump(0.2)  # late console messages
        return self._report(url, seconds)

    def _report(self, url: str, seconds: float) -> PageLoad:
        out = PageLoad(url, seconds)
        for ev in self._events:
            m, p = ev["method"], ev.get("params", {})
            if m == "Network.requestWillBeSent":
                out.requests.append(p["request"]["url"])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.console_errors.append(f"{p['entry'].get('source')}: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif m == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.exceptions.append(d.get("exception", {}).get("description") or d.get("text", ""))
            elif m == "Page.javascriptDialogOpening":
                out.dialogs.append(f"{p.get('type')}: {p.get('message')}")
        return out

    def events_since_open(self) -> PageLoad:
        """Problems recorded since the last :meth:`open`, after more interaction."""
        self._pump(0.3)
        return self._report("", 0.0)

    def screenshot(self, path: str | Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path = Path(path)
        path.write_bytes(base64.b64decode(data))
        return path

    def mouse(self, x: float, y: float, kind: str = "mouseMoved", button: str = "none", clicks: int = 0) -> None:
        self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": button, "clickCount": clicks})

    def type_text(self, selector: str, text: str) -> None:
        """Focus an input and type ``text`` as the keyboard would (Input.insertText: IME-like, Chinese included)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})

    def key(self, key: str) -> None:
        code = {"Enter": 13, "Escape": 27}[key]
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key,
                                                 "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code})

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self._own_profile:
                shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

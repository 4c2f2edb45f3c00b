"""Drive the system's headless Chromium through the DevTools protocol over a pipe (no websocket,
no browser download): open a page, collect console errors, exceptions and failed loads, measure
elements and take screenshots.

    with Chromium() as browser:
        page = browser.open(Path("report.html"))
        page.errors           # console errors, exceptions, failed resource loads
        page.boxes("svg")     # [{id, tag, width, height}] of matching elements
        page.screenshot()     # PNG bytes of the first screen

Also a script: ``python tests/chromium.py REPORT.html OUTDIR`` writes OUTDIR/report-first-screen.png
and OUTDIR/report-map.png (the README's screenshots).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1280, 900


def chromium_binary() -> str:
    """Path of Debian's chromium (or another Chrome on PATH); RuntimeError when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("no chromium on PATH: install it with `apt-get install -y chromium` (.ci/run does)")


class Page:
    """An attached browser tab (a DevTools session)."""

    def __init__(self, browser: "Chromium", session: str) -> None:
        self.browser, self.session = browser, session
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60.0) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    @property
    def errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, failed resource loads and log errors."""
        out = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
            elif m == "Network.loadingFailed":
                out.append(f"failed load: {p.get('errorText')} ({p.get('type')})")
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                out.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
        return out

    @property
    def requests(self) -> list[str]:
        """URLs the page requested (the document itself included)."""
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def evaluate(self, expression: str) -> Any:
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in res:
            raise RuntimeError(f"evaluate failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def boxes(self, selector: str) -> list[dict[str, Any]]:
        """id, tag and rendered size [CSS px] of every element matching ``selector``."""
        js = ("JSON.stringify(Array.from(document.querySelectorAll(%s)).map(e => {const r = e.getBoundingClientRect();"
              " return {id: e.id, tag: e.tagName.toLowerCase(), width: r.width, height: r.height, top: r.top + window.scrollY,"
              " left: r.left + window.scrollX};}))" % json.dumps(selector))
        return json.loads(self.evaluate(js))

    def screenshot(self, clip: dict[str, float] | None = None) -> bytes:
        """PNG of the first screen, or of ``clip`` {x, y, width, height} in page pixels."""
        params: dict[str, Any] = {"format": "png"}
        if clip is not None:
            params.update(clip={**clip, "scale": 1}, captureBeyondViewport=True)
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])

    def screenshot_element(self, selector: str, pad: float = 8) -> bytes:
        box = self.boxes(selector)[0]
        return self.screenshot({"x": max(box["left"] - pad, 0), "y": max(box["top"] - pad, 0),
                                "width": box["width"] + 2 * pad, "height": box["height"] + 2 * pad})


class Chromium:
    """Headless Chromium with ``--remote-debugging-pipe`` (commands on fd 3, replies on fd 4)."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="minesink-chromium-")
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()

        def child_fds() -> None:  # commands arrive on fd 3, replies leave on fd 4
            a, b = os.dup(cmd_r), os.dup(res_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [chromium_binary(), "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--hide-scrollbars",
                "--mute-audio", f"--user-data-dir={self.profile}", f"--window-size={WIDTH},{HEIGHT}", "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=child_fds, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(res_w)
        self.out = os.fdopen(cmd_w, "wb", buffering=0)
        self.inp = os.fdopen(res_r, "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        self.pages: dict[str, Page] = {}

    def _read(self, timeout: float) -> dict[str, Any]:
        import select

        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.inp], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self.inp.fileno(), 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def _dispatch(self, msg: dict[str, Any]) -> None:
        page = self.pages.get(msg.get("sessionId", ""))
        if page is not None and "method" in msg:
            page.events.append(msg)

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None,
             timeout: float = 60.0) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.out.write(json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._dispatch(reply)

    def wait_event(self, page: Page, method: str, timeout: float = 60.0) -> None:
        if any(e["method"] == method for e in page.events):
            return
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(max(deadline - time.monotonic(), 0.01))
            self._dispatch(msg)
            if msg.get("method") == method and msg.get("sessionId") == page.session:
                return

    def open(self, path: Path) -> Page:
        """Load ``path`` (a local file) in a new tab; returns once its load event fired."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        self.pages[session] = page
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        page.send("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                                                         "mobile": False})
        page.send("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_event(page, "Page.loadEventFired")
        page.evaluate("document.fonts.ready.then(() => true)")
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001 - the browser may already be gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.inp.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(report: str, outdir: str) -> None:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with Chromium() as browser:
        page = browser.open(Path(report))
        if page.errors:
            raise SystemExit("page errors: " + "; ".join(page.errors))
        (out / "report-first-screen.png").write_bytes(page.screenshot())
        (out / "report-map.png").write_bytes(page.screenshot_element("#map"))
    print(f"wrote {out / 'report-first-screen.png'} and {out / 'report-map.png'}")


if __name__ == "__main__":
    main(*sys.argv[1:3])

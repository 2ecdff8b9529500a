"""JupyterLab + headless Chromium, driven by Playwright: run a notebook, exercise its widgets.

Used by the browser suite (test_lectures_in_browser.py) and the screenshot command
(`python -m tests.browser.screenshots`). Nothing here downloads a browser: Playwright's
Python package drives Debian's /usr/bin/chromium, started with the flags that keep it off
the network.

The convention every lecture demo follows (see course_utils/widgets_*.py):

* the demo's container carries the CSS class `course-widget` (plus its own name, e.g.
  `gda-explorer`, used in messages);
* the Output its figure is drawn into carries `course-widget-figure` (the figure is an <img>,
  an inline PNG replaced with clear_output + display on every redraw);
* its status line, if any, carries `course-widget-status`;
* optional: `course-widget-main` marks the lecture's main demo (the one in the screenshot;
  otherwise the first), and a control with `course-widget-noredraw` is changed but not
  required to change the figure.

`check_notebook` opens a notebook, runs all cells from the Run menu, waits for the kernel,
fails on any error output, then changes every control of every `.course-widget` (slider: one
keyboard PageUp/PageDown on its handle; dropdown: the next option; toggle buttons / radio
buttons: another option; checkbox: a click; button: a click) and requires the figure image
to change and no error to appear. A failure raises `WidgetCheckFailed` naming the notebook,
the widget and the control.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from course_utils.grading.bench import measured_seconds

BENCHMARKS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
]
# Seconds; the machine may be a shared 2-core box, so generous but finite.
# Run All may take RUN_ALL_FACTOR times the notebook's median time in docs/benchmarks.md (a
# loaded machine plus the browser), at least RUN_ALL_FLOOR; COURSE_BROWSER_RUN_TIMEOUT overrides.
RUN_ALL_FACTOR = 10
RUN_ALL_FLOOR = 180.0
UNMEASURED_SECONDS = 60.0  # a notebook not yet in the report: the lecture budget
REDRAW_TIMEOUT = float(os.environ.get("COURSE_BROWSER_REDRAW_TIMEOUT", "60"))
SERVER_START_TIMEOUT = 120.0

WIDGET = "course-widget"
FIGURE = "course-widget-figure"
STATUS = "course-widget-status"
MAIN = "course-widget-main"
NOREDRAW = "course-widget-noredraw"
CONVENTION_CLASSES = {WIDGET, FIGURE, STATUS, MAIN, NOREDRAW}

# JupyterLab user settings for a reproducible page: no news/update pop-ups, every cell in
# the DOM (no windowing), no autosave writing into the copies.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


class WidgetCheckFailed(AssertionError):
    """A notebook or one of its widgets does not work in the browser; the message says where."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kill_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group of `proc` (and any descendants that left it), then SIGKILL."""
    try:
        import psutil

        descendants = psutil.Process(proc.pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - psutil missing or the process already gone
        descendants = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers left in the group
    for child in descendants:  # kernels run in sessions of their own
        with contextlib.suppress(Exception):
            child.kill()


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 (free port, random token, no browser) serving `root`.

    Config, data, runtime, settings and workspace folders are private temporary folders, so
    nothing of the user's Jupyter set-up leaks in and nothing is written outside `root`.
    Use as a context manager, or call start() and stop().
    """

    def __init__(self, root: Path, python: str = sys.executable):
        self.root = Path(root)
        self.python = python
        self.token = secrets.token_hex(16)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.home = Path(tempfile.mkdtemp(prefix="course-jupyter-"))
        self.log_path = self.home / "jupyterlab.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MPLBACKEND"))}
        for name in ("config", "data", "runtime", "settings", "workspaces", "ipython"):
            (self.home / name).mkdir(exist_ok=True)
        settings = self.home / "settings"
        for rel, value in LAB_SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env.update(
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTER_DATA_DIR=str(self.home / "data"),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
            IPYTHONDIR=str(self.home / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
            PYDEVD_DISABLE_FILE_VALIDATION="1",
        )
        return env

    def start(self) -> JupyterLab:
        errors = []
        for _ in range(3):  # the free port may be taken between probing and binding
            self.port = free_port()
            log = self.log_path.open("ab")
            self.proc = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    "jupyter",
                    "lab",
                    "--no-browser",
                    "--ServerApp.ip=127.0.0.1",
                    f"--ServerApp.port={self.port}",
                    "--ServerApp.port_retries=0",
                    f"--IdentityProvider.token={self.token}",
                    f"--ServerApp.root_dir={self.root}",
                    "--ServerApp.open_browser=False",
                    "--allow-root",  # CI containers run as root
                    "--LabApp.news_url=None",
                    "--LabApp.expose_app_in_browser=True",  # readiness checks only
                    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.root,
                env=self._env(),
                start_new_session=True,
            )
            log.close()
            try:
                self._wait_ready()
                return self
            except RuntimeError as error:
                errors.append(str(error))
                self.stop()
        raise RuntimeError("JupyterLab did not start:\n" + "\n".join(errors))

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited ({self.proc.returncode}):\n{self.log()}")
            try:
                with urllib.request.urlopen(
                    f"{self.url}/api/status?token={self.token}", timeout=5
                ) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(
            f"JupyterLab not ready after {SERVER_START_TIMEOUT:.0f} s:\n{self.log()}"
        )

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None:
            _kill_group(self.proc)
            self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(
            f"{self.url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every session and kernel (a lecture's kernel holds torch in memory)."""
        with contextlib.suppress(Exception):
            for session in self.api("sessions"):
                with contextlib.suppress(Exception):
                    self.api(f"sessions/{session['id']}", "DELETE")
            for kernel in self.api("kernels"):
                with contextlib.suppress(Exception):
                    self.api(f"kernels/{kernel['id']}", "DELETE")

    def notebook_url(self, relpath: str) -> str:
        # `reset` starts from an empty workspace: only this notebook opens.
        return f"{self.url}/lab/tree/{relpath}?reset&token={self.token}"

    def __enter__(self) -> JupyterLab:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()


class Browser:
    """Headless Debian Chromium under Playwright; close() ends Chromium and the driver."""

    def __init__(self, executable: Path = CHROMIUM):
        from playwright.sync_api import sync_playwright

        self._manager = sync_playwright()
        self._playwright = self._manager.start()
        try:
            self.browser = self._playwright.chromium.launch(
                executable_path=str(executable),
                headless=True,
                args=CHROMIUM_FLAGS,
                timeout=120_000,
            )
        except Exception:
            self._manager.__exit__(None, None, None)
            raise

    def new_page(self):
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(60_000)
        return context.new_page()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.browser.close()
        with contextlib.suppress(Exception):
            self._manager.__exit__(None, None, None)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def open_page(browser: Browser) -> Iterator:
    page = browser.new_page()
    try:
        yield page
    finally:
        with contextlib.suppress(Exception):
            page.context.close()


# ----------------------------------------------------------------------------- page scripts

# Every output that is an error: tracebacks and stderr with an exception in it, and widgets
# that could not be displayed. Returns [{cell, source, text}].
_JS_ERRORS = r"""
(root) => {
  const scope = root || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')
                     || document;
  const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'));
  const found = [];
  const bad = /Traceback|Error\b|Exception\b|Error displaying widget|Failed to (load|render)/;
  const nodes = scope.querySelectorAll(
    '[data-mime-type="application/vnd.jupyter.stderr"], .jp-mod-error, .jupyter-widgets-error-widget'
  );
  for (const node of nodes) {
    const text = (node.innerText || '').trim();
    if (!bad.test(text) && !node.classList.contains('jupyter-widgets-error-widget')) continue;
    const cell = node.closest('.jp-Cell');
    const index = cells.indexOf(cell);
    const source = cell ? (cell.querySelector('.jp-InputArea-editor')?.innerText || '') : '';
    found.push({cell: index, source: source.trim().split('\n')[0].slice(0, 100),
                text: text.slice(-1500)});
  }
  return found;
}
"""

# State of the run: prompts of the code cells and the kernel status. The toolbar's execution
# indicator says "idle" before any kernel exists, so the kernel's own status is read from the
# app (JupyterLab runs with expose_app_in_browser) when it is there.
_JS_RUN_STATE = r"""
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const prompts = Array.from(panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'))
      .map(p => p.innerText.trim());
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  let status = indicator ? indicator.getAttribute('data-status') : null;
  const app = window.jupyterapp;
  const widget = app && app.shell.currentWidget;
  if (widget && widget.sessionContext) {
    const context = widget.sessionContext;
    const kernel = context.session && context.session.kernel;
    status = !context.isReady || !kernel ? 'no kernel'
           : kernel.connectionStatus !== 'connected' ? kernel.connectionStatus
           : kernel.status;
  }
  return {prompts, status};
}
"""

# Controls of each .course-widget, tagged with data-cw="<widget>-<control>" for locators.
_JS_WIDGETS = r"""
([WIDGET, FIGURE, CONVENTION]) => {
  const widgets = Array.from(document.querySelectorAll('.' + WIDGET));
  return widgets.map((w, i) => {
    w.setAttribute('data-cw', String(i));
    const names = Array.from(w.classList).filter(c => !CONVENTION.includes(c) &&
        !c.startsWith('jupyter-') && !c.startsWith('widget-') && !c.startsWith('lm-') &&
        !c.startsWith('jp-') && !c.startsWith('p-'));
    const selectors = [
      ['slider', '.widget-slider, .jupyter-widget-slider'],
      ['dropdown', '.widget-dropdown'],
      ['toggle-buttons', '.widget-toggle-buttons'],
      ['radio', '.widget-radio'],
      ['checkbox', '.widget-checkbox'],
      ['toggle-button', 'button.widget-toggle-button'],
      ['button', 'button.widget-button'],
    ];
    const controls = [];
    const seen = new Set();
    for (const el of w.querySelectorAll('*')) {
      if (el.closest('.' + FIGURE)) continue;
      for (const [kind, sel] of selectors) {
        if (!el.matches(sel)) continue;
        if (kind === 'button' && el.closest('.widget-toggle-buttons, .widget-play')) continue;
        if (kind === 'slider' && el.closest('.widget-play')) continue;
        if (Array.from(seen).some(s => s.contains(el))) continue;
        seen.add(el);
        const j = controls.length;
        el.setAttribute('data-cw', i + '-' + j);
        const labelEl = el.querySelector('.widget-label');
        const title = labelEl && labelEl.getAttribute('title');
        const label = ((labelEl && (title && title !== 'null' ? title : labelEl.innerText))
                       || el.getAttribute('title') || el.innerText || '').replace(/\s+/g, ' ');
        controls.push({index: j, kind, label: label.trim().slice(0, 60),
                       noredraw: !!el.closest('.' + 'course-widget-noredraw')});
        break;
      }
    }
    return {index: i, names, figures: w.querySelectorAll('.' + FIGURE).length, controls};
  });
}
"""

# What the figure areas of widget i show now: the <img> sources (inline PNGs), or the text.
_JS_FIGURE = r"""
([i, FIGURE]) => {
  const w = document.querySelector('[data-cw="' + i + '"]');
  if (!w) return null;
  const parts = [];
  for (const fig of w.querySelectorAll('.' + FIGURE)) {
    const imgs = Array.from(fig.querySelectorAll('img'));
    if (imgs.length) {
      for (const img of imgs) parts.push(img.src);
    } else {
      for (const c of fig.querySelectorAll('canvas')) {
        try { parts.push(c.toDataURL()); } catch (e) {}
      }
      for (const s of fig.querySelectorAll('svg')) parts.push(s.outerHTML);
    }
  }
  return parts;
}
"""

# Resolves when every image in the element is decoded (before a screenshot).
_JS_DECODED = r"""
(el) => Promise.all(Array.from(el.querySelectorAll('img')).map(i => i.decode().catch(() => null)))
"""

_JS_CONTROL_VALUE = r"""
(el) => {
  const readout = el.querySelector('.widget-readout');
  if (readout) return readout.innerText.trim();
  const handle = el.querySelector('.noUi-handle');
  if (handle) return handle.getAttribute('aria-valuetext') || handle.getAttribute('aria-valuenow');
  const select = el.querySelector('select');
  if (select) return select.value;
  const active = el.querySelector('.mod-active');
  if (active) return active.innerText;
  const checked = el.querySelector('input:checked');
  if (checked) return checked.value || 'checked';
  const box = el.querySelector('input[type=checkbox]');
  if (box) return box.checked ? 'checked' : 'unchecked';
  return (el.innerText || '').trim();
}
"""

_JS_STATUS = r"""
(w, STATUS) => Array.from(w.querySelectorAll('.' + STATUS)).map(s => s.innerText).join(' | ')
"""
# "ValueError: ...", "RuntimeError", "KeyError" in a status line; not the word "error" alone.
STATUS_ERROR = re.compile(r"\b[A-Z]\w*(Error|Exception)\b")


@dataclasses.dataclass
class ControlReport:
    widget: str
    control: str
    kind: str
    before: str
    after: str
    figure_changed: bool
    seconds: float
    figure: str = ""

    def __str__(self) -> str:
        seen = "figure changed" if self.figure_changed else "figure unchanged (noredraw)"
        if self.figure:
            seen += f" ({self.figure})"
        return (
            f"{self.widget}: {self.kind} '{self.control}' {self.before} -> {self.after}: "
            f"{seen} in {self.seconds:.1f} s"
        )


@dataclasses.dataclass
class NotebookReport:
    notebook: str
    run_seconds: float
    widgets: list[str]
    controls: list[ControlReport]
    screenshot: Path | None = None

    def summary(self) -> str:
        lines = [
            f"{self.notebook}: all cells ran in {self.run_seconds:.1f} s, "
            f"{len(self.widgets)} widget(s): {', '.join(self.widgets)}"
        ]
        lines += [f"  {c}" for c in self.controls]
        if self.screenshot:
            lines.append(f"  screenshot: {self.screenshot}")
        return "\n".join(lines)


def _format_errors(errors: list[dict]) -> str:
    out = []
    for e in errors:
        where = f"cell {e['cell']}" if e["cell"] >= 0 else "an output"
        src = f" ({e['source']})" if e.get("source") else ""
        out.append(f"--- {where}{src}:\n{e['text']}")
    return "\n".join(out)


def _run_all_cells(page) -> None:
    """Run > Run All Cells from the menu bar, as a lecturer would."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    item = page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first
    item.click()


def _wait_for_run(page, name: str, timeout: float, start_timeout: float = 30) -> float:
    """Wait until Run All Cells has run every code cell (or stopped at an error).

    If no cell has started after `start_timeout` seconds (the click came too early), Run All
    Cells is chosen again, up to twice.
    """
    start = time.monotonic()
    deadline = start + timeout
    retry_at = start + start_timeout
    retries = 2
    started = False
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(_JS_RUN_STATE)
        if state and state["prompts"]:
            prompts = state["prompts"]
            busy = any("*" in p for p in prompts)
            ran = [p for p in prompts if any(ch.isdigit() for ch in p)]
            started = started or busy or bool(ran)
            if started and not busy and state["status"] == "idle":
                if len(ran) == len(prompts) or page.evaluate(_JS_ERRORS, None):
                    return time.monotonic() - start
            if not started and retries and time.monotonic() > retry_at:
                retries -= 1
                retry_at = time.monotonic() + start_timeout
                _run_all_cells(page)
        page.wait_for_timeout(250)
    raise WidgetCheckFailed(
        f"{name}: the cells did not finish within {timeout:.0f} s "
        f"({'no cell started' if not started else 'still running'}; state: {state})"
    )


def _wait_for_kernel(page, name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(_JS_RUN_STATE)
        if state and state["status"] == "idle":
            return
        page.wait_for_timeout(250)
    raise WidgetCheckFailed(f"{name}: the kernel did not become idle within {timeout} s: {state}")


def _change_control(page, control, kind: str) -> None:
    if kind == "slider":
        handle = control.locator(".noUi-handle").first
        now = float(handle.get_attribute("aria-valuenow"))
        low = float(handle.get_attribute("aria-valuemin"))
        high = float(handle.get_attribute("aria-valuemax"))
        handle.focus()
        handle.press("PageUp" if high - now >= now - low else "PageDown")
    elif kind == "dropdown":
        select = control.locator("select")
        options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        current = select.input_value()
        if len(options) < 2:
            raise ValueError("the dropdown has fewer than two options")
        select.select_option(options[(options.index(current) + 1) % len(options)])
    elif kind == "toggle-buttons":
        control.locator("button:not(.mod-active)").first.click()
    elif kind == "radio":
        control.locator("input[type=radio]:not(:checked)").first.check()
    elif kind == "checkbox":
        control.locator("input[type=checkbox]").click()
    else:  # toggle-button, button
        control.click()


def run_all_limit(stem: str) -> float:
    """Seconds that Run All of notebook `stem` may take before the check fails."""
    if os.environ.get("COURSE_BROWSER_RUN_TIMEOUT"):
        return float(os.environ["COURSE_BROWSER_RUN_TIMEOUT"])
    measured = measured_seconds(BENCHMARKS).get(stem, UNMEASURED_SECONDS)
    return max(RUN_ALL_FLOOR, RUN_ALL_FACTOR * measured)


def check_notebook(
    page,
    lab: JupyterLab,
    relpath: str,
    screenshot: Path | None = None,
    run_timeout: float | None = None,
    redraw_timeout: float = REDRAW_TIMEOUT,
) -> NotebookReport:
    """Open `relpath` (relative to the lab's root), run it and exercise its widgets.

    Raises WidgetCheckFailed (naming the notebook, widget and control) when a cell shows an
    error, the notebook has no `.course-widget`, a widget has no figure or no control, a
    control change shows an error, or the figure does not change within `redraw_timeout`.
    Saves the main widget after interaction to `screenshot` when given.
    """
    name = Path(relpath).name
    page.goto(lab.notebook_url(relpath))
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(state="visible")
    _wait_for_kernel(page, name)
    _run_all_cells(page)
    run_seconds = _wait_for_run(page, name, run_timeout or run_all_limit(Path(relpath).stem))

    errors = page.evaluate(_JS_ERRORS, None)
    if errors:
        raise WidgetCheckFailed(f"{name}: a cell shows an error:\n{_format_errors(errors)}")
    state = page.evaluate(_JS_RUN_STATE)
    not_run = [i for i, p in enumerate(state["prompts"]) if not any(c.isdigit() for c in p)]
    if not_run:
        raise WidgetCheckFailed(f"{name}: code cells {not_run} did not run (prompts {state})")

    widgets = page.evaluate(_JS_WIDGETS, [WIDGET, FIGURE, sorted(CONVENTION_CLASSES)])
    if not widgets:
        raise WidgetCheckFailed(
            f"{name}: no widget with CSS class '{WIDGET}' is displayed (every lecture has "
            f"demos; add_class('{WIDGET}') to each demo's container, '{FIGURE}' to its figure)"
        )
    reports: list[ControlReport] = []
    labels = []
    for w in widgets:
        label = f"widget #{w['index'] + 1} ." + (".".join(w["names"]) or WIDGET)
        labels.append(label)
        where = f"{name}: {label}"
        if not w["figures"]:
            raise WidgetCheckFailed(f"{where} has no element with CSS class '{FIGURE}'")
        if not w["controls"]:
            raise WidgetCheckFailed(f"{where} has no control (slider, dropdown, button, ...)")
        widget = page.locator(f'[data-cw="{w["index"]}"]')
        widget.scroll_into_view_if_needed()
        before = _wait_for_figure(
            page, w["index"], None, where + " (initial figure)", redraw_timeout
        )
        for c in w["controls"]:
            control = page.locator(f'[data-cw="{w["index"]}-{c["index"]}"]')
            what = f"{where}, {c['kind']} '{c['label']}'"
            value_before = control.evaluate(_JS_CONTROL_VALUE)
            errors_before = len(page.evaluate(_JS_ERRORS, None))
            start = time.monotonic()
            try:
                _change_control(page, control, c["kind"])
            except Exception as error:  # noqa: BLE001
                raise WidgetCheckFailed(f"{what}: could not be changed: {error}") from error
            if c["noredraw"]:
                page.wait_for_timeout(1000)
                after = _figure(page, w["index"])
            else:
                after = _wait_for_figure(page, w["index"], before, what, redraw_timeout)
            value_after = control.evaluate(_JS_CONTROL_VALUE)
            status = widget.evaluate(_JS_STATUS, STATUS)
            if STATUS_ERROR.search(status):
                raise WidgetCheckFailed(
                    f"{what}: after the change from {value_before} to {value_after} the status "
                    f"line reports an error: {status}"
                )
            errors = page.evaluate(_JS_ERRORS, None)
            if len(errors) > errors_before:
                raise WidgetCheckFailed(
                    f"{what}: after the change from {value_before} to {value_after} an error "
                    f"is shown:\n{_format_errors(errors[errors_before:])}"
                )
            reports.append(
                ControlReport(
                    label,
                    c["label"],
                    c["kind"],
                    value_before,
                    value_after,
                    after != before,
                    time.monotonic() - start,
                    f"{_describe(before)} -> {_describe(after)}",
                )
            )
            before = after

    saved = None
    if screenshot is not None:
        main = page.locator(f".{WIDGET}.{MAIN}")
        target = main.first if main.count() else page.locator('[data-cw="0"]')
        target.scroll_into_view_if_needed()
        target.evaluate(_JS_DECODED)
        page.wait_for_timeout(300)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(screenshot), animations="disabled")
        saved = screenshot
    return NotebookReport(name, run_seconds, labels, reports, saved)


def _describe(figure: list[str]) -> str:
    """'PNG 61 kB' for inline images (decoded size), else the number of parts."""
    sizes = [len(src.split(",", 1)[1]) * 3 // 4 for src in figure if src.startswith("data:image/")]
    if sizes and len(sizes) == len(figure):
        return " + ".join(f"PNG {size / 1000:.0f} kB" for size in sizes)
    return f"{len(figure)} image(s)"


def _figure(page, index: int):
    return page.evaluate(_JS_FIGURE, [index, FIGURE])


def _wait_for_figure(page, index: int, before, what: str, timeout: float):
    """Wait until widget `index` shows a figure (image sources) different from `before`.

    Errors shown inside the widget end the wait at once (with their text).
    """
    deadline = time.monotonic() + timeout
    now = None
    while time.monotonic() < deadline:
        now = _figure(page, index)
        if now and now != before:
            return now
        errors = page.evaluate(_JS_ERRORS, page.locator(f'[data-cw="{index}"]').element_handle())
        if errors:
            raise WidgetCheckFailed(f"{what}: the widget shows an error:\n{_format_errors(errors)}")
        page.wait_for_timeout(200)
    if before is None:
        raise WidgetCheckFailed(f"{what}: no figure image appeared within {timeout:.0f} s")
    status = page.locator(f'[data-cw="{index}"]').evaluate(_JS_STATUS, STATUS)
    raise WidgetCheckFailed(
        f"{what}: the figure did not change within {timeout:.0f} s "
        f"({'no image now' if not now else 'the same image'}; status line: {status!r})"
    )

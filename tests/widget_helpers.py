"""Find a demo's parts as a browser test would (by description or CSS class) and read its figure."""


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def with_class(container, css_class: str) -> list:
    return [w for w in _walk(container) if css_class in w._dom_classes]


def control(container, description: str):
    found = [w for w in _walk(container) if getattr(w, "description", None) == description]
    assert len(found) == 1, f"expected one control described {description!r}, found {len(found)}"
    return found[0]


def status(container, css_class: str = "course-widget") -> str:
    found = with_class(container, f"{css_class}-status")
    assert len(found) == 1, f"expected one status line with class {css_class}-status"
    return found[0].value


def assert_control_redraws(container, description: str, value) -> None:
    """Set the control described `description` to `value` (None: click the button) and check
    that the figure's pixels changed."""
    before = figure_png(container)
    widget = control(container, description)
    if value is None:
        widget.click()
    else:
        widget.value = value
    after = figure_png(container)
    assert after != before, f"setting {description!r} to {value!r} left the figure unchanged"


def figure_png(container) -> bytes:
    """The PNG the demo shows now (what the browser gets); fails if it shows none."""
    demo = container.demo
    assert demo.png is not None, f"the demo shows no figure: {demo.error!r}"
    return demo.png

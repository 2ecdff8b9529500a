"""Find a demo's parts as a browser test would (by description or CSS class) and snapshot its figure."""

import io

import matplotlib.pyplot as plt


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
    before = figure_png()
    widget = control(container, description)
    if value is None:
        widget.click()
    else:
        widget.value = value
    assert figure_png() != before, f"setting {description!r} to {value!r} left the figure unchanged"


def figure_png() -> bytes:
    """The PNG of the one figure the demo keeps open (it closes the previous one)."""
    numbers = plt.get_fignums()
    assert len(numbers) == 1, f"expected exactly one open figure, found {len(numbers)}"
    buffer = io.BytesIO()
    plt.figure(numbers[0]).savefig(buffer, format="png")
    return buffer.getvalue()

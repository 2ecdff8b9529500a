"""The lecture 5 widgets: built from plugged-in functions, every control redraws the figure,
errors in a plugged-in function are shown to the user, and unknown methods are refused."""

import math

import matplotlib
import pytest
import torch
from widget_helpers import assert_control_redraws, control, figure_png, status

from course_utils.widgets_gan_dynamics import (
    CONTINUOUS,
    dirac_gan_explorer,
    gda_explorer,
    gda_trajectory,
)

matplotlib.use("Agg")

# Tiny reference implementations, written as one-step matrices like the lecture's.
J = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)
I2 = torch.eye(2, dtype=torch.float64)


def _linear(one_step):
    def method(x0: float, y0: float, eta: float, steps: int) -> torch.Tensor:
        matrix = one_step(eta)
        z = torch.tensor([x0, y0], dtype=torch.float64).repeat(matrix.shape[0] // 2)
        states = [z]
        for _ in range(steps):
            states.append(matrix @ states[-1])
        return torch.stack(states)[:, :2]

    return method


def _optimistic(eta: float) -> torch.Tensor:
    top = torch.cat([I2 + 2 * eta * J, -eta * J], dim=1)
    return torch.cat([top, torch.cat([I2, torch.zeros(2, 2, dtype=torch.float64)], dim=1)])


METHODS = {
    "simultaneous": _linear(lambda eta: I2 + eta * J),
    "alternating": _linear(lambda eta: (I2 + eta * torch.tril(J)) @ (I2 + eta * torch.triu(J))),
    "extragradient": _linear(lambda eta: I2 + eta * J + eta**2 * J @ J),
    "optimistic": _linear(_optimistic),
}


def flow(x0: float, y0: float, t: torch.Tensor) -> torch.Tensor:
    return torch.linalg.matrix_exp(t[:, None, None] * J) @ torch.tensor(
        [x0, y0], dtype=torch.float64
    )


def dirac_field(theta, psi, gamma: float = 0.0):
    theta, psi = torch.as_tensor(theta), torch.as_tensor(psi)
    slope = torch.sigmoid(-psi * theta)
    return -psi * slope, theta * slope - gamma * psi


def dirac_simulate(theta0, psi0, eta, steps, gamma=0.0) -> torch.Tensor:
    z = torch.tensor([theta0, psi0], dtype=torch.float64)
    states = [z]
    for _ in range(steps):
        states.append(states[-1] + eta * torch.stack(dirac_field(*states[-1], gamma)))
    return torch.stack(states)


def titles(box) -> list[str]:
    return [ax.get_title() for ax in box.demo.figure.axes]


def test_gda_explorer_is_marked_and_has_described_controls():
    box = gda_explorer(METHODS, flow)
    assert "gda-explorer" in box._dom_classes
    method = control(box, "method")
    assert list(method.options) == [*METHODS, CONTINUOUS]
    assert control(box, "step size η").min == pytest.approx(0.01)
    assert control(box, "step size η").max == pytest.approx(0.6)
    control(box, "steps")
    assert "final radius" in status(box, "gda-explorer")


@pytest.mark.parametrize(
    "description,value",
    [
        ("method", "alternating"),
        ("method", "extragradient"),
        ("method", "optimistic"),
        ("method", CONTINUOUS),
        ("step size η", 0.45),
        ("steps", 80),
    ],
)
def test_every_gda_control_redraws_the_figure(description, value):
    box = gda_explorer(METHODS, flow)
    assert_control_redraws(box, description, value)


def test_gda_title_reports_the_final_radius_of_simultaneous_steps():
    box = gda_explorer(METHODS, flow)
    control(box, "step size η").value = 0.3
    control(box, "steps").value = 50
    expected = (1 + 0.3**2) ** (50 / 2)
    assert f"final radius {expected:.3g}" in titles(box)[1], (
        f"titles {titles(box)}, expected {expected:.3g}"
    )


def test_continuous_uses_the_flow_over_time_eta_times_steps():
    path = gda_trajectory(CONTINUOUS, METHODS, flow, eta=0.1, steps=10)
    assert path.shape == (11, 2)
    assert path[-1] == pytest.approx([math.cos(1.0), math.sin(1.0)], abs=1e-12)


def test_unknown_method_raises_a_clear_value_error():
    with pytest.raises(ValueError, match=r"unknown method 'adam'.*simultaneous"):
        gda_trajectory("adam", METHODS, flow, eta=0.1, steps=5)
    with pytest.raises(ValueError, match=r"unknown method 'adam'"):
        gda_explorer(METHODS, flow, method="adam")
    with pytest.raises(ValueError, match="continuous"):
        gda_explorer({**METHODS, CONTINUOUS: METHODS["simultaneous"]}, flow)


def test_a_failing_method_is_shown_to_the_user_and_the_demo_recovers():
    def broken(x0, y0, eta, steps):
        raise RuntimeError("my update exploded")

    box = gda_explorer({**METHODS, "broken": broken}, flow)
    control(box, "method").value = "broken"
    message = status(box, "gda-explorer")
    assert "RuntimeError" in message and "my update exploded" in message, message
    assert box.demo.png is None, "a failed redraw must not leave a half-drawn figure"
    control(box, "method").value = "simultaneous"
    assert "final radius" in status(box, "gda-explorer")
    figure_png(box)


def test_a_wrong_shape_is_reported_with_the_expected_shape():
    box = gda_explorer(
        {"short": lambda x0, y0, eta, steps: torch.zeros(steps, 2)}, flow, method="short", steps=40
    )
    assert "expected (41, 2)" in status(box, "gda-explorer")


def test_dirac_gan_explorer_is_marked_and_has_described_controls():
    box = dirac_gan_explorer(dirac_field, dirac_simulate)
    assert "dirac-gan-explorer" in box._dom_classes
    assert "gda-explorer" not in box._dom_classes
    gamma = control(box, "gradient penalty γ")
    assert (gamma.min, gamma.max) == (0.0, 2.0)
    control(box, "step size η")
    assert "final distance" in status(box, "dirac-gan-explorer")


@pytest.mark.parametrize(
    "description,value", [("gradient penalty γ", 1.0), ("step size η", 0.3), ("steps", 100)]
)
def test_every_dirac_gan_control_redraws_the_figure(description, value):
    box = dirac_gan_explorer(dirac_field, dirac_simulate)
    assert_control_redraws(box, description, value)


def test_the_penalty_makes_the_dirac_gan_converge_in_the_figure():
    box = dirac_gan_explorer(dirac_field, dirac_simulate, eta=0.1, steps=300)
    free = float(titles(box)[1].split()[-1])
    control(box, "gradient penalty γ").value = 1.0
    damped = float(titles(box)[1].split()[-1])
    assert free > 1.0 and damped < 0.05, f"final distances: gamma=0 {free}, gamma=1 {damped}"


def test_a_failing_vector_field_is_shown_to_the_user():
    def broken(theta, psi, gamma):
        raise ZeroDivisionError("field undefined")

    box = dirac_gan_explorer(broken, dirac_simulate)
    assert "field undefined" in status(box, "dirac-gan-explorer")
    assert box.demo.png is None

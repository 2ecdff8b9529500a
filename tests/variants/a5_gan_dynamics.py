"""Plausible wrong implementations of a5_gan_dynamics and the test cells each must fail.

Each one is caught by the visible part of its test cell (`visible`). Measured on the solution: from
(1, 0) with eta = 0.1 for 300 steps the Dirac-GAN ends at distance 1.40 without a penalty and 0.0008
with gamma = 0.5; with the penalty's sign flipped it ends at 1e5, with gamma not passed on to the
field at 1.40, and with f'(t) = sigmoid(+t) at 1.44 and 0.0009 (the same qualitative picture, so
only the values of the field give it away: the penalty test checks them as a prerequisite).
"""

from course_utils.grading.samples import Variant

VARIANTS = [
    Variant(
        "alternating written as simultaneous",
        (
            (
                "        x = x - eta * y\n        y = y + eta * x\n",
                "        x, y = x - eta * y, y + eta * x\n",
            ),
        ),
        frozenset({"test_alternating_gda"}),
        visible="test_alternating_gda",
    ),
    Variant(
        "sign error: x ascends, y descends in simultaneous GDA",
        (
            (
                "x, y = x - eta * y, y + eta * x\n        path[t]",
                "x, y = x + eta * y, y - eta * x\n        path[t]",
            ),
        ),
        frozenset({"test_simultaneous_gda"}),
        visible="test_simultaneous_gda",
    ),
    Variant(
        "extragradient that uses the old gradient",
        (("x, y = x - eta * y_look, y + eta * x_look", "x, y = x - eta * y, y + eta * x"),),
        frozenset({"test_extragradient"}),
        visible="test_extragradient",
    ),
    Variant(
        "extragradient that steps from the look-ahead point",
        (
            (
                "x, y = x - eta * y_look, y + eta * x_look",
                "x, y = x_look - eta * y_look, y_look + eta * x_look",
            ),
        ),
        frozenset({"test_extragradient"}),
        visible="test_extragradient",
    ),
    Variant(
        "gradient flow turning the wrong way",
        (
            (
                "x = x0 * torch.cos(t) - y0 * torch.sin(t)",
                "x = x0 * torch.cos(t) + y0 * torch.sin(t)",
            ),
            (
                "y = x0 * torch.sin(t) + y0 * torch.cos(t)",
                "y = -x0 * torch.sin(t) + y0 * torch.cos(t)",
            ),
        ),
        frozenset({"test_gradient_flow"}),
        visible="test_gradient_flow",
    ),
    Variant(
        "optimistic GDA without the correction term",
        (
            ("x_new = x - eta * (2 * y - y_prev)", "x_new = x - eta * y"),
            ("y_new = y + eta * (2 * x - x_prev)", "y_new = y + eta * x"),
        ),
        frozenset({"test_optimistic_gda"}),
        visible="test_optimistic_gda",
    ),
    Variant(
        "optimistic GDA started with z_(-1) = 0 instead of z_0",
        (("x_prev, y_prev = x, y\n", "x_prev, y_prev = 0.0, 0.0\n"),),
        frozenset({"test_optimistic_gda"}),
        visible="test_optimistic_gda",
    ),
    Variant(
        "gradient penalty with the wrong sign",
        (("theta * slope - gamma * psi", "theta * slope + gamma * psi"),),
        frozenset({"test_dirac_gan_field", "test_dirac_gan_penalty"}),
        visible="test_dirac_gan_field",
    ),
    Variant(
        "Dirac-GAN field with f' = sigmoid(+t)",
        (("slope = torch.sigmoid(-psi * theta)", "slope = torch.sigmoid(psi * theta)"),),
        frozenset({"test_dirac_gan_field", "test_dirac_gan_penalty"}),
        visible="test_dirac_gan_field",
    ),
    Variant(
        "simulate_dirac_gan does not pass gamma on to the field",
        (
            (
                "d_theta, d_psi = dirac_gan_vector_field(theta, psi, gamma)",
                "d_theta, d_psi = dirac_gan_vector_field(theta, psi)",
            ),
        ),
        frozenset({"test_dirac_gan_penalty"}),
        visible="test_dirac_gan_penalty",
    ),
]

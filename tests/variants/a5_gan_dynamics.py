"""Plausible wrong implementations of a5_gan_dynamics and the test cells each must fail."""

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
    ),
    Variant(
        "extragradient that uses the old gradient",
        (("x, y = x - eta * y_look, y + eta * x_look", "x, y = x - eta * y, y + eta * x"),),
        frozenset({"test_extragradient"}),
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
    ),
    Variant(
        "optimistic GDA without the correction term",
        (
            ("x_new = x - eta * (2 * y - y_prev)", "x_new = x - eta * y"),
            ("y_new = y + eta * (2 * x - x_prev)", "y_new = y + eta * x"),
        ),
        frozenset({"test_optimistic_gda"}),
    ),
    Variant(
        "gradient penalty with the wrong sign",
        (("theta * slope - gamma * psi", "theta * slope + gamma * psi"),),
        frozenset({"test_dirac_gan_field", "test_dirac_gan_penalty"}),
    ),
    Variant(
        "Dirac-GAN field with f' = sigmoid(+t)",
        (("slope = torch.sigmoid(-psi * theta)", "slope = torch.sigmoid(psi * theta)"),),
        frozenset({"test_dirac_gan_field", "test_dirac_gan_penalty"}),
    ),
]

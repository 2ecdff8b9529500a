"""Correct implementations of a5_gan_dynamics written differently from the solution: all applied at
once, they must score full marks."""

from course_utils.grading.samples import Alternative

ALTERNATIVES = [
    Alternative(
        "simultaneous GDA in a numpy array, converted at the end",
        (
            (
                """    path = torch.zeros(steps + 1, 2, dtype=torch.float64)
    x, y = float(x0), float(y0)
    path[0] = torch.tensor([x, y])
    for t in range(1, steps + 1):
        x, y = x - eta * y, y + eta * x
        path[t] = torch.tensor([x, y])
    return path
""",
                """    import numpy as np

    path = np.empty((steps + 1, 2))
    path[0] = x0, y0
    for t in range(steps):
        path[t + 1] = path[t, 0] - eta * path[t, 1], path[t, 1] + eta * path[t, 0]
    return torch.from_numpy(path)
""",
            ),
        ),
    ),
    Alternative(
        "alternating GDA as repeated products with its one-step matrix",
        (
            (
                """    path = torch.zeros(steps + 1, 2, dtype=torch.float64)
    x, y = float(x0), float(y0)
    path[0] = torch.tensor([x, y])
    for t in range(1, steps + 1):
        x = x - eta * y
        y = y + eta * x
        path[t] = torch.tensor([x, y])
    return path
""",
                """    step = torch.tensor([[1.0, -eta], [eta, 1.0 - eta**2]], dtype=torch.float64)  # y uses the new x
    states = [torch.tensor([float(x0), float(y0)], dtype=torch.float64)]
    for _ in range(steps):
        states.append(step @ states[-1])
    return torch.stack(states)
""",
            ),
        ),
    ),
    Alternative(
        "gradient flow as a numpy rotation matrix",
        (
            (
                """    t = torch.as_tensor(t, dtype=torch.float64)
    x = x0 * torch.cos(t) - y0 * torch.sin(t)
    y = x0 * torch.sin(t) + y0 * torch.cos(t)
    return torch.stack([x, y], dim=1)
""",
                """    import numpy as np

    angle = np.asarray(t, dtype=np.float64)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])  # (2, 2, T)
    return torch.from_numpy(np.einsum("ijt,j->ti", rotation, np.array([x0, y0], dtype=np.float64)))
""",
            ),
        ),
    ),
    Alternative(
        "extragradient with complex numbers (the field is i z)",
        (
            (
                """        x_look, y_look = x - eta * y, y + eta * x
        x, y = x - eta * y_look, y + eta * x_look
""",
                """        z = complex(x, y)
        z = z + eta * 1j * (z + eta * 1j * z)
        x, y = z.real, z.imag
""",
            ),
        ),
    ),
    Alternative(
        "optimistic GDA that stores the previous gradients instead of the previous point",
        (
            (
                """    x_prev, y_prev = x, y
    path[0] = torch.tensor([x, y])
    for t in range(1, steps + 1):
        x_new = x - eta * (2 * y - y_prev)
        y_new = y + eta * (2 * x - x_prev)
        x_prev, y_prev, x, y = x, y, x_new, y_new
""",
                """    grad_prev = (y, -x)  # the direction each player descends, at z_(-1) = z_0
    path[0] = torch.tensor([x, y])
    for t in range(1, steps + 1):
        grad = (y, -x)
        x, y = x - eta * (2 * grad[0] - grad_prev[0]), y - eta * (2 * grad[1] - grad_prev[1])
        grad_prev = grad
""",
            ),
        ),
    ),
    Alternative(
        "Dirac-GAN field with f'(t) = 1 - sigmoid(t)",
        (("slope = torch.sigmoid(-psi * theta)", "slope = 1 - torch.sigmoid(psi * theta)"),),
    ),
    Alternative(
        "Dirac-GAN simulation on Python floats, the field called with numbers",
        (
            (
                """    path = torch.zeros(steps + 1, 2, dtype=torch.float64)
    theta, psi = torch.tensor(float(theta0)), torch.tensor(float(psi0))
    path[0] = torch.stack([theta, psi])
    for t in range(1, steps + 1):
        d_theta, d_psi = dirac_gan_vector_field(theta, psi, gamma)
        theta, psi = theta + eta * d_theta, psi + eta * d_psi
        path[t] = torch.stack([theta, psi])
    return path
""",
                """    states = [(float(theta0), float(psi0))]
    for _ in range(steps):
        theta, psi = states[-1]
        d_theta, d_psi = dirac_gan_vector_field(theta, psi, gamma)
        states.append((theta + eta * float(d_theta), psi + eta * float(d_psi)))
    return torch.tensor(states, dtype=torch.float64)
""",
            ),
        ),
    ),
]

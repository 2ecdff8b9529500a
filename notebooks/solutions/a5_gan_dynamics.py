# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 5: why simultaneous gradient play circles instead of converging
#
# A GAN is a two-player game: the generator lowers a value function, the discriminator
# raises it, and in practice both take gradient steps at the same time. The simplest game
# that shows what can go wrong is the bilinear one
#
# $$\min_x \max_y \; V(x, y) = x\,y .$$
#
# Its only equilibrium is $(0, 0)$: if $x \neq 0$ the $y$-player can push $V$ to $\pm\infty$,
# and if $y \neq 0$ the $x$-player can. Yet gradient play does not find it.
#
# **What you will do**
# 1. Implement simultaneous gradient descent-ascent (GDA) and prove numerically that each
#    step multiplies the distance to the equilibrium by exactly $\sqrt{1+\eta^2}$.
# 2. Implement alternating GDA and find the quantity it conserves.
# 3. Write the exact continuous-time solution (gradient flow): a circle.
# 4. Implement two fixes, extragradient and optimistic GDA, and measure their contraction.
# 5. Carry it over to a GAN: the Dirac-GAN, and how a gradient penalty makes it converge.
#
# Every function returns a `torch.float64` tensor. Run the cells from top to bottom; each
# exercise is followed by a cell that shows what you should see and a test cell.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math

import matplotlib.pyplot as plt
import torch

from course_utils.checks import as_tensor, check_close, check_true
from course_utils.device import setup
from course_utils.plotting import contours, trajectories, vector_field

setup(seed=0)
torch.set_default_dtype(torch.float64)

# %% [markdown]
# ## 1. Simultaneous gradient descent-ascent
#
# The $x$-player descends $\partial V / \partial x = y$, the $y$-player ascends
# $\partial V / \partial y = x$, both from the current point:
#
# $$x_{t+1} = x_t - \eta\, y_t, \qquad y_{t+1} = y_t + \eta\, x_t .$$
#
# Implement `simultaneous_gda(x0, y0, eta, steps)`. It returns the whole trajectory, a tensor
# of shape `(steps + 1, 2)` whose row $t$ is $(x_t, y_t)$ (row 0 is the starting point).

# %% nbgrader={"grade": false, "grade_id": "simultaneous_gda", "locked": false, "schema_version": 3, "solution": true, "task": false}
def simultaneous_gda(x0: float, y0: float, eta: float, steps: int) -> torch.Tensor:
    """Simultaneous GDA on V(x, y) = x y.

    Returns a float64 tensor (steps + 1, 2): row t is (x_t, y_t).
    """
    ### BEGIN SOLUTION
    path = torch.zeros(steps + 1, 2, dtype=torch.float64)
    x, y = float(x0), float(y0)
    path[0] = torch.tensor([x, y])
    for t in range(1, steps + 1):
        x, y = x - eta * y, y + eta * x
        path[t] = torch.tensor([x, y])
    return path
    ### END SOLUTION


# %% [markdown]
# You should see a spiral moving **away** from the equilibrium (the star), over the
# contour lines of $V(x, y) = xy$.

# %%
sim = simultaneous_gda(1.0, 0.0, eta=0.2, steps=40)
ax = contours(lambda X, Y: X * Y, xlim=(-4, 4), ylim=(-4, 4))
trajectories({"simultaneous": sim}, ax=ax)
ax.set_title("simultaneous GDA, $\\eta = 0.2$")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_simultaneous_gda", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""simultaneous_gda: shape, first steps, and growth of the radius by sqrt(1 + eta^2) per step."""
import math

import torch
from course_utils.checks import as_list, as_tensor, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.eta = 0.1
    ### BEGIN HIDDEN TESTS
    given.cases = [[float(rng.uniform(0.05, 0.6)), *rng.normal(size=2).tolist()] for _ in range(2)]
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.path = simultaneous_gda(1.0, 0.0, given.eta, 2)
    ### BEGIN HIDDEN TESTS
    seen.paths = [simultaneous_gda(x0, y0, eta, 25) for eta, x0, y0 in given.cases]
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close(
        "simultaneous_gda(1, 0, eta=0.1, steps=2)", seen.path, [[1.0, 0.0], [1.0, 0.1], [0.99, 0.2]],
        atol=1e-9, hint="both players must use the values of the previous step: x - eta*y, y + eta*x.",
    )
    ### BEGIN HIDDEN TESTS
    for (eta, x0, y0), path in zip(given.cases, as_list(seen.paths, "simultaneous_gda paths", 2)):
        name = f"simultaneous_gda({x0:.3g}, {y0:.3g}, {eta:.3g}, 25)"
        radius = as_tensor(path, name, shape=(26, 2)).norm(dim=1)
        check_close(
            f"radius ratio r_(t+1)/r_t of {name}", radius[1:] / radius[:-1],
            torch.full((25,), math.sqrt(1 + eta**2)), atol=1e-9,
            hint="each simultaneous step multiplies the distance to (0, 0) by sqrt(1 + eta^2).",
        )
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ### Why the spiral: a rotation that also stretches
#
# Write $z_t = (x_t, y_t)^\top$. One simultaneous step is a linear map,
#
# $$z_{t+1} = \begin{pmatrix} 1 & -\eta \\ \eta & 1 \end{pmatrix} z_t ,$$
#
# a rotation by $\arctan \eta$ times a stretch by $\sqrt{1+\eta^2}$ (the eigenvalues are
# $1 \pm i\eta$). So $\|z_t\| = (1+\eta^2)^{t/2}\|z_0\|$: **for every step size, however
# small, simultaneous GDA moves away from the equilibrium.** Smaller steps only slow the
# escape down.

# %% [markdown]
# ## 2. Alternating gradient descent-ascent
#
# Now the players take turns: $x$ moves first, then $y$ responds to the *new* $x$:
#
# $$x_{t+1} = x_t - \eta\, y_t, \qquad y_{t+1} = y_t + \eta\, x_{t+1} .$$
#
# Implement `alternating_gda(x0, y0, eta, steps)` with the same output as above.

# %% nbgrader={"grade": false, "grade_id": "alternating_gda", "locked": false, "schema_version": 3, "solution": true, "task": false}
def alternating_gda(x0: float, y0: float, eta: float, steps: int) -> torch.Tensor:
    """Alternating GDA on V(x, y) = x y: x steps first, y then uses the new x.

    Returns a float64 tensor (steps + 1, 2).
    """
    ### BEGIN SOLUTION
    path = torch.zeros(steps + 1, 2, dtype=torch.float64)
    x, y = float(x0), float(y0)
    path[0] = torch.tensor([x, y])
    for t in range(1, steps + 1):
        x = x - eta * y
        y = y + eta * x
        path[t] = torch.tensor([x, y])
    return path
    ### END SOLUTION


# %% [markdown]
# Alternating steps neither spiral in nor out: the one-step matrix
# $\begin{pmatrix} 1 & -\eta \\ \eta & 1-\eta^2 \end{pmatrix}$ has determinant 1, and the
# iterates stay on a closed curve, the ellipse
#
# $$Q(x, y) = x^2 + y^2 - \eta\, x\, y = \text{const}.$$
#
# You should see a closed orbit and a flat line for $Q$ along the trajectory.

# %%
alt = alternating_gda(1.0, 0.0, eta=0.3, steps=60)
Q = alt[:, 0] ** 2 + alt[:, 1] ** 2 - 0.3 * alt[:, 0] * alt[:, 1]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.5))
trajectories({"alternating": alt}, ax=ax1)
ax2.plot(Q, label="$Q = x^2 + y^2 - \\eta xy$")
ax2.plot(alt.norm(dim=1) ** 2, label="$x^2 + y^2$")
ax2.set_xlabel("step")
ax2.legend()
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_alternating_gda", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""alternating_gda: first steps use the updated x, and x^2 + y^2 - eta*x*y is conserved."""
from course_utils.checks import as_list, as_tensor, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.eta = 0.1
    ### BEGIN HIDDEN TESTS
    given.cases = [[float(rng.uniform(0.1, 0.95)), *rng.normal(size=2).tolist()] for _ in range(2)]
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.path = alternating_gda(1.0, 0.0, given.eta, 2)
    ### BEGIN HIDDEN TESTS
    seen.paths = [alternating_gda(x0, y0, eta, 200) for eta, x0, y0 in given.cases]
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close(
        "alternating_gda(1, 0, eta=0.1, steps=2)", seen.path, [[1.0, 0.0], [1.0, 0.1], [0.99, 0.199]],
        atol=1e-9, hint="y must be updated with the x of this step: y + eta * x_new.",
    )
    ### BEGIN HIDDEN TESTS
    for (eta, x0, y0), path in zip(given.cases, as_list(seen.paths, "alternating_gda paths", 2)):
        name = f"alternating_gda({x0:.3g}, {y0:.3g}, {eta:.3g}, 200)"
        path = as_tensor(path, name, shape=(201, 2))
        check_close(f"first step of {name}", path[:2], [[x0, y0], [x0 - eta * y0, y0 + eta * (x0 - eta * y0)]],
                    atol=1e-9, hint="x steps first, then y uses the new x.")
        q = path[:, 0] ** 2 + path[:, 1] ** 2 - eta * path[:, 0] * path[:, 1]
        check_close(
            f"x^2 + y^2 - eta*x*y along {name}", q, q[0].expand(201), atol=1e-9,
            hint="alternating updates conserve x^2 + y^2 - eta*x*y exactly.",
        )
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 3. The continuous-time limit: gradient flow
#
# As $\eta \to 0$ the steps follow the ODE $\dot x = -y$, $\dot y = x$. Its solution is a
# rotation at unit angular speed:
#
# $$x(t) = x_0 \cos t - y_0 \sin t, \qquad y(t) = x_0 \sin t + y_0 \cos t .$$
#
# The distance to the equilibrium never changes: the players circle forever. Simultaneous
# steps leave the circle outwards (each Euler step moves along the tangent, which points
# outside a circle); alternating steps stay on a nearby ellipse.
#
# Implement `gradient_flow(x0, y0, t)` where `t` is a 1-D tensor of times; return a
# tensor of shape `(len(t), 2)`.

# %% nbgrader={"grade": false, "grade_id": "gradient_flow", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gradient_flow(x0: float, y0: float, t: torch.Tensor) -> torch.Tensor:
    """Exact solution of dx/dt = -y, dy/dt = x from (x0, y0) at the times t (T,).

    Returns a float64 tensor (T, 2).
    """
    ### BEGIN SOLUTION
    t = torch.as_tensor(t, dtype=torch.float64)
    x = x0 * torch.cos(t) - y0 * torch.sin(t)
    y = x0 * torch.sin(t) + y0 * torch.cos(t)
    return torch.stack([x, y], dim=1)
    ### END SOLUTION


# %%
times = torch.linspace(0, 2 * math.pi, 200)
flow = gradient_flow(1.0, 0.0, times)
trajectories({"gradient flow": flow, "simultaneous": simultaneous_gda(1.0, 0.0, 0.2, 31)})
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_gradient_flow", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""gradient_flow: a quarter turn from (1, 0), the ODE dx/dt = -y, dy/dt = x, and a constant radius."""
import math

import torch
from course_utils.checks import as_tensor, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.quarter = torch.tensor([0.0, math.pi / 2], dtype=torch.float64)
    ### BEGIN HIDDEN TESTS
    given.start = rng.normal(size=2).tolist()
    given.t = torch.tensor(sorted(rng.uniform(0.0, 7.0, size=50)), dtype=torch.float64)
    given.h = 1e-6
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.quarter = gradient_flow(1.0, 0.0, given.quarter)
    ### BEGIN HIDDEN TESTS
    x0, y0 = given.start
    seen.path = gradient_flow(x0, y0, given.t)
    seen.ahead = gradient_flow(x0, y0, given.t + given.h)
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close(
        "gradient_flow(1, 0, [0, pi/2])", seen.quarter, [[1.0, 0.0], [0.0, 1.0]], atol=1e-9,
        hint="after a quarter period (1, 0) has turned to (0, 1).",
    )
    ### BEGIN HIDDEN TESTS
    x0, y0 = given.start
    name = f"gradient_flow({x0:.3g}, {y0:.3g}, t)"
    path = as_tensor(seen.path, name, shape=(50, 2))
    ahead = as_tensor(seen.ahead, f"{name} at t + h", shape=(50, 2))
    velocity = (ahead - path) / given.h
    check_close(f"d/dt {name}", velocity, torch.stack([-path[:, 1], path[:, 0]], dim=1), atol=1e-4,
                hint="the flow must solve dx/dt = -y, dy/dt = x.")
    check_close(f"radius of {name}", path.norm(dim=1), torch.full((50,), math.hypot(x0, y0)), atol=1e-9,
                hint="the flow is a rotation: the distance to (0, 0) never changes.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 4. Two fixes: extragradient and optimistic GDA
#
# **Extragradient** looks ahead: take a trial step, then step from the *current* point using
# the gradient measured at the trial point:
#
# $$\tilde x = x_t - \eta\, y_t,\quad \tilde y = y_t + \eta\, x_t, \qquad
#   x_{t+1} = x_t - \eta\, \tilde y,\quad y_{t+1} = y_t + \eta\, \tilde x .$$
#
# On $V = xy$ one step multiplies the radius by $\sqrt{1 - \eta^2 + \eta^4} < 1$ for
# $0 < \eta < 1$: it spirals **in**.
#
# **Optimistic GDA** reuses the previous gradient instead of computing a new one: with
# $g_t = \nabla V(z_t)$, each player steps with $2 g_t - g_{t-1}$ (the current gradient plus
# a correction for how it changed):
#
# $$x_{t+1} = x_t - \eta\,(2 y_t - y_{t-1}), \qquad y_{t+1} = y_t + \eta\,(2 x_t - x_{t-1}),$$
#
# with $z_{-1} = z_0$, so that the first step is a plain simultaneous step.

# %% nbgrader={"grade": false, "grade_id": "extragradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
def extragradient(x0: float, y0: float, eta: float, steps: int) -> torch.Tensor:
    """Extragradient on V(x, y) = x y. Returns a float64 tensor (steps + 1, 2)."""
    ### BEGIN SOLUTION
    path = torch.zeros(steps + 1, 2, dtype=torch.float64)
    x, y = float(x0), float(y0)
    path[0] = torch.tensor([x, y])
    for t in range(1, steps + 1):
        x_look, y_look = x - eta * y, y + eta * x
        x, y = x - eta * y_look, y + eta * x_look
        path[t] = torch.tensor([x, y])
    return path
    ### END SOLUTION


def optimistic_gda(x0: float, y0: float, eta: float, steps: int) -> torch.Tensor:
    """Optimistic GDA on V(x, y) = x y with z_(-1) = z_0. Returns a float64 tensor (steps + 1, 2)."""
    ### BEGIN SOLUTION
    path = torch.zeros(steps + 1, 2, dtype=torch.float64)
    x, y = float(x0), float(y0)
    x_prev, y_prev = x, y
    path[0] = torch.tensor([x, y])
    for t in range(1, steps + 1):
        x_new = x - eta * (2 * y - y_prev)
        y_new = y + eta * (2 * x - x_prev)
        x_prev, y_prev, x, y = x, y, x_new, y_new
        path[t] = torch.tensor([x, y])
    return path
    ### END SOLUTION


# %% [markdown]
# You should see both fixed methods spiral into the equilibrium while simultaneous GDA
# spirals out.

# %%
paths = {
    "simultaneous": simultaneous_gda(1.0, 0.0, 0.2, 60),
    "extragradient": extragradient(1.0, 0.0, 0.2, 60),
    "optimistic": optimistic_gda(1.0, 0.0, 0.2, 60),
}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.5))
trajectories(paths, ax=ax1)
for name, path in paths.items():
    ax2.semilogy(path.norm(dim=1), label=name)
ax2.set_xlabel("step")
ax2.set_ylabel("distance to (0, 0)")
ax2.legend()
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_extragradient", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""extragradient: one step from (1, 0), and contraction by sqrt(1 - eta^2 + eta^4) per step."""
import math

import torch
from course_utils.checks import as_list, as_tensor, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.eta = 0.1
    ### BEGIN HIDDEN TESTS
    given.cases = [[float(rng.uniform(0.1, 0.9)), *rng.normal(size=2).tolist()] for _ in range(2)]
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.step = extragradient(1.0, 0.0, given.eta, 1)
    ### BEGIN HIDDEN TESTS
    seen.paths = [extragradient(x0, y0, eta, 30) for eta, x0, y0 in given.cases]
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close(
        "extragradient(1, 0, eta=0.1, steps=1)", seen.step, [[1.0, 0.0], [0.99, 0.1]], atol=1e-9,
        hint="the update uses the gradient at the look-ahead point, applied to the current point.",
    )
    ### BEGIN HIDDEN TESTS
    for (eta, x0, y0), path in zip(given.cases, as_list(seen.paths, "extragradient paths", 2)):
        name = f"extragradient({x0:.3g}, {y0:.3g}, {eta:.3g}, 30)"
        radius = as_tensor(path, name, shape=(31, 2)).norm(dim=1)
        check_close(
            f"radius ratio of {name}", radius[1:] / radius[:-1],
            torch.full((30,), math.sqrt(1 - eta**2 + eta**4)), atol=1e-9,
            hint="extragradient contracts the radius by sqrt(1 - eta^2 + eta^4) per step.",
        )
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% nbgrader={"grade": true, "grade_id": "test_optimistic_gda", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""optimistic_gda: the first two steps, and convergence towards (0, 0)."""
from course_utils.checks import as_tensor, check_close, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.eta = 0.1
    ### BEGIN HIDDEN TESTS
    given.start = rng.normal(size=2).tolist()
    given.eta_short = float(rng.uniform(0.1, 0.5))
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.path = optimistic_gda(1.0, 0.0, given.eta, 2)
    ### BEGIN HIDDEN TESTS
    seen.long = optimistic_gda(*given.start, 0.2, 300)
    seen.short = optimistic_gda(*given.start, given.eta_short, 5)
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close(
        "optimistic_gda(1, 0, eta=0.1, steps=2)", seen.path, [[1.0, 0.0], [1.0, 0.1], [0.98, 0.2]], atol=1e-9,
        hint="step with 2*g_t - g_(t-1); the first step uses z_(-1) = z_0 (a plain simultaneous step).",
    )
    ### BEGIN HIDDEN TESTS
    x, y = given.start
    path = as_tensor(seen.long, f"optimistic_gda({x:.3g}, {y:.3g}, 0.2, 300)", shape=(301, 2))
    check_true(bool(path[-1].norm() < 1e-2 * path[0].norm()), (
        f"optimistic_gda({x:.3g}, {y:.3g}, eta=0.2, steps=300) ends at distance {float(path[-1].norm()):.3g}"
        " from (0, 0); expected less than 1% of the start."
    ))
    eta = given.eta_short
    exact = [[x, y]]
    xp, yp = x, y
    for _ in range(5):
        x, y, xp, yp = x - eta * (2 * y - yp), y + eta * (2 * x - xp), x, y
        exact.append([x, y])
    check_close(f"optimistic_gda(..., eta={eta:.3g}, steps=5)", seen.short, exact, atol=1e-9)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 5. Back to GANs: the Dirac-GAN
#
# Mescheder, Geiger and Nowozin (2018) reduce a GAN to two numbers. The data distribution is a
# point mass at 0, the generator produces a point mass at $\theta$, and the discriminator is
# linear, $D_\psi(x) = \psi x$. With $f(t) = \log \sigma(t) = -\log(1 + e^{-t})$ the GAN
# objective is
#
# $$L(\theta, \psi) = f(\psi\theta) + f(0),$$
#
# minimised by $\theta$ and maximised by $\psi$. Near the equilibrium $(0, 0)$ it looks like
# our $xy$ game, and the discriminator and generator undo each other's progress in the same
# way. A gradient penalty on the discriminator, $\frac{\gamma}{2}\psi^2$ (R1: the squared
# gradient of $D$ on real data), subtracts $\gamma\psi$ from the discriminator's direction:
#
# $$\dot\theta = -\psi\, f'(\psi\theta), \qquad \dot\psi = \theta\, f'(\psi\theta) - \gamma\,\psi,
# \qquad f'(t) = \sigma(-t).$$
#
# Implement `dirac_gan_vector_field(theta, psi, gamma)` (the pair of directions above,
# elementwise for tensors) and `simulate_dirac_gan(theta0, psi0, eta, steps, gamma)`
# (simultaneous Euler steps $z_{t+1} = z_t + \eta\, v(z_t)$, shape `(steps + 1, 2)`).

# %% nbgrader={"grade": false, "grade_id": "dirac_gan", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dirac_gan_vector_field(theta, psi, gamma: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """(d theta, d psi) of the Dirac-GAN with an R1 penalty gamma; theta, psi: numbers or tensors."""
    ### BEGIN SOLUTION
    theta = torch.as_tensor(theta, dtype=torch.float64)
    psi = torch.as_tensor(psi, dtype=torch.float64)
    slope = torch.sigmoid(-psi * theta)
    return -psi * slope, theta * slope - gamma * psi
    ### END SOLUTION


def simulate_dirac_gan(theta0: float, psi0: float, eta: float, steps: int, gamma: float = 0.0) -> torch.Tensor:
    """Simultaneous Euler steps along the Dirac-GAN field. Returns a float64 tensor (steps + 1, 2)."""
    ### BEGIN SOLUTION
    path = torch.zeros(steps + 1, 2, dtype=torch.float64)
    theta, psi = torch.tensor(float(theta0)), torch.tensor(float(psi0))
    path[0] = torch.stack([theta, psi])
    for t in range(1, steps + 1):
        d_theta, d_psi = dirac_gan_vector_field(theta, psi, gamma)
        theta, psi = theta + eta * d_theta, psi + eta * d_psi
        path[t] = torch.stack([theta, psi])
    return path
    ### END SOLUTION


# %% [markdown]
# You should see the unregularised Dirac-GAN circle outwards around $(0, 0)$ and the
# penalised one ($\gamma = 0.5$) spiral into it.

# %%
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, gamma in zip(axes, [0.0, 0.5]):
    vector_field(lambda T, P: tuple(v.numpy() for v in dirac_gan_vector_field(torch.tensor(T), torch.tensor(P), gamma)),
                 ax=ax, xlabel="$\\theta$", ylabel="$\\psi$")
    trajectories({f"gamma={gamma}": simulate_dirac_gan(1.0, 0.0, 0.1, 300, gamma)}, ax=ax,
                 xlabel="$\\theta$", ylabel="$\\psi$")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_dirac_gan_field", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""dirac_gan_vector_field: values at chosen points, with and without the gradient penalty."""
import math

import torch
from course_utils.checks import as_list, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.point = [1.0, 0.0]
    given.slope_point = [1.0, math.log(3.0)]  # psi * theta = log 3, where f'(t) = sigmoid(-t) = 1/4
    given.penalty_point = [0.0, 1.0, 0.5]  # (theta, psi, gamma): at theta = 0 only the penalty moves psi
    ### BEGIN HIDDEN TESTS
    given.theta = torch.tensor(rng.normal(size=3), dtype=torch.float64)
    given.psi = torch.tensor(rng.normal(size=3), dtype=torch.float64)
    given.gammas = [0.0, float(rng.uniform(0.2, 1.5))]
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.d_theta, seen.d_psi = dirac_gan_vector_field(*given.point, 0.0)
    seen.slope_field = list(dirac_gan_vector_field(*given.slope_point, 0.0))
    seen.penalty_field = list(dirac_gan_vector_field(*given.penalty_point))
    ### BEGIN HIDDEN TESTS
    seen.fields = [list(dirac_gan_vector_field(given.theta, given.psi, gamma)) for gamma in given.gammas]
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close("d_theta of dirac_gan_vector_field(1, 0, 0)", seen.d_theta, 0.0, atol=1e-9)
    check_close("d_psi of dirac_gan_vector_field(1, 0, 0)", seen.d_psi, 0.5, atol=1e-9,
                hint="at psi = 0, f'(0) = sigmoid(0) = 1/2, so d_psi = theta / 2.")
    theta, psi = given.slope_point
    d_theta, d_psi = as_list(seen.slope_field, "dirac_gan_vector_field(1, log 3, 0)", 2)
    check_close("d_theta of dirac_gan_vector_field(1, log 3, 0)", d_theta, -psi / 4, atol=1e-9,
                hint="f'(t) = sigmoid(-t), the derivative of log sigmoid(t): sigmoid(-log 3) = 1/4 here"
                " (sigmoid(+t) gives 3/4).")
    check_close("d_psi of dirac_gan_vector_field(1, log 3, 0)", d_psi, theta / 4, atol=1e-9,
                hint="d_psi = theta * f'(psi * theta) with f'(t) = sigmoid(-t).")
    theta, psi, gamma = given.penalty_point
    d_theta, d_psi = as_list(seen.penalty_field, "dirac_gan_vector_field(0, 1, gamma=0.5)", 2)
    check_close("d_psi of dirac_gan_vector_field(0, 1, gamma=0.5)", d_psi, -gamma * psi, atol=1e-9,
                hint="the discriminator maximises L - (gamma/2) psi^2, so its direction gains -gamma * psi"
                " (a pull back to 0, not a push away).")
    check_close("d_theta of dirac_gan_vector_field(0, 1, gamma=0.5)", d_theta, -psi / 2, atol=1e-9,
                hint="the penalty acts on the discriminator only: d_theta = -psi * f'(psi * theta).")
    ### BEGIN HIDDEN TESTS
    theta, psi = given.theta, given.psi
    s = torch.sigmoid(-psi * theta)
    for gamma, field in zip(given.gammas, as_list(seen.fields, "Dirac-GAN fields", 2)):
        d_theta, d_psi = as_list(field, f"dirac_gan_vector_field(theta, psi, {gamma:.3g})", 2)
        check_close(f"d_theta of the Dirac-GAN (gamma={gamma:.3g})", d_theta, -psi * s, atol=1e-9,
                    hint="f'(t) = sigmoid(-t) for f(t) = log sigmoid(t).")
        check_close(f"d_psi of the Dirac-GAN (gamma={gamma:.3g})", d_psi, theta * s - gamma * psi, atol=1e-9,
                    hint="the penalty (gamma/2) psi^2 pulls the discriminator back by gamma * psi.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% nbgrader={"grade": true, "grade_id": "test_dirac_gan_penalty", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""simulate_dirac_gan: without a penalty the distance to (0, 0) grows; with gamma = 0.5 it shrinks to 0."""
import math

from course_utils.checks import as_list, as_tensor, check_close, check_true, prerequisite
from course_utils.verdict import run_test


def inputs(given, rng):
    given.start = [1.0, 0.0]
    given.field_points = [[1.0, math.log(3.0), 0.0], [0.0, 1.0, 0.5]]  # (theta, psi, gamma) for the field
    ### BEGIN HIDDEN TESTS
    given.step_case = [*rng.normal(size=2).tolist(), float(rng.uniform(0.05, 0.2)), float(rng.uniform(0.1, 1.0))]
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.fields = [list(dirac_gan_vector_field(*point)) for point in given.field_points]
    seen.free = simulate_dirac_gan(*given.start, 0.1, 300, 0.0)
    seen.damped = simulate_dirac_gan(*given.start, 0.1, 300, 0.5)
    ### BEGIN HIDDEN TESTS
    theta0, psi0, eta, gamma = given.step_case
    seen.one_step = simulate_dirac_gan(theta0, psi0, eta, 1, gamma)
    ### END HIDDEN TESTS


def judge(given, seen):
    with prerequisite("dirac_gan_vector_field", "test_dirac_gan_field"):
        for (theta, psi, gamma), field in zip(given.field_points, as_list(seen.fields, "Dirac-GAN fields", 2)):
            name = f"dirac_gan_vector_field({theta:.3g}, {psi:.3g}, {gamma:.3g})"
            slope = 1 / (1 + math.exp(theta * psi))  # f'(psi theta) = sigmoid(-psi theta)
            check_close(name, as_list(field, name, 2), [-psi * slope, theta * slope - gamma * psi], atol=1e-9)
    # the solution ends at 1.40 without a penalty and at 0.0008 with gamma = 0.5 (a penalty of the wrong sign:
    # 1e5; gamma not passed on to the field: 1.40)
    free = as_tensor(seen.free, "simulate_dirac_gan(1, 0, 0.1, 300, gamma=0)", shape=(301, 2))
    check_true(bool(free[-1].norm() > free[0].norm()), (
        f"without a penalty the Dirac-GAN ended at distance {float(free[-1].norm()):.3g} from (0, 0),"
        " expected more than the start (1.0): simultaneous steps circle outwards."
    ))
    damped = as_tensor(seen.damped, "simulate_dirac_gan(1, 0, 0.1, 300, gamma=0.5)", shape=(301, 2))
    check_true(bool(damped[-1].norm() < 0.05), (
        f"with gamma=0.5 the Dirac-GAN ended at distance {float(damped[-1].norm()):.3g} from (0, 0); expected < 0.05:"
        " pass gamma on to dirac_gan_vector_field at every step."
    ))
    ### BEGIN HIDDEN TESTS
    theta, psi, eta, gamma = given.step_case
    one_step = as_tensor(seen.one_step, "simulate_dirac_gan(theta0, psi0, eta, 1, gamma)", shape=(2, 2))
    slope = 1 / (1 + math.exp(theta * psi))
    check_close(f"first step of simulate_dirac_gan({theta:.3g}, {psi:.3g}, {eta:.3g}, 1, {gamma:.3g})", one_step,
                [[theta, psi], [theta - eta * psi * slope, psi + eta * (theta * slope - gamma * psi)]], atol=1e-9,
                hint="z_(t+1) = z_t + eta * v(z_t), both coordinates from the current point.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ### Measured on your implementation
#
# The next cell measures the per-step factors of your methods and saves them for the course
# benchmark (`course bench`), next to the closed forms derived above.

# %%
from course_utils.metrics import write_metrics

eta = 0.2
radius = {name: fn(1.0, 0.0, eta, 100).norm(dim=1) for name, fn in
          [("simultaneous", simultaneous_gda), ("extragradient", extragradient), ("optimistic", optimistic_gda)]}
write_metrics("a5_gan_dynamics", [
    ("simultaneous GDA: radius factor per step (eta=0.2)", float((radius["simultaneous"][-1]) ** (1 / 100)),
     f"sqrt(1 + eta^2) = {math.sqrt(1 + eta**2):.4f}"),
    ("extragradient: radius factor per step (eta=0.2)", float((radius["extragradient"][-1]) ** (1 / 100)),
     f"sqrt(1 - eta^2 + eta^4) = {math.sqrt(1 - eta**2 + eta**4):.4f}"),
    ("optimistic GDA: radius after 100 steps (eta=0.2)", float(radius["optimistic"][-1]), "start 1.0"),
    ("Dirac-GAN, gamma=0.5: distance to (0,0) after 300 steps", float(simulate_dirac_gan(1.0, 0.0, 0.1, 300, 0.5)[-1].norm()),
     "gamma=0: " + f"{float(simulate_dirac_gan(1.0, 0.0, 0.1, 300, 0.0)[-1].norm()):.3f}"),
])

# %% [markdown]
# ## What this means for GAN training
#
# * In a GAN, the discriminator's best move depends on where the generator is, and the
#   generator's on the discriminator. With simultaneous steps each player reacts to where the
#   other *was*: the discriminator sharpens against the current fakes, the generator moves
#   the fakes to where the discriminator is now wrong, and the pair rotates around the
#   equilibrium instead of settling. With any fixed step size the rotation slowly gains
#   energy (factor $\sqrt{1+\eta^2}$ per step here).
# * Alternating updates are better, but only neutrally stable: they orbit forever. You
#   stepped x (the generator) first; Algorithm 1 steps the discriminator y first, and that
#   order conserves x^2 + y^2 + eta*x*y instead, the same ellipse mirrored.
# * Look-ahead (extragradient), momentum-like corrections (optimistic GDA) and a penalty on
#   the discriminator's gradient (R1) turn the rotation into a contraction.
#
# **References.** Goodfellow et al., *Generative Adversarial Nets* (2014);
# Mescheder, Geiger, Nowozin, *Which Training Methods for GANs do actually Converge?* (2018);
# Daskalakis et al., *Training GANs with Optimism* (2018);
# Gidel et al., *A Variational Inequality Perspective on GANs* (2019).

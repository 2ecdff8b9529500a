# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 5: the dynamics of GAN training
#
# A GAN is trained by two players who move at the same time: the discriminator climbs a
# value function, the generator descends it. Gradient descent on a single loss has a
# guarantee, the loss goes down; a game has no such quantity, and the pair of players can
# circle around the solution forever, or spiral away from it. This lecture takes the
# smallest game where this happens apart, with nothing but $2 \times 2$ matrices.
#
# **What you will learn**
#
# * why the bilinear game $\min_x \max_y xy$ has an equilibrium at $(0, 0)$ that gradient
#   play does not find;
# * how to write each update rule as a *one-step matrix*, and read its fate from the
#   eigenvalues: the continuous flow circles, simultaneous steps spiral out by exactly
#   $\sqrt{1+\eta^2}$ per step, alternating steps orbit on an ellipse, extragradient and
#   optimistic steps (with a small enough step size) spiral in;
# * the Dirac-GAN of Mescheder et al. (2018), a real GAN with one parameter per player, and
#   why a gradient penalty on the discriminator makes it converge;
# * what this says about Algorithm 1 of the original GAN paper.
#
# Assignment 5 asks you to implement these updates as loops; here we study them as matrices.

# %%
import math

import matplotlib.pyplot as plt
import torch

from course_utils.device import setup
from course_utils.plotting import contours, trajectories, vector_field
from course_utils.widgets_gan_dynamics import dirac_gan_explorer, gda_explorer

setup(seed=0)
torch.set_default_dtype(torch.float64)  # the radii below are compared to 1e-12

# %% [markdown]
# ## 1. The bilinear game and its equilibrium
#
# Player $x$ minimises, player $y$ maximises
#
# $$V(x, y) = x\,y .$$
#
# A point $(x^*, y^*)$ is an equilibrium when neither player gains by moving alone:
# $V(x^*, y) \le V(x^*, y^*) \le V(x, y^*)$ for all $x, y$. If $x^* \neq 0$, the maximiser
# makes $V$ as large as it likes by sending $y$ to $\pm\infty$; if $y^* \neq 0$, the
# minimiser does the same. So the only equilibrium is $(0, 0)$, where $V = 0$ and both
# gradients vanish:
#
# $$\nabla_x V = y, \qquad \nabla_y V = x .$$
#
# The contour lines below are hyperbolas and $(0, 0)$ is a saddle point of $V$: $V$ rises along
# the diagonal $y = x$ and falls along $y = -x$. For a single minimiser a saddle is a point to
# escape from; for the two players it is exactly where both should settle.

# %%
ax = contours(lambda X, Y: X * Y)
ax.plot(0, 0, "k*", ms=10, label="equilibrium (0, 0)")
ax.set_xlabel("x (minimises)")
ax.set_ylabel("y (maximises)")
ax.set_title("contours of $V(x, y) = xy$")
ax.legend(loc="upper right", fontsize="small")
plt.show()

# %% [markdown]
# ## 2. The continuous dynamics: a circle
#
# Let both players follow their gradients with an infinitesimal step: $x$ descends,
# $y$ ascends,
#
# $$\dot x = -\frac{\partial V}{\partial x} = -y, \qquad
#   \dot y = +\frac{\partial V}{\partial y} = x .$$
#
# With $z = (x, y)^\top$ this is one linear ODE,
#
# $$\dot z = J z, \qquad J = \begin{pmatrix} 0 & -1 \\ 1 & 0 \end{pmatrix},$$
#
# whose solution is the matrix exponential $z(t) = e^{tJ} z_0$. Since $J^2 = -I$, the
# series $e^{tJ} = \sum_k t^k J^k / k!$ splits into its even terms ($I$ times the series
# of $\cos t$) and odd terms ($J$ times the series of $\sin t$):
#
# $$e^{tJ} = \cos t \, I + \sin t \, J
#          = \begin{pmatrix} \cos t & -\sin t \\ \sin t & \cos t \end{pmatrix},
# \qquad
# x(t) = x_0 \cos t - y_0 \sin t, \quad y(t) = x_0 \sin t + y_0 \cos t .$$
#
# A rotation: $\|z(t)\| = \|z_0\|$ for all $t$. The players never reach the equilibrium,
# they circle it at constant distance. We compute the flow with `torch.linalg.matrix_exp`
# and check it against the closed form.

# %%
J = torch.tensor([[0.0, -1.0], [1.0, 0.0]])  # the game's field: (-dV/dx, dV/dy) = J z
I2 = torch.eye(2)


def flow(x0: float, y0: float, t: torch.Tensor) -> torch.Tensor:
    """Continuous gradient play z(t) = exp(t J) z0 at the times t (T,); returns (T, 2)."""
    z0 = torch.tensor([x0, y0])
    return torch.linalg.matrix_exp(t[:, None, None] * J) @ z0


t = torch.linspace(0, 2 * math.pi, 9)
closed_form = torch.stack([torch.cos(t), torch.sin(t)], dim=1)  # x0 = 1, y0 = 0
print(
    "largest difference to the closed form:", float((flow(1.0, 0.0, t) - closed_form).abs().max())
)

# %% [markdown]
# Drawn against time, each player's position is a sinusoid, a quarter period behind the
# other: $x$ is largest when $y$ crosses zero, and the other way round. Neither settles.

# %%
times = torch.linspace(0, 4 * math.pi, 200)
path = flow(1.0, 0.5, times)
fig, ax = plt.subplots(figsize=(8, 2.8))
ax.plot(times, path[:, 0], label="$x(t)$ (generator)")
ax.plot(times, path[:, 1], label="$y(t)$ (discriminator)")
ax.plot(times, path.norm(dim=1), color="0.5", ls="--", label="$\\|z(t)\\|$")
ax.axhline(0, color="0.8", lw=0.8)
ax.set_xlabel("time $t$")
ax.legend(loc="upper right", ncols=3)
plt.show()

# %% [markdown]
# ## 3. Simultaneous steps: the linear map $I + \eta J$
#
# In practice both players take a gradient step of size $\eta$ *at the same time*, each
# using the other's current position. That is an explicit Euler step of the ODE:
#
# $$z_{t+1} = z_t + \eta J z_t = S_\eta z_t, \qquad
#   S_\eta = \begin{pmatrix} 1 & -\eta \\ \eta & 1 \end{pmatrix} .$$
#
# Every update in this lecture is such a one-step matrix $M$, applied again and again:
# $z_t = M^t z_0$. One helper runs them all.


# %%
def iterate(matrix: torch.Tensor, z0: torch.Tensor, steps: int) -> torch.Tensor:
    """Apply a one-step matrix (d, d) `steps` times from z0 (d,); returns (steps + 1, d)."""
    states = [z0]
    for _ in range(steps):
        states.append(matrix @ states[-1])
    return torch.stack(states)


def simultaneous_matrix(eta: float) -> torch.Tensor:
    """One simultaneous step on V = xy: S = I + eta J, shape (2, 2)."""
    return I2 + eta * J


# %% [markdown] checks=["torch.linalg.eigvals(S).imag.abs().max() ~ 0.2 +- 1e-6", "ratios.min() ~ 1.0198 +- 0.00005", "ratios.max() ~ 1.0198 +- 0.00005"]
# **Why it spirals out.** The eigenvalues of $S_\eta$ are $1 \pm i\eta$, of modulus
# $\sqrt{1+\eta^2} > 1$. Better still, $S_\eta^\top S_\eta = (1+\eta^2) I$ (because
# $J^\top = -J$ and $J^\top J = I$), so for *every* $z$
#
# $$\|z_{t+1}\| = \sqrt{1+\eta^2}\, \|z_t\| \quad\Longrightarrow\quad
#   \|z_t\| = (1+\eta^2)^{t/2}\, \|z_0\| .$$
#
# Each Euler step moves along the tangent of the circle through $z_t$, and the tangent
# points outside the circle. A smaller step size slows the escape down; no step size stops
# it. You should see eigenvalues $1 \pm 0.2i$ and a radius ratio of $\sqrt{1.04} \approx 1.0198$
# at every step.

# %%
eta = 0.2
S = simultaneous_matrix(eta)
print("eigenvalues of S:", torch.linalg.eigvals(S))
path = iterate(S, torch.tensor([1.0, 0.0]), 40)
ratios = path.norm(dim=1)[1:] / path.norm(dim=1)[:-1]
print(
    f"radius ratio per step: min {ratios.min():.12f}, max {ratios.max():.12f}, "
    f"sqrt(1 + eta^2) = {math.sqrt(1 + eta**2):.12f}"
)

# %% [markdown]
# ## 4. Alternating steps: determinant 1 and a conserved ellipse
#
# The original GAN algorithm updates the players *in turn*. Its Algorithm 1 steps the
# discriminator first; here we let $x$ move first and $y$ react to the new $x$, the mirror
# image of that order (the end of this section gives the other order's numbers):
#
# $$x_{t+1} = x_t - \eta\, y_t, \qquad y_{t+1} = y_t + \eta\, x_{t+1} .$$
#
# Each half-step is a shear, so the one-step matrix is a product of two triangular
# matrices with unit diagonal:
#
# $$A_\eta = \begin{pmatrix} 1 & 0 \\ \eta & 1 \end{pmatrix}
#            \begin{pmatrix} 1 & -\eta \\ 0 & 1 \end{pmatrix}
#          = \begin{pmatrix} 1 & -\eta \\ \eta & 1 - \eta^2 \end{pmatrix},
# \qquad \det A_\eta = 1 .$$
#
# Its eigenvalues solve $\lambda^2 - (2 - \eta^2)\lambda + 1 = 0$; for $\eta < 2$ they are
# complex conjugates whose product is 1, so both have modulus exactly 1. Area is preserved
# and nothing spirals, in or out. What is conserved is the quadratic form
#
# $$Q(x, y) = x^2 + y^2 - \eta\, x y :$$
#
# write $Q(x, y) = x\,(x - \eta y) + y^2 = x\, x_{t+1} + y^2$, and the same rearrangement at
# the new point gives $Q(x_{t+1}, y_{t+1}) = x_{t+1}\,(x_{t+1} + \eta y) + y^2 = x_{t+1} x + y^2$.
# In matrix form, $Q(z) = z^\top Q_\eta z$ is conserved exactly when
# $A_\eta^\top Q_\eta A_\eta = Q_\eta$.
#
# In Algorithm 1's order the discriminator $y$ moves first, $y_{t+1} = y_t + \eta\, x_t$, and
# then $x_{t+1} = x_t - \eta\, y_{t+1}$. The one-step matrix is the same two shears in the
# other order, again with determinant 1, and the same rearrangement shows that it conserves
# $x^2 + y^2 + \eta\, x y$: an ellipse tilted the other way, along $y = -x$.


# %%
def alternating_matrix(eta: float) -> torch.Tensor:
    """One alternating step (x first, then y with the new x): a product of two shears, (2, 2)."""
    x_step = torch.tensor([[1.0, -eta], [0.0, 1.0]])
    y_step = torch.tensor([[1.0, 0.0], [eta, 1.0]])
    return y_step @ x_step


A = alternating_matrix(eta)
Q = torch.tensor([[1.0, -eta / 2], [-eta / 2, 1.0]])  # Q(z) = z^T Q z = x^2 + y^2 - eta x y
print("det A:", float(torch.linalg.det(A)), "| |eigenvalues|:", torch.linalg.eigvals(A).abs())
print("largest entry of A^T Q A - Q:", float((A.T @ Q @ A - Q).abs().max()))

# Algorithm 1's order: the same two shears, y first; its conserved form has +eta x y
A_d_first = torch.tensor([[1.0, -eta], [0.0, 1.0]]) @ torch.tensor([[1.0, 0.0], [eta, 1.0]])
Q_d_first = torch.tensor([[1.0, eta / 2], [eta / 2, 1.0]])  # x^2 + y^2 + eta x y
print(
    "discriminator first: det",
    float(torch.linalg.det(A_d_first)),
    "| largest entry of A^T Q A - Q with Q = x^2 + y^2 + eta x y:",
    float((A_d_first.T @ Q_d_first @ A_d_first - Q_d_first).abs().max()),
)

# %% [markdown]
# You should see both alternating orders trace closed ellipses, tilted along $y = x$ when $x$
# moves first and along $y = -x$ when the discriminator $y$ moves first (Algorithm 1), while
# $x^2 + y^2$ wobbles and each order's own $Q$ stays flat.

# %%
alt = iterate(A, torch.tensor([1.0, 0.0]), 60)
alt_d_first = iterate(A_d_first, torch.tensor([1.0, 0.0]), 60)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.5))
trajectories(
    {
        "x first": alt,
        "y first (Algorithm 1)": alt_d_first,
        "continuous": flow(1.0, 0.0, torch.linspace(0, 2 * math.pi, 100)),
    },
    ax=ax1,
)
ax2.plot((alt**2).sum(dim=1), label="$x^2 + y^2$, x first")
ax2.plot(torch.einsum("ti,ij,tj->t", alt, Q, alt), label="$x^2 + y^2 - \\eta xy$, x first")
ax2.plot(
    torch.einsum("ti,ij,tj->t", alt_d_first, Q_d_first, alt_d_first),
    ls="--",
    label="$x^2 + y^2 + \\eta xy$, y first",
)
ax2.set_xlabel("step")
ax2.set_ylabel("value")
ax2.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 5. Two fixes: extragradient and optimistic steps
#
# **Extragradient** (Korpelevich, 1976) first takes a trial step, then steps from the
# *current* point with the gradient found at the trial point:
#
# $$\tilde z = z_t + \eta J z_t, \qquad z_{t+1} = z_t + \eta J \tilde z
#   \quad\Longrightarrow\quad
#   E_\eta = I + \eta J + \eta^2 J^2
#          = \begin{pmatrix} 1-\eta^2 & -\eta \\ \eta & 1-\eta^2 \end{pmatrix}.$$
#
# Again $E_\eta^\top E_\eta$ is a multiple of $I$, now
# $\big((1-\eta^2)^2 + \eta^2\big) I$: each step multiplies the radius by exactly
#
# $$\sqrt{1 - \eta^2 + \eta^4} < 1 \quad \text{for } 0 < \eta < 1 .$$
#
# The look-ahead sees where the opponent is heading and corrects for it; the term
# $\eta^2 J^2 = -\eta^2 I$ is a pull towards the equilibrium.
#
# **Optimistic** gradient (Popov, 1980; Daskalakis et al., 2018) gets a similar correction
# without a second gradient evaluation: it steps with $2 g_t - g_{t-1}$, the current
# gradient extrapolated by its last change:
#
# $$z_{t+1} = z_t + \eta J (2 z_t - z_{t-1}) .$$
#
# This update remembers one step back, so it is linear in the *stacked* state
# $s_t = (z_t, z_{t-1}) \in \mathbb{R}^4$:
#
# $$s_{t+1} = \begin{pmatrix} I + 2\eta J & -\eta J \\ I & 0 \end{pmatrix} s_t,
# \qquad s_0 = (z_0, z_0),$$
#
# so the first step is a plain simultaneous step.


# %%
def extragradient_matrix(eta: float) -> torch.Tensor:
    """One extragradient step: z + eta J (z + eta J z) = (I + eta J + eta^2 J^2) z, shape (2, 2)."""
    return I2 + eta * J + eta**2 * J @ J


def optimistic_matrix(eta: float) -> torch.Tensor:
    """One optimistic step on the stacked state (z_t, z_(t-1)) -> (z_(t+1), z_t), shape (4, 4)."""
    top = torch.cat([I2 + 2 * eta * J, -eta * J], dim=1)
    bottom = torch.cat([I2, torch.zeros(2, 2)], dim=1)
    return torch.cat([top, bottom], dim=0)


E = extragradient_matrix(eta)
print(
    f"|eigenvalues of E|: {torch.linalg.eigvals(E).abs()}, "
    f"sqrt(1 - eta^2 + eta^4) = {math.sqrt(1 - eta**2 + eta**4):.6f}"
)
print("|eigenvalues of the optimistic matrix|:", torch.linalg.eigvals(optimistic_matrix(eta)).abs())

# %% [markdown]
# ### The whole story in one plot: the spectral radius
#
# For a linear iteration $z_t = M^t z_0$ the distance to the equilibrium eventually grows or
# shrinks like $\rho(M)^t$, with $\rho(M)$ the largest modulus of an eigenvalue. You should
# see simultaneous steps above 1 for every $\eta$, alternating steps exactly at 1,
# extragradient below 1 for $\eta < 1$, and optimistic steps below 1 for small enough $\eta$.


# %%
def spectral_radius(matrix: torch.Tensor) -> float:
    """The largest |eigenvalue| of a square matrix (d, d)."""
    return float(torch.linalg.eigvals(matrix).abs().max())


one_step = {
    "simultaneous": simultaneous_matrix,
    "alternating": alternating_matrix,
    "extragradient": extragradient_matrix,
    "optimistic": optimistic_matrix,
}
etas = torch.linspace(0.01, 1.0, 100)
fig, ax = plt.subplots(figsize=(5, 3.4))
for name, matrix in one_step.items():
    ax.plot(etas, [spectral_radius(matrix(float(h))) for h in etas], label=name)
ax.axhline(1.0, color="k", lw=0.8, ls=":")
ax.set_xlabel("step size $\\eta$")
ax.set_ylabel("spectral radius $\\rho(M)$")
ax.set_title("> 1: spirals out, < 1: converges", fontsize="medium")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# ### Try it
#
# The explorer below runs each method from $(1, 0)$; every one of them is a one-step matrix
# fed to `iterate`. The helper `linear_method` turns a matrix (2×2, or 4×4 for a stacked
# state) into the function the widget expects. Things to try:
#
# * simultaneous, $\eta = 0.6$, 200 steps: the radius grows by $\sqrt{1.36} \approx 1.166$
#   per step;
# * alternating at the same $\eta$: a closed, visibly tilted orbit;
# * optimistic with $\eta$ from 0.2 up to 0.6: where does it stop converging? Compare with
#   the spectral radius plot;
# * continuous: the circle that the discrete methods approximate.


# %%
def linear_method(one_step_matrix):
    """fn(eta) -> one-step matrix (d, d) into fn(x0, y0, eta, steps) -> trajectory (steps + 1, 2).

    A 4x4 matrix acts on the stacked state (z_t, z_(t-1)), started at (z0, z0).
    """

    def method(x0: float, y0: float, eta: float, steps: int) -> torch.Tensor:
        matrix = one_step_matrix(eta)
        z0 = torch.tensor([x0, y0]).repeat(matrix.shape[0] // 2)
        return iterate(matrix, z0, steps)[:, :2]

    return method


methods = {name: linear_method(matrix) for name, matrix in one_step.items()}
gda_explorer(methods, flow)

# %% [markdown]
# For readers without a running kernel, here are the four methods side by side at
# $\eta = 0.2$ for 60 steps. You should see simultaneous steps spiral out, alternating
# steps close their orbit, and the two fixes spiral in, at nearly the same rate for this $\eta$
# (compare the spectral radius plot at $\eta = 0.2$).

# %%
paths = {name: method(1.0, 0.0, 0.2, 60) for name, method in methods.items()}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.6))
contours(lambda X, Y: X * Y, xlim=(-3.5, 3.5), ylim=(-3.5, 3.5), ax=ax1, n=61, levels=9)
trajectories(paths, ax=ax1)
ax1.get_legend().remove()  # the right panel names the methods
for name, p in paths.items():
    ax2.semilogy(p.norm(dim=1), label=name)
ax2.set_xlabel("step")
ax2.set_ylabel("distance to (0, 0)")
ax2.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 6. A real GAN with two numbers: the Dirac-GAN
#
# Mescheder, Geiger and Nowozin (2018) strip a GAN down until the dynamics can be drawn.
#
# * The data distribution is a point mass at $0$.
# * The generator produces a point mass at $\theta$ (one parameter).
# * The discriminator is linear, $D_\psi(x) = \psi\, x$ (one parameter), read through a sigmoid.
#
# With $f(t) = \log \sigma(t) = -\log(1 + e^{-t})$ the usual GAN objective becomes
#
# $$L(\theta, \psi) = \underbrace{f(\psi \theta)}_{\text{fake at } \theta}
#                    + \underbrace{f(0)}_{\text{real at } 0},$$
#
# maximised by the discriminator $\psi$ and minimised by the generator $\theta$. In this
# convention (the paper's) a large $D_\psi(x)$ marks a *fake* sample: the discriminator wants
# $\psi\theta$ large, the generator wants it small. The equilibrium is
# $\theta = 0$ (the generator sits on the data) with $\psi = 0$ (the discriminator cannot
# tell). Gradient play follows the field
#
# $$v(\theta, \psi)
#   = \Big(-\frac{\partial L}{\partial \theta},\; \frac{\partial L}{\partial \psi}\Big)
#   = \big(-\psi\, f'(\psi\theta),\; \theta\, f'(\psi\theta)\big),
# \qquad f'(t) = \sigma(-t) .$$
#
# **The gradient penalty.** R1 (Mescheder et al., 2018) penalises the discriminator's
# gradient on real data, $\frac{\gamma}{2}\,\|\nabla_x D_\psi(x)\|^2 = \frac{\gamma}{2}\psi^2$
# here, so the discriminator maximises $L - \frac{\gamma}{2}\psi^2$ and its direction gains a
# term $-\gamma\psi$:
#
# $$v_\gamma(\theta, \psi)
#   = \big(-\psi\, f'(\psi\theta),\; \theta\, f'(\psi\theta) - \gamma\,\psi\big).$$
#
# We do not type these derivatives in: the field *is* the pair of players' gradients, and
# autograd computes them from $L$. The closed form above serves as a check.


# %%
def dirac_gan_field(theta, psi, gamma: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """(d theta, d psi) of the Dirac-GAN with an R1 penalty gamma, by autograd.

    theta, psi: numbers or tensors of one shape; returns two tensors of that shape.
    """
    theta = torch.as_tensor(theta, dtype=torch.float64).detach().requires_grad_()
    psi = torch.as_tensor(psi, dtype=torch.float64).detach().requires_grad_()
    with torch.enable_grad():
        payoff = torch.nn.functional.logsigmoid(psi * theta) + math.log(0.5) - gamma / 2 * psi**2
        d_theta, d_psi = torch.autograd.grad(payoff.sum(), (theta, psi))
    return -d_theta, d_psi  # the generator descends L, the discriminator ascends


theta, psi = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([1.0, 0.3, -0.7])
slope = torch.sigmoid(-psi * theta)  # f'(psi theta)
d_theta, d_psi = dirac_gan_field(theta, psi, gamma=0.8)
closed_form = torch.stack([-psi * slope, theta * slope - 0.8 * psi])
error = (torch.stack([d_theta, d_psi]) - closed_form).abs().max()
print("largest difference to the closed form:", float(error))

# %% [markdown] checks=["spectral_radius(I2 + 0.1 * jacobian_at_equilibrium(0.0)) ~ 1.00125 +- 0.000005", "spectral_radius(I2 + 0.1 * jacobian_at_equilibrium(0.5)) ~ 0.976 +- 0.0005", "spectral_radius(I2 + 0.1 * jacobian_at_equilibrium(1.0)) ~ 0.950 +- 0.0005", "spectral_radius(I2 + 0.1 * jacobian_at_equilibrium(2.0)) ~ 0.987 +- 0.0005"]
# **Linearising at the equilibrium.** Near $(0, 0)$, $f'(\psi\theta) \approx f'(0) = \tfrac12$ and
# the field is linear with Jacobian
#
# $$\nabla v_\gamma(0, 0) = \begin{pmatrix} 0 & -\tfrac12 \\ \tfrac12 & -\gamma \end{pmatrix}.$$
#
# For $\gamma = 0$ this is $\tfrac12 J$: **the Dirac-GAN is our bilinear game in disguise**,
# rotating at half the speed, and simultaneous steps spiral out by $\sqrt{1 + \eta^2/4}$ per
# step. For $\gamma > 0$ the eigenvalues $\big(-\gamma \pm \sqrt{\gamma^2 - 1}\big)/2$ have
# negative real part: the flow now converges (spiralling in while $\gamma < 1$), and so do
# Euler steps small enough that
# $\rho(I + \eta \nabla v_\gamma) < 1$. We measure the Jacobian by central differences of the
# field. You should see it match the matrix above, and the spectral radius of one Euler step
# ($\eta = 0.1$) sit above 1 for $\gamma = 0$ (1.00125, that is $\sqrt{1 + \eta^2/4}$) and below 1
# for the three penalties printed (0.976, 0.950 and 0.987). For $0 < \gamma < 1$ the eigenvalues of
# $I + \eta \nabla v_\gamma$ have squared modulus $1 - \eta\gamma + \eta^2/4$, so with $\eta = 0.1$ the
# penalty has to exceed $\eta/4 = 0.025$.


# %%
def field_at(z: torch.Tensor, gamma: float) -> torch.Tensor:
    """The Dirac-GAN field at one point z = (theta, psi), shape (2,) -> (2,)."""
    return torch.stack(dirac_gan_field(z[0], z[1], gamma))


def jacobian_at_equilibrium(gamma: float, h: float = 1e-6) -> torch.Tensor:
    """d field / d z at (0, 0) by central differences, (2, 2); column j: derivative along z_j."""
    columns = [(field_at(h * e, gamma) - field_at(-h * e, gamma)) / (2 * h) for e in I2]
    return torch.stack(columns, dim=1)


for gamma in (0.0, 0.5, 1.0, 2.0):
    jac = jacobian_at_equilibrium(gamma)
    eigenvalues = ", ".join(f"{complex(v):.3f}" for v in torch.linalg.eigvals(jac))
    print(
        f"gamma = {gamma}: Jacobian {(jac.round(decimals=4) + 0.0).tolist()}, "
        f"eigenvalues {eigenvalues}, "
        f"rho(I + 0.1 J) = {spectral_radius(I2 + 0.1 * jac):.5f}"
    )


# %% [markdown]
# To simulate, we take simultaneous Euler steps along the field,
# $z_{t+1} = z_t + \eta\, v_\gamma(z_t)$. The Dirac-GAN is not linear away from $(0, 0)$, so
# here there is no one-step matrix, only the field.


# %%
def euler(field, z0: torch.Tensor, eta: float, steps: int) -> torch.Tensor:
    """Simultaneous steps z + eta * field(z) from z0 (d,); returns the states (steps + 1, d)."""
    states = [z0]
    for _ in range(steps):
        states.append(states[-1] + eta * field(states[-1]))
    return torch.stack(states)


def simulate_dirac_gan(
    theta0: float, psi0: float, eta: float, steps: int, gamma: float = 0.0
) -> torch.Tensor:
    """Simultaneous gradient play on the Dirac-GAN from (theta0, psi0); returns (steps + 1, 2)."""
    return euler(lambda z: field_at(z, gamma), torch.tensor([theta0, psi0]), eta, steps)


# %% [markdown]
# ### Try it
#
# Move the penalty $\gamma$ away from 0 and watch the arrows gain an inward component along
# $\psi$, and the trajectory from $(1, 0)$ turn from an outward spiral into an inward one.
# Then raise the step size: for large $\eta$ even a penalised GAN oscillates, because the
# Euler step leaves the region where $\rho(I + \eta \nabla v_\gamma) < 1$.

# %%
dirac_gan_explorer(dirac_gan_field, simulate_dirac_gan)

# %% [markdown]
# The same two cases without a kernel: no penalty and $\gamma = 1$, with $\eta = 0.1$ for
# 300 steps. You should see the left trajectory circle outwards and the right one converge.

# %%
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, gamma in zip(axes, (0.0, 1.0), strict=True):

    def field_on_grid(T, P, gamma=gamma):
        """The field on numpy grids (n, n), as vector_field expects."""
        return tuple(
            v.numpy() for v in dirac_gan_field(torch.from_numpy(T), torch.from_numpy(P), gamma)
        )

    vector_field(field_on_grid, ax=ax, xlabel="generator $\\theta$", ylabel="discriminator $\\psi$")
    trajectories(
        {f"$\\gamma$ = {gamma}": simulate_dirac_gan(1.0, 0.0, 0.1, 300, gamma)},
        ax=ax,
        xlabel="generator $\\theta$",
        ylabel="discriminator $\\psi$",
    )
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 7. Back to GAN training
#
# The Dirac-GAN makes the mechanism concrete. When the generator sits at $\theta > 0$, the
# discriminator learns $\psi > 0$ ("large values are fake"). The generator follows that
# signal and moves to $\theta < 0$, past the data; by then the discriminator's old lesson is
# wrong, and it has to unlearn it, flip to $\psi < 0$, which pushes the generator back. Each
# player undoes the other's progress, and the pair rotates around the equilibrium instead of
# settling on it.
#
# * **Simultaneous updates** (both networks stepped on the same batch, as in many
#   implementations) are the explicit Euler steps of Section 3: with a fixed learning rate
#   the rotation slowly gains amplitude.
# * **Algorithm 1** of Goodfellow et al. (2014) alternates: $k$ discriminator steps, then one
#   generator step. On the bilinear game (with $k = 1$) that is the determinant-1 map of
#   Section 4 in its discriminator-first order:
#   neutrally stable, orbiting forever rather than converging. It is a real improvement over
#   simultaneous steps, but not a cure.
# * **What helps** changes the matrix: look-ahead (extragradient), a correction by the last
#   gradient change (optimistic Adam), or a penalty that gives the discriminator's dynamics
#   friction (R1, as in StyleGAN). Each moves the eigenvalues of the linearised update inside
#   the unit circle.
#
# Real GANs have millions of parameters and non-bilinear losses, but near an equilibrium
# their update is again (approximately) a one-step matrix, and the rotational part that
# couples the two players behaves like the $2 \times 2$ examples above.

# %% [markdown]
# ## Conclusion
#
# Gradient play in a game is a dynamical system, not an optimiser. Written as linear maps,
# the standard update rules reveal their fate through their eigenvalues: the continuous flow
# is a rotation; simultaneous steps add $\sqrt{1+\eta^2}$ of growth per step, for any step
# size; alternating steps conserve the ellipse $x^2 + y^2 - \eta xy$; extragradient contracts by
# $\sqrt{1-\eta^2+\eta^4}$ and optimistic steps converge for small $\eta$. The Dirac-GAN is
# the same rotation in a real GAN, and an R1 penalty adds the damping that lets it converge.
# In Assignment 5 you implement these updates step by step and verify the same numbers.
#
# ## References
#
# * I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley, S. Ozair, A. Courville,
#   Y. Bengio. *Generative Adversarial Nets.* NeurIPS 2014.
# * L. Mescheder, A. Geiger, S. Nowozin. *Which Training Methods for GANs do actually
#   Converge?* ICML 2018.
# * L. Mescheder, S. Nowozin, A. Geiger. *The Numerics of GANs.* NeurIPS 2017.
# * C. Daskalakis, A. Ilyas, V. Syrgkanis, H. Zeng. *Training GANs with Optimism.* ICLR 2018.
# * G. Gidel, H. Berard, G. Vignoud, P. Vincent, S. Lacoste-Julien. *A Variational Inequality
#   Perspective on Generative Adversarial Networks.* ICLR 2019.
# * G. M. Korpelevich. *The extragradient method for finding saddle points and other
#   problems.* Ekonomika i Matematicheskie Metody, 1976.
# * L. D. Popov. *A modification of the Arrow-Hurwicz method for search of saddle points.*
#   Mathematical Notes of the Academy of Sciences of the USSR, 1980.

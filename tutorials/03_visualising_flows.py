# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Visualising flows in 3D
#
# Two geometric flows, each drawn with `geomwork.viz`:
#
# 1. the Wilson flow of a BPST instanton put on an SU(2) lattice, which first
#    removes the discretisation's excess action and then shrinks the
#    instanton until it falls through the lattice;
# 2. the Ricci flow of a surface of revolution, which makes a dumbbell-like
#    sphere round and shrinks it to a point at the extinction time
#    $T = A_0/8\pi$.
#
# Pictures are rendered off screen by pyvista and matplotlib and written to a
# temporary folder, then shown inline.  Lattice and grid sizes are small so
# that the notebook runs in seconds; each section names the numbers to raise.

# %%
import math
import tempfile
from pathlib import Path

import numpy as np
import torch
from IPython.display import Image

from geomwork.numeric import (RotationalMetric, discretise_connection, instanton_action, ricci_flow,
                              wilson_flow)
from geomwork.symbolic import bpst
from geomwork.viz import (animate_isosurfaces, animate_ricci_flow, default_levels,
                          plot_flow_observables, plot_isosurfaces)

pictures = Path(tempfile.mkdtemp())

# %% [markdown]
# ## A BPST instanton on the lattice
#
# `discretise_connection` puts a continuum connection on a periodic lattice:
# each link $U_\mu(x)$ is the path-ordered exponential of the potential
# along the segment from $x$ to $x + a\hat\mu$, computed from the generated
# `"potential"` kernel.  We take the BPST instanton of size $\rho = 2a$ in
# singular gauge, whose potential decays like $\rho^2/|x|^3$, centred on a
# hypercube of an $8^4$ lattice.  Links are complex128 tensors of shape
# `(8, 8, 8, 8, 4, 2, 2)`.
#
# `instanton_action` returns $g_0^2S_W/8\pi^2$, which is 1 for a continuum
# instanton.  The box cuts off the tail of the field, so the clover charge
# $Q$ starts near 0.8 rather than 1, and lattice artefacts raise the action
# above 1.  A larger lattice at the same $\rho/a$ brings both closer to 1.

# %%
extents, size, centre = (8, 8, 8, 8), 2.0, 3.5
instanton = discretise_connection(bpst(gauge="singular"), extents, 1.0, origin=[-centre] * 4,
                                  parameters={"rho": size})
print(instanton)
print(f"S/8pi^2 = {instanton_action(instanton):.3f}, Q = {float(instanton.topological_charge()):.3f}")

# %% [markdown]
# ## Wilson flow and its observables
#
# The Wilson flow $\dot V_\mu = -g_0^2\,\partial_{x,\mu}S_W(V)\,V_\mu$ is
# integrated with Lüscher's third-order Runge–Kutta scheme.  The history
# records, at every measured step:
#
# - `action`, the Wilson action over $\beta$:
#   $\sum_{x,\mu<\nu}(1 - \mathrm{Re\,tr}P_{\mu\nu}/N)$;
# - `energy_clover`, the mean of $E = -\tfrac12\sum_{\mu\nu}\mathrm{tr}\,G_{\mu\nu}G_{\mu\nu}$
#   with the clover field strength;
# - `topological_charge`, the clover $Q$.
#
# The action never increases along the flow.  We flow in segments of
# $\Delta t = 0.5$ so that we can keep the densities at each segment's end
# for the pictures below.  With the Wilson action the leading lattice
# artefact lowers the action of small instantons, so the instanton shrinks
# under the flow and finally falls through the lattice: $Q$ drops towards 0.

# %%
step, segment, segments = 0.1, 0.5, 8
field = instanton
histories, densities, charge_densities, times = [], [], [], [0.0]
densities.append(field.energy_density().numpy())
charge_densities.append(field.topological_charge_density().numpy())
for index in range(segments):
    field, history = wilson_flow(field, segment, step)
    histories.append(history)
    times.append((index + 1) * segment)
    densities.append(field.energy_density().numpy())
    charge_densities.append(field.topological_charge_density().numpy())

# Each segment's history starts at its own t = 0 and repeats the previous segment's last point.
flow_time = np.concatenate([np.array(h.t[1:]) + i * segment for i, h in enumerate(histories)])
action_over_beta = np.concatenate([h.action[1:] for h in histories])
energy = np.concatenate([h.energy_clover[1:] for h in histories])
charge = np.concatenate([h.topological_charge[1:] for h in histories])
action = 2 * instanton.n * action_over_beta / (8 * math.pi ** 2)
for t in (0.5, 1.0, 2.0, 3.0, 4.0):
    index = int(np.argmin(np.abs(flow_time - t)))
    print(f"t = {t:.1f}: S/8pi^2 = {action[index]:.3f}, Q = {charge[index]:.3f}")
assert np.all(np.diff(action_over_beta) <= 0)
assert 0.95 < action[np.argmin(np.abs(flow_time - 1.0))] < 1.1
assert charge[np.argmin(np.abs(flow_time - 1.0))] > 0.7
assert charge[-1] < 0.5

# %% [markdown]
# `plot_flow_observables` expects the Yang–Mills action at $g = 1$, that is
# $S = \beta\sum(1 - \mathrm{Re\,tr}P/N)$ at $\beta = 2N$.  It plots
# $S/8\pi^2$ and $Q$ (a self-dual field of charge $k$ has $S/8\pi^2 = |k|$)
# and, below, $t^2\langle E\rangle$ with the line at 0.3 that defines the
# reference scale $t_0$ of a thermal ensemble.

# %%
path = plot_flow_observables(flow_time, pictures / "flow.png", action=8 * math.pi ** 2 * action,
                             charge=charge, energy_density=energy,
                             title="Wilson flow of a BPST instanton, SU(2) 8^4")
Image(filename=str(path))

# %% [markdown]
# ## Isosurfaces of the action density
#
# The action density $E(x)$ of a 4D field is drawn on the 3D slice at a fixed
# value of the last coordinate $x_3$.  We take the slice through the densest
# site at $t = 1$, when the flow has removed the discretisation's excess
# action.  `plot_isosurfaces` picks levels from the data unless `levels` is
# given, and the array index $(i, j, k)$ is the lattice site
# $(x_0, x_1, x_2)$.  The instanton is one round lump at the centre.

# %%
reference_index = times.index(1.0)
density = densities[reference_index]
peak = np.unravel_index(density.argmax(), density.shape)
time_slice = int(peak[3])
print("densest site at t = 1:", tuple(int(i) for i in peak))
path = plot_isosurfaces(density[..., time_slice], pictures / "density.png",
                        title=f"E(x) at t = 1, x3 = {time_slice}", window_size=(600, 500))
Image(filename=str(path))

# %% [markdown]
# For a self-dual field the topological-charge density is
# $q = E/8\pi^2$ in these conventions, so $q(x)$ has the same single lump.
# A field of both signs, such as an instanton beside an anti-instanton,
# would get a diverging colour map centred on zero.

# %%
charge_slice = charge_densities[reference_index][..., time_slice]
ratio = float(charge_densities[reference_index][peak] * 8 * math.pi ** 2 / density[peak])
print(f"8 pi^2 q / E at the densest site: {ratio:.3f}")
assert abs(ratio - 1) < 0.1
path = plot_isosurfaces(charge_slice, pictures / "charge.png", field_name="charge density",
                        title="q(x) on the same slice", window_size=(600, 500))
Image(filename=str(path))

# %% [markdown]
# `animate_isosurfaces` writes one GIF frame per stored field, with the flow
# time on each frame.  Here the levels are those of the $t = 1$ frame for
# every frame, so a fixed surface shrinks as the instanton shrinks and its
# peak density grows, until the lump falls through the lattice.

# %%
levels = default_levels(density[..., time_slice])
path = animate_isosurfaces([frame[..., time_slice] for frame in densities], pictures / "flow.gif",
                           times=times, levels=levels, window_size=(480, 400))
Image(filename=str(path))

# %% [markdown]
# ## Ricci flow of a surface of revolution
#
# A rotationally symmetric metric $\varphi(x)^2dx^2 + \psi(x)^2d\theta^2$ on
# the 2-sphere evolves under $\partial_t g = -2\,\mathrm{Ric} = -2Kg$.  By
# Gauss–Bonnet the area falls at the constant rate
# $dA/dt = -2\int K\,dA = -8\pi$, so every such sphere becomes extinct at
# $T = A_0/8\pi$.  The round unit sphere ($A_0 = 4\pi$) vanishes at $T = 1/2$.
# `ricci_flow` solves the flow in the arclength gauge with adaptive steps,
# stops when the curvature blows up, and extrapolates the singular time.
#
# The Rubinstein–Sinclair surface is a dumbbell-like sphere.  As a surface it
# cannot pinch, so its neck widens and it tends to a round point as it vanishes.
# `points` is the number of grid intervals between the poles; raise it for
# a more accurate extinction time.

# %%
surfaces = {"round sphere": RotationalMetric.round_sphere(1.0),
            "Rubinstein-Sinclair": RotationalMetric.rubinstein_sinclair()}
solutions = {}
for name, metric in surfaces.items():
    solution = ricci_flow(metric, points=48, save_every=10)
    solutions[name] = solution
    predicted = metric.volume / (8 * math.pi)
    print(f"{name:20s} A0 = {metric.volume:.4f}  A0/8pi = {predicted:.4f}  "
          f"extinction at {solution.singular_time:.4f} ({solution.singularity})")
    assert solution.singularity == "extinction"
    assert abs(solution.singular_time - predicted) < 0.02 * predicted

# %% [markdown]
# The area itself falls on the straight line $A(t) = A_0 - 8\pi t$, up to
# the discretisation error of 48 grid intervals (about 1% of $A_0$).

# %%
solution = solutions["Rubinstein-Sinclair"]
area = solution.volumes.numpy()
line = area[0] - 8 * math.pi * solution.times.numpy()
print("largest deviation from A0 - 8 pi t:", float(np.abs(area - line).max()))
assert np.abs(area - line).max() < 0.02 * area[0]

# %% [markdown]
# `animate_ricci_flow` sweeps each saved profile around the axis and colours
# it by Gaussian curvature $K$.  `profile_curve` embeds a profile as a curve
# $(z(s), r(s))$ with $r = \psi$ and $dz/ds = \sqrt{1 - \psi_s^2}$, and the
# curve moves in $z$, so each frame gets its own heights.  Near extinction
# $K \approx 1/(2(T - t))$ blows up, so we stop the animation at $0.9\,T$ to
# keep the shared colour range readable.

# %%
last = int((solution.saved_times <= 0.9 * solution.singular_time).nonzero().max())
frames = range(0, last + 1, 3)
curves = [solution.profile_curve(index) for index in frames]
path = animate_ricci_flow([r.numpy() for _, r in curves], [z.numpy() for z, _ in curves],
                          pictures / "ricci.gif",
                          times=[float(solution.saved_times[index]) for index in frames],
                          window_size=(480, 400))
Image(filename=str(path))

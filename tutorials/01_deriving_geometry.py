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
# # Deriving geometric quantities interactively
#
# This tutorial derives, exactly, the curvature of a metric, the calculus of
# differential forms and the Yang–Mills quantities of the BPST instanton.  Every
# scalar lives in geomwork's differential rational-function field, so results
# are canonical: a true identity comes out as exactly 0 or 1, with no
# call to `simplify`.  In Jupyter, metrics, tensors, forms and connections
# display as LaTeX.

# %%
import sympy

from geomwork.symbolic import (Chart, Metric, bpst, catalogue_metric, coordinate_forms,
                               integrate_over_space, su)

# %% [markdown]
# ## A metric and its curvature
#
# A chart is a list of coordinates with optional ranges.  The ranges give a
# reference point, where square roots are taken positive, and default bounds for
# integrals.  Here is the round 2-sphere of radius `a`.

# %%
chart = Chart("theta phi", ranges={"theta": (0, sympy.pi), "phi": (0, 2 * sympy.pi)})
theta, phi = chart.coordinates
a = sympy.Symbol("a", positive=True)
sphere = Metric(chart, [a ** 2, a ** 2 * sympy.sin(theta) ** 2])
sphere

# %% [markdown]
# Christoffel symbols $\Gamma^a{}_{bc}$ are stored with the index order of the
# formula, and the Riemann tensor follows
# $R^a{}_{bcd} = \partial_c\Gamma^a{}_{db} - \partial_d\Gamma^a{}_{cb} + \dots$,
# so the scalar curvature of the unit sphere is $+2$.

# %%
sphere.christoffel

# %%
print("Gamma^theta_phi phi =", sphere.christoffel[0, 1, 1])
print("Ricci scalar       =", sphere.ricci_scalar)
assert sphere.ricci_scalar_element == chart.scalar(2 / a ** 2)

# %% [markdown]
# The catalogue has flat spaces, spheres, hyperbolic space and three spacetimes.
# Kerr's Ricci tensor is exactly zero, and its Kretschmann scalar comes out in
# closed form in about a second.

# %%
kerr = catalogue_metric("kerr")
print("Kerr is Ricci-flat:", kerr.ricci.is_zero)
kerr.kretschmann_element.factor()

# %% [markdown]
# ## Differential forms
#
# Forms are sparse, with components on increasing index tuples.  `^` is the
# wedge product, `d()` the exterior derivative and `hodge(metric)` the Hodge
# star with $\alpha\wedge\star\beta = \langle\alpha,\beta\rangle\,\mathrm{vol}_g$.

# %%
euclidean = catalogue_metric("euclidean", n=3)
dx, dy, dz = coordinate_forms(euclidean.chart)
x, y, z = euclidean.chart.coordinates
alpha = (x * y) * dx + sympy.sin(z) * dy
print("d alpha       =", alpha.d())
print("d d alpha     =", alpha.d().d())
print("*dx           =", dx.hodge(euclidean))
print("*(dx^dy)      =", (dx ^ dy).hodge(euclidean))
assert alpha.d().d().is_zero

# %% [markdown]
# ## A gauge field: the BPST instanton
#
# Lie algebras use anti-Hermitian generators; for su(2),
# $T_a = -\tfrac{i}{2}\sigma_a$ with $[T_a, T_b] = \epsilon_{abc}T_c$.

# %%
algebra = su(2)
algebra.structure_constants[0, 1, 2], algebra.killing_form

# %% [markdown]
# The BPST instanton of size $\rho$ in regular gauge,
# $A^a{}_\mu = 2\eta^a{}_{\mu\nu}x_\nu/(x^2 + \rho^2)$, has curvature
# $F = dA + A\wedge A$ with components
# $F^a{}_{\mu\nu} = -4\eta^a{}_{\mu\nu}\rho^2/(x^2+\rho^2)^2$.

# %%
instanton = bpst()
print("F^3_12 =", instanton.field_strength_component(2, 0, 1).factor())
print("action density =", instanton.action_density().factor())
print("self-dual:", instanton.is_self_dual())

# %% [markdown]
# The action and the instanton number are integrated exactly over
# $\mathbb{R}^4$ (pulled back to hyperspherical coordinates): $8\pi^2$ and 1 for
# every size $\rho$.

# %%
action = integrate_over_space(instanton.action_form())
charge = integrate_over_space(instanton.instanton_density())
print("S =", action, "  k =", charge)
assert action == 8 * sympy.pi ** 2
assert charge == 1

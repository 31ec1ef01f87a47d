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
# # Generating kernels for training
#
# This tutorial turns an exact expression into a torch kernel and uses that
# kernel inside a training loop.  The steps are the ones `geomwork.codegen`
# keeps apart: *plan* (check the declaration, eliminate common
# subexpressions, print a Python module), *build* (load the module as a
# `Kernel`), *run* (call it on batched tensors, with autograd).  At the end
# the `geomwork codegen` command writes the same kernel as a standalone file
# that imports only torch.
#
# Sizes are small so that the notebook runs in seconds.  The fitting section
# names the numbers to raise for a real fit.

# %%
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import sympy
import torch

from geomwork.codegen import Kernel, connection_expressions, connection_kernel, plan_kernel
from geomwork.symbolic import bpst

torch.set_default_dtype(torch.float64)

# %% [markdown]
# ## From a connection to a kernel
#
# `connection_kernel` derives a field quantity of a connection exactly and
# plans a kernel for it.  For the BPST instanton of size $\rho$ centred at the
# origin, the action density is
# $\tfrac14 F^a{}_{\mu\nu}F^a{}_{\mu\nu} = 48\rho^4/(x^2+\rho^2)^4$.  The
# kernel takes points `x` of shape `(..., 4)` (the chart's coordinates
# $x_1,\dots,x_4$ in order) and every other symbol, here `rho`, as a keyword
# parameter.  `use_cache=False` keeps the generated module in memory; by
# default it is cached on disk and its path is `kernel.path`.

# %%
instanton = bpst()
density = connection_kernel(instanton, "action-density", use_cache=False)
print(density)
print(density.plan.summary())

# %% [markdown]
# The generated source is plain Python: a header with the expression hash and
# geomwork version, the exact expression in the docstring, then the torch
# code.  Integer powers become products (`_square`), and sums of products
# become fused `torch.addcmul` calls.

# %%
print(density.source)

# %% [markdown]
# ## Checking the kernel against sympy
#
# The kernel must agree with the exact expression it came from.  We evaluate
# the sympy expression at a few points with `subs` and compare in float64.
# They agree to rounding error.

# %%
exact = connection_expressions(instanton, "action-density")
coordinates = instanton.chart.coordinates
rho_symbol = next(s for s in exact.free_symbols if s.name == "rho")
print("exact density:", exact)

generator = torch.Generator().manual_seed(0)
points = torch.randn(5, 4, generator=generator)
rho_value = 0.8
from_kernel = density(points, rho=rho_value)
from_sympy = torch.tensor([
    float(exact.subs({**dict(zip(coordinates, map(float, point))), rho_symbol: rho_value}))
    for point in points
])
print("kernel:", from_kernel)
print("sympy :", from_sympy)
assert torch.allclose(from_kernel, from_sympy, rtol=1e-12, atol=0)
assert torch.isclose(density(torch.zeros(1, 4), rho=1.0), torch.tensor(48.0)).all()

# %% [markdown]
# ## A kernel from any expression
#
# `Kernel(expr, inputs=..., parameters=...)` builds a kernel from a plain
# sympy expression.  Inputs map a tensor name to the symbols it contains, and
# an array of symbols is read from the last dimensions.  Parameters are scalar
# keyword arguments.  Here we move the instanton to a centre
# $z = (z_1,\dots,z_4)$ by substituting $x_\mu \to x_\mu - z_\mu$ in the exact
# density, so that the size and the centre are both parameters of one kernel.
#
# `plan_kernel` gives the plan without loading the module, which is how one
# inspects a kernel before building it.

# %%
centre_symbols = sympy.symbols("z1:5", real=True)
shifted = exact.subs({x: x - z for x, z in zip(coordinates, centre_symbols)}, simultaneous=True)
parameters = {"rho": rho_symbol, **{str(z): z for z in centre_symbols}}

plan = plan_kernel(shifted, {"x": list(coordinates)}, parameters, name="shifted_density",
                   use_cache=False)
print(plan.summary())
shifted_density = Kernel.from_plan(plan)

centre_value = {"z1": 0.1, "z2": -0.2, "z3": 0.3, "z4": 0.0}
centre_tensor = torch.tensor(list(centre_value.values()))
assert torch.allclose(shifted_density(points, rho=rho_value, **centre_value),
                      density(points - centre_tensor, rho=rho_value), rtol=1e-12)

# %% [markdown]
# ## Gradients through the kernel
#
# Parameters may be tensors with `requires_grad=True`, and autograd
# differentiates through the generated code.  The derivative of the density
# with respect to $\rho$ at the origin is $d(48/\rho^4)/d\rho = -192/\rho^5$.

# %%
rho = torch.tensor(0.8, requires_grad=True)
value = density(torch.zeros(4), rho=rho)
(gradient,) = torch.autograd.grad(value, rho)
print("d density / d rho at x = 0:", gradient.item(), " exact:", -192 / 0.8 ** 5)
assert torch.isclose(gradient, torch.tensor(-192 / 0.8 ** 5), rtol=1e-12)

# %% [markdown]
# ## Fitting an instanton's size and centre
#
# We sample the density of an instanton with a known size and centre at
# random points, add 1% multiplicative noise, and fit $\rho$ and $z$ by
# gradient descent with `torch.optim.Adam`.  The loss is the mean squared
# difference of the logarithms, because the density spans several orders of
# magnitude.  The size is fitted through $\log\rho$ so that it stays positive.
# For a harder problem, raise `sample_count` and `steps`.

# %%
true_rho = 0.7
true_centre = torch.tensor([0.3, -0.2, 0.1, 0.0])
sample_count, steps = 400, 300

samples = 1.5 * torch.randn(sample_count, 4, generator=generator)
noise = 1 + 0.01 * torch.randn(sample_count, generator=generator)
observed = density(samples - true_centre, rho=true_rho) * noise

log_rho = torch.tensor(0.0, requires_grad=True)
centre = torch.zeros(4, requires_grad=True)
optimiser = torch.optim.Adam([log_rho, centre], lr=0.05)
losses = []
for step in range(steps):
    optimiser.zero_grad()
    predicted = density(samples - centre, rho=log_rho.exp())
    loss = (predicted.log() - observed.log()).pow(2).mean()
    loss.backward()
    optimiser.step()
    losses.append(loss.item())

fitted_rho = log_rho.exp().item()
print(f"loss: {losses[0]:.3g} -> {losses[-1]:.3g}")
print(f"rho:    fitted {fitted_rho:.4f}, true {true_rho}")
print("centre: fitted", [round(c, 4) for c in centre.tolist()], " true", true_centre.tolist())
assert abs(fitted_rho - true_rho) < 5e-3
assert torch.allclose(centre.detach(), true_centre, atol=5e-3)
assert losses[-1] < 1e-3 * losses[0]

# %%
import matplotlib.pyplot as plt

figure, axes = plt.subplots(figsize=(5, 3))
axes.semilogy(losses)
axes.set_xlabel("Adam step")
axes.set_ylabel("mean squared log error")
axes.set_title("Fitting the BPST size and centre")
figure.tight_layout()

# %% [markdown]
# ## A standalone module from the command line
#
# `geomwork codegen` writes the generated module to a file.  The file imports
# only torch, so it can be copied into a training code base that does not
# install sympy or geomwork.  `--default rho=1.0` makes `rho` optional.  We run
# the command in a subprocess and write into a temporary folder.

# %%
folder = Path(tempfile.mkdtemp())
output = folder / "bpst_kernels.py"
command = [sys.executable, "-m", "geomwork.cli", "codegen", "--connection", "bpst",
           "--quantity", "action-density", "--default", "rho=1.0", "--output", str(output)]
result = subprocess.run(command, capture_output=True, text=True, check=True)
print(result.stdout)
print("\n".join(output.read_text().splitlines()[:16]))

# %% [markdown]
# Importing the file by path and calling its function gives the same numbers
# as the kernel built in this session.

# %%
specification = importlib.util.spec_from_file_location("bpst_kernels", output)
module = importlib.util.module_from_spec(specification)
specification.loader.exec_module(module)
standalone = module.action_density(points)
print("standalone module:", standalone)
assert "import sympy" not in output.read_text()
assert torch.allclose(standalone, density(points, rho=1.0), rtol=1e-12)

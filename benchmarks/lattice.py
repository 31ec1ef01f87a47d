"""Benchmark of the lattice gauge core: thermalised SU(3) plaquette and Wilson-flow throughput.

Run from the repository root::

    python benchmarks/lattice.py                      # 8^4 plaquette, 8^4 flow
    python benchmarks/lattice.py --flow-size 16       # the flow on 16^4
    python benchmarks/lattice.py --long               # also thermalise 16^4 (16x the 8^4 time per sweep)
    python benchmarks/lattice.py --no-plaquette       # only the flow and memory parts
    python benchmarks/lattice.py --quick              # small sizes, a smoke run

Parts, printed as one JSON document:

1. Plaquette of 4D SU(3) at beta = 6.0 after heat-bath thermalisation, with a binned
   standard error, against 0.593678(24) measured on 16^4 by Boyd et al., Nucl. Phys. B469
   (1996) 419.  On 8^4 the value differs from 16^4 by finite-volume effects, which this
   benchmark does not estimate, so the comparison is a sanity check, not a test.
2. Wilson-flow step throughput in site updates per second, where one RK3 step updates every
   link of every site. geomwork's flow is compared with a straightforward implementation
   written below (``torch.roll`` and batched matmul per staple, ``torch.linalg.matrix_exp``)
   and with a memory-bandwidth roofline: the bytes a minimal step must move divided by a
   measured copy rate.  A minimal RK3 step reads and writes the links and the accumulator
   once per stage, 12 configuration sizes in all.
3. Peak memory of a flow step above the memory held before it, in configuration sizes,
   measured in a child process from the Linux resident-set high-water mark (CPU) or from
   ``torch.cuda.max_memory_allocated`` (CUDA).

Timings are the minimum over repeats, which is the most stable figure on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time

import torch

from geomwork.numeric import LatticeGaugeField, MarkovChain, binned_mean_error
from geomwork.numeric._flows import LUSCHER_RK3, wilson_flow_force

REFERENCE_PLAQUETTE = (0.593678, 0.000024)


# The straightforward flow -------------------------------------------------------------------


def _dagger(matrix):
    return matrix.transpose(-2, -1).conj()


def straightforward_force(links):
    """Z_mu(x) = -P(U_mu(x) A_mu(x)), every staple built from torch.roll and matmul."""
    d = links.ndim - 3
    n = links.shape[-1]
    forces = []
    for mu in range(d):
        u_mu = links[..., mu, :, :]
        staple = torch.zeros_like(u_mu)
        for nu in range(d):
            if nu == mu:
                continue
            u_nu = links[..., nu, :, :]
            upper = torch.roll(u_nu, -1, mu) @ _dagger(torch.roll(u_mu, -1, nu)) @ _dagger(u_nu)
            lower = _dagger(torch.roll(torch.roll(u_nu, -1, mu), 1, nu)) @ _dagger(torch.roll(u_mu, 1, nu)) @ torch.roll(u_nu, 1, nu)
            staple = staple + upper + lower
        omega = u_mu @ staple
        anti = 0.5 * (omega - _dagger(omega))
        trace = anti.diagonal(dim1=-2, dim2=-1).sum(-1) / n
        forces.append(-(anti - trace[..., None, None] * torch.eye(n, dtype=links.dtype, device=links.device)))
    return torch.stack(forces, dim=-3)


def straightforward_rk3_step(links, epsilon):
    """Lüscher's RK3 written out, with torch.linalg.matrix_exp."""
    z0 = epsilon * straightforward_force(links)
    w1 = torch.linalg.matrix_exp(0.25 * z0) @ links
    z1 = epsilon * straightforward_force(w1)
    w2 = torch.linalg.matrix_exp(8.0 / 9.0 * z1 - 17.0 / 36.0 * z0) @ w1
    z2 = epsilon * straightforward_force(w2)
    return torch.linalg.matrix_exp(0.75 * z2 - 8.0 / 9.0 * z1 + 17.0 / 36.0 * z0) @ w2


def geomwork_rk3_step(field, epsilon):
    return LUSCHER_RK3.step(field.links, epsilon, lambda links: wilson_flow_force(field, links), field.group.exp)


# Measurements -------------------------------------------------------------------------------


def _synchronise(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def minimum_time(function, repeats, device):
    """Return the minimum wall time of ``function()`` over ``repeats`` calls after one warm-up."""
    function()
    _synchronise(device)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        _synchronise(device)
        best = min(best, time.perf_counter() - start)
    return best


def copy_rate(device, megabytes=256, repeats=5):
    """Return a measured copy rate in bytes per second (bytes read plus bytes written)."""
    source = torch.empty(megabytes * 2**20 // 8, dtype=torch.float64, device=device).fill_(1.0)
    target = torch.empty_like(source)
    seconds = minimum_time(lambda: target.copy_(source), repeats, device)
    return 2 * source.numel() * source.element_size() / seconds


class SweepCounter:
    """Progress object for MarkovChain.run that prints every tenth sweep to stderr."""

    def __init__(self, label):
        self.label = label
        self.done = 0
        self.start = time.perf_counter()

    def update(self, count):
        self.done += count
        if self.done % 10 == 0:
            elapsed = time.perf_counter() - self.start
            print(f"{self.label}: {self.done} sweeps in {elapsed:.0f} s", file=sys.stderr, flush=True)


def thermalised_plaquette(size, beta, thermalisation, sweeps, seed, device, dtype):
    field = LatticeGaugeField.unit((size,) * 4, "su3", dtype=dtype, device=device)
    chain = MarkovChain(field, beta, generator=seed, overrelaxation_steps=3)
    counter = SweepCounter(f"{size}^4 SU(3) at beta = {beta}")
    start = time.perf_counter()
    chain.run(thermalisation, progress=counter)
    series = chain.run(sweeps, measure=lambda current: float(current.mean_plaquette()), progress=counter)
    elapsed = time.perf_counter() - start
    mean, error = binned_mean_error(series, n_bins=min(20, sweeps // 2))
    return {
        "lattice": f"{size}^4",
        "beta": beta,
        "thermalisation_sweeps": thermalisation,
        "measured_sweeps": sweeps,
        "overrelaxation_steps_per_sweep": 3,
        "plaquette": mean,
        "binned_error": error,
        "reference_16^4": REFERENCE_PLAQUETTE,
        "difference_in_combined_errors": (mean - REFERENCE_PLAQUETTE[0]) / (error**2 + REFERENCE_PLAQUETTE[1] ** 2) ** 0.5,
        "seconds_per_sweep": elapsed / (thermalisation + sweeps),
    }


def flow_throughput(size, epsilon, repeats, device, dtype):
    generator = torch.Generator(device=device).manual_seed(11)
    field = LatticeGaugeField.random((size,) * 4, "su3", generator=generator, dtype=dtype, device=device)
    config_bytes = field.links.numel() * field.links.element_size()

    agreement = float((geomwork_rk3_step(field, epsilon) - straightforward_rk3_step(field.links, epsilon)).abs().max())
    ours = minimum_time(lambda: geomwork_rk3_step(field, epsilon), repeats, device)
    straightforward = minimum_time(lambda: straightforward_rk3_step(field.links, epsilon), repeats, device)
    rate = copy_rate(device)
    roofline_seconds = 12 * config_bytes / rate
    return {
        "lattice": f"{size}^4",
        "dtype": str(dtype),
        "configuration_bytes": config_bytes,
        "max_difference_to_straightforward": agreement,
        "geomwork_seconds_per_step": ours,
        "straightforward_seconds_per_step": straightforward,
        "geomwork_site_updates_per_second": field.volume / ours,
        "straightforward_site_updates_per_second": field.volume / straightforward,
        "speedup_over_straightforward": straightforward / ours,
        "copy_rate_bytes_per_second": rate,
        "roofline_seconds_per_step": roofline_seconds,
        "fraction_of_roofline": roofline_seconds / ours,
    }


def _peak_memory_child(size, device_name, dtype_name, queue):
    device = torch.device(device_name)
    dtype = getattr(torch, dtype_name)
    generator = torch.Generator(device=device).manual_seed(12)
    field = LatticeGaugeField.random((size,) * 4, "su3", generator=generator, dtype=dtype, device=device)
    config_bytes = field.links.numel() * field.links.element_size()
    geomwork_rk3_step(field, 0.01)  # warm-up, so lazily loaded kernels do not count
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        geomwork_rk3_step(field, 0.01)
        torch.cuda.synchronize(device)
        extra = torch.cuda.max_memory_allocated(device) - before
    else:
        # Reset the resident-set high-water mark (VmHWM) to the current resident set, then
        # read it after the step.  The parent sets MALLOC_MMAP_THRESHOLD_ so that glibc returns
        # every large tensor to the system when it is freed.
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        resident_before = _status_bytes("VmRSS")
        geomwork_rk3_step(field, 0.01)
        extra = _status_bytes("VmHWM") - resident_before
    queue.put({"threads": torch.get_num_threads(), "extra_bytes": extra, "configuration_bytes": config_bytes})


def _status_bytes(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {key} line; peak memory needs Linux")


def peak_memory(size, device, dtype):
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", "65536")
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_peak_memory_child, args=(size, str(device), str(dtype).split(".")[1], queue))
    process.start()
    result = queue.get(timeout=3600)
    process.join()
    result["extra_in_configuration_sizes"] = result["extra_bytes"] / result["configuration_bytes"]
    result["lattice"] = f"{size}^4"
    return result


# Command line -------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plaquette-size", type=int, default=8, help="extent L of the L^4 thermalisation lattice")
    parser.add_argument("--thermalisation", type=int, default=100, help="heat-bath sweeps discarded before measuring")
    parser.add_argument("--sweeps", type=int, default=100, help="measured sweeps for the plaquette")
    parser.add_argument("--long", action="store_true", help="also thermalise 16^4 with the same sweep counts")
    parser.add_argument("--flow-size", type=int, default=8, help="extent L of the L^4 flow-throughput lattice")
    parser.add_argument("--step", type=float, default=0.01, help="Wilson-flow step size epsilon")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats of each flow step (minimum reported)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu", help="torch device")
    parser.add_argument("--dtype", default="complex128", choices=["complex128", "complex64"], help="link dtype")
    parser.add_argument("--quick", action="store_true", help="smoke run: 4^4 lattices and few sweeps")
    parser.add_argument("--no-plaquette", action="store_true", help="skip the thermalisation part")
    arguments = parser.parse_args(argv)

    if arguments.quick:
        arguments.plaquette_size, arguments.flow_size = 4, 4
        arguments.thermalisation, arguments.sweeps, arguments.repeats = 10, 10, 2
    device = torch.device(arguments.device)
    dtype = getattr(torch, arguments.dtype)

    report = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "device": str(device) if device.type != "cuda" else torch.cuda.get_device_name(device),
        },
        "plaquette": [],
    }
    if not arguments.no_plaquette:
        report["plaquette"].append(
            thermalised_plaquette(arguments.plaquette_size, 6.0, arguments.thermalisation, arguments.sweeps, 1, device, dtype)
        )
    if arguments.long:
        report["plaquette"].append(thermalised_plaquette(16, 6.0, arguments.thermalisation, arguments.sweeps, 1, device, dtype))
    report["flow"] = flow_throughput(arguments.flow_size, arguments.step, arguments.repeats, device, dtype)
    report["peak_memory"] = peak_memory(arguments.flow_size, device, dtype)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

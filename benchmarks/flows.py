"""Benchmark of the geometric flows: Ricci-flow extinction time and PCA flows against eigh.

Run from the repository root::

    python benchmarks/flows.py                                 # 10,000 covariances of 64x64
    python benchmarks/flows.py --batch 1000 --steps 300 --threads 1   # a size for a small CPU
    python benchmarks/flows.py --flows oja log_det --ricci-points    # only two PCA flows
    python benchmarks/flows.py --quick                         # small sizes, a smoke run

Parts, printed as one JSON document:

1. Ricci flow of the Rubinstein & Sinclair surface (Experimental Math. 14 (2005),
   arXiv:math/0406189) to extinction on each grid of ``--ricci-points``: the extrapolated
   extinction time against T = A_0/(8 pi) = 0.217575, the wall time and the step count, and the
   Richardson extrapolation of consecutive grids (the scheme is second order in space).
2. Brockett's double-bracket flow, Oja's subspace flow and log-det ascent on ``--batch``
   random sample covariances of size ``--n``, each run for ``--steps`` steps, against
   ``torch.linalg.eigh`` on the same batch: wall times, their ratio to eigh, the largest error
   of the top ``--k`` eigenvalues and the largest spectral-norm distance between the flow's
   k-dimensional projector and eigh's.

A batch of 10,000 float64 64x64 matrices takes 328 MB.  Counting live tensors, the flows keep
about a dozen such batches at once (Brockett's Taylor exponential is the largest user), an
estimate of 4 GB for the default size, well under 24 GiB.  Timings are single runs on whatever machine runs the script, so compare
ratios, not seconds, across machines.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import time

import torch

from geomwork.numeric import (
    RotationalMetric,
    brockett_flow,
    log_det_ascent,
    oja_flow,
    ricci_flow,
)

EXTINCTION_TIME = 0.217575
FLOW_NAMES = ("brockett", "oja", "log_det")


def ricci_extinction(points_list):
    metric = RotationalMetric.rubinstein_sinclair()
    rows = []
    for points in points_list:
        start = time.perf_counter()
        solution = ricci_flow(metric, points=points, curvature_ratio=30.0, rtol=1e-5)
        elapsed = time.perf_counter() - start
        rows.append({
            "points": points,
            "extinction_time": solution.singular_time,
            "relative_error": solution.singular_time / EXTINCTION_TIME - 1,
            "seconds": elapsed,
            "steps": solution.steps,
        })
    for coarse, fine in itertools.pairwise(rows):
        if fine["points"] == 2 * coarse["points"]:
            extrapolated = (4 * fine["extinction_time"] - coarse["extinction_time"]) / 3
            fine["richardson_extinction_time"] = extrapolated
            fine["richardson_relative_error"] = extrapolated / EXTINCTION_TIME - 1
    return rows


def random_covariances(batch, n, seed, device):
    generator = torch.Generator().manual_seed(seed)
    scales = torch.logspace(0.5, -0.5, n, dtype=torch.float64)
    samples = torch.randn(batch, 2 * n, n, generator=generator, dtype=torch.float64) * scales
    return (samples.mT @ samples / (2 * n)).to(device)


def synchronise(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def pca_flows(batch, n, k, steps, names, device):
    covariance = random_covariances(batch, n, seed=0, device=device)
    torch.linalg.eigh(covariance[:2])  # warm-up: the first LAPACK call loads kernels
    synchronise(device)
    start = time.perf_counter()
    eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
    synchronise(device)
    eigh_seconds = time.perf_counter() - start
    top_values = eigenvalues.flip(-1)[..., :k]
    top_vectors = eigenvectors[..., -k:]
    projector = top_vectors @ top_vectors.mT

    flows = {
        "brockett": lambda: brockett_flow(covariance, steps=steps, save_every=0),
        "oja": lambda: oja_flow(covariance, k, steps=steps, save_every=0, seed=1),
        "log_det": lambda: log_det_ascent(covariance, k, steps=steps, save_every=0, seed=1),
    }
    rows = {"eigh_seconds": eigh_seconds}
    for name in names:
        run = flows[name]
        synchronise(device)
        start = time.perf_counter()
        result = run()
        synchronise(device)
        seconds = time.perf_counter() - start
        frame = result.frame[..., :k]
        values = result.eigenvalues[..., :k]
        distance = torch.linalg.matrix_norm(frame @ frame.mT - projector, ord=2)
        rows[name] = {
            "seconds": seconds,
            "ratio_to_eigh": seconds / eigh_seconds,
            "seconds_per_step": seconds / result.steps,
            "max_eigenvalue_error": float((values - top_values).abs().max()),
            "max_subspace_distance": float(distance.max()),
            "median_subspace_distance": float(distance.median()),
        }
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=10_000, help="number of covariances")
    parser.add_argument("--n", type=int, default=64, help="size of each covariance")
    parser.add_argument("--k", type=int, default=8, help="dimension of the principal subspace")
    parser.add_argument("--steps", type=int, default=1000, help="steps of each PCA flow")
    parser.add_argument("--ricci-points", type=int, nargs="*", default=[64, 128],
                        help="grid intervals of the Ricci-flow runs (none: skip them)")
    parser.add_argument("--flows", nargs="*", default=list(FLOW_NAMES), choices=FLOW_NAMES,
                        help="PCA flows to run")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads (0: torch's default)")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    arguments = parser.parse_args()
    if arguments.threads:
        torch.set_num_threads(arguments.threads)
    if arguments.quick:
        arguments.batch, arguments.steps, arguments.ricci_points = 100, 50, [32, 64]
    device = torch.device(arguments.device)

    report = {
        "machine": {"platform": platform.platform(), "torch": torch.__version__,
                    "threads": torch.get_num_threads(), "device": str(device)},
        "ricci_extinction": ricci_extinction(arguments.ricci_points),
        "pca": {"batch": arguments.batch, "n": arguments.n, "k": arguments.k,
                "steps": arguments.steps,
                **pca_flows(arguments.batch, arguments.n, arguments.k, arguments.steps,
                            arguments.flows, device)},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""A real ensemble: small MLPs trained on scikit-learn's bundled handwritten digits.

``sklearn.datasets.load_digits`` ships with scikit-learn (1797 8x8 images, 10 classes), so
nothing is downloaded.  Networks differ in seed, hidden width and the subset of classes they
were trained on.  All of them run on one shared probe set held out from training.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

__all__ = ["DigitEnsemble", "train_digit_ensemble"]

logger = logging.getLogger("geomwork.attention.digits")

N_CLASSES = 10


@dataclass(frozen=True)
class DigitEnsemble:
    """Trained digit classifiers and their activity on a shared probe set.

    Attributes
    ----------
    names : list of str
    networks : list of torch.nn.Sequential
        ``Linear(64, width) -> Tanh -> Linear(width, 10)``.
    class_subsets : list of tuple of int
        Classes each network was trained on.
    probe_inputs : torch.Tensor
        ``(m, 64)`` probe images scaled to ``[0, 1]``, never used in training.
    probe_labels : torch.Tensor
        ``(m,)`` int64 classes of the probes.
    hidden : dict of str to torch.Tensor
        ``(m, width)`` hidden-layer activity of each network on the probes.
    probabilities : torch.Tensor
        ``(n, m, 10)`` softmax outputs on the probes.
    accuracies : np.ndarray
        ``(n,)`` probe accuracy of each network over all ten classes.
    """

    names: list[str]
    networks: list[nn.Sequential]
    class_subsets: list[tuple[int, ...]]
    probe_inputs: torch.Tensor
    probe_labels: torch.Tensor
    hidden: dict[str, torch.Tensor]
    probabilities: torch.Tensor
    accuracies: np.ndarray


def _train_one(
    inputs: torch.Tensor, labels: torch.Tensor, width: int, epochs: int, seed: int, dtype: torch.dtype
) -> nn.Sequential:
    # fork_rng keeps the caller's global random state untouched by the layers' initialisation.
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        network = nn.Sequential(nn.Linear(64, width), nn.Tanh(), nn.Linear(width, N_CLASSES)).to(dtype)
    optimiser = torch.optim.Adam(network.parameters(), lr=1e-2)
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = nn.functional.cross_entropy(network(inputs), labels)
        loss.backward()
        optimiser.step()
    return network


def train_digit_ensemble(
    n_networks: int = 8,
    *,
    widths: Sequence[int] = (32, 48, 64),
    classes_per_network: int = 10,
    epochs: int = 150,
    probe_fraction: float = 0.4,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    num_threads: int | None = 1,
    callback: Callable[[int, int], None] | None = None,
) -> DigitEnsemble:
    """Train ``n_networks`` one-hidden-layer MLPs on the digits data set.

    Network ``i`` has width ``widths[i % len(widths)]``, seed ``seed + i`` and, when
    ``classes_per_network < 10``, a random subset of that many classes drawn from the seed.
    Training is full-batch Adam on cross entropy; the probe set is a fixed stratified hold-out.

    Parameters
    ----------
    n_networks : int
    widths : sequence of int
    classes_per_network : int
        Between 2 and 10.
    epochs : int
    probe_fraction : float
        Fraction of the 1797 images held out as the shared probe set.
    seed : int
    dtype : torch.dtype
    num_threads : int, optional
        torch intra-op threads while training, restored afterwards; ``None`` keeps the current
        setting.  These matrices are so small that thread synchronisation dominates: on a loaded
        2-core machine one MLP took 0.9 s with one thread and 18 s with two.
    callback : callable, optional
        Called as ``callback(done, total)`` after each network.
    """
    if not 2 <= classes_per_network <= N_CLASSES:
        raise ValueError(f"classes_per_network = {classes_per_network} must lie between 2 and {N_CLASSES}")
    if n_networks < 1:
        raise ValueError(f"n_networks = {n_networks} must be at least 1")
    images, targets = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)

    # Stratified split: the same probe images for every network.
    probe_mask = np.zeros(len(targets), dtype=bool)
    for label in range(N_CLASSES):
        members = np.flatnonzero(targets == label)
        chosen = rng.choice(members, size=int(round(probe_fraction * len(members))), replace=False)
        probe_mask[chosen] = True
    inputs = torch.as_tensor(images / 16.0, dtype=dtype)
    labels = torch.as_tensor(targets, dtype=torch.int64)
    train_inputs, train_labels = inputs[~probe_mask], labels[~probe_mask]
    probe_inputs, probe_labels = inputs[probe_mask], labels[probe_mask]

    with _torch_threads(num_threads):
        return _train_all(
            n_networks, widths, classes_per_network, epochs, seed, dtype, rng, callback,
            (train_inputs, train_labels), (probe_inputs, probe_labels),
        )


@contextlib.contextmanager
def _torch_threads(num_threads: int | None) -> Iterator[None]:
    previous = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _train_all(
    n_networks: int,
    widths: Sequence[int],
    classes_per_network: int,
    epochs: int,
    seed: int,
    dtype: torch.dtype,
    rng: np.random.Generator,
    callback: Callable[[int, int], None] | None,
    train: tuple[torch.Tensor, torch.Tensor],
    probe: tuple[torch.Tensor, torch.Tensor],
) -> DigitEnsemble:
    train_inputs, train_labels = train
    probe_inputs, probe_labels = probe
    names, networks, subsets, hidden, probabilities, accuracies = [], [], [], {}, [], []
    for index in range(n_networks):
        width = widths[index % len(widths)]
        subset = tuple(range(N_CLASSES))
        if classes_per_network < N_CLASSES:
            subset = tuple(sorted(rng.choice(N_CLASSES, size=classes_per_network, replace=False).tolist()))
        keep = torch.isin(train_labels, torch.as_tensor(subset))
        network = _train_one(train_inputs[keep], train_labels[keep], width, epochs, seed + index, dtype)

        name = f"mlp{index}-w{width}"
        with torch.no_grad():
            hidden[name] = network[1](network[0](probe_inputs))
            output = torch.softmax(network(probe_inputs), dim=-1)
        names.append(name)
        networks.append(network)
        subsets.append(subset)
        probabilities.append(output)
        accuracies.append(float((output.argmax(dim=-1) == probe_labels).to(torch.float64).mean()))
        if callback is not None:
            callback(index + 1, n_networks)
        logger.info("trained %s on classes %s: probe accuracy %.3f", name, subset, accuracies[-1])

    return DigitEnsemble(
        names=names,
        networks=networks,
        class_subsets=subsets,
        probe_inputs=probe_inputs,
        probe_labels=probe_labels,
        hidden=hidden,
        probabilities=torch.stack(probabilities),
        accuracies=np.array(accuracies),
    )

"""HDF5 checkpoints of Monte Carlo chains and gradient flows (h5py).

File layout, version 1:

* root attributes ``geomwork_format = "checkpoint"``, ``version = 1``, and, when given,
  ``group`` (for example ``"SU(3)"``), ``beta``, ``seed``, ``step`` and any extra scalar
  or string attributes;
* ``links``: the link tensor in the agreed layout ``(L_0, ..., L_{d-1}, d, N, N)``,
  complex (h5py's compound of ``r`` and ``i``), in the dtype it was written with;
* ``rng_state``: the generator state as a 1-D ``uint8`` dataset, so a state of any size
  fits (attributes are limited to 64 KiB);
* ``history/<name>``: 1-D resizable ``float64`` arrays, one entry per recorded step;
* ``flow/links``: optional snapshots along a flow, shape ``(n, L_0, ..., N, N)``.

Every write goes to a temporary file in the destination's directory and is moved into
place with :func:`os.replace`, so an interrupted write leaves the previous file intact.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch

from .._lattice import mean_link_trace, mean_plaquette
from ._common import (
    ConfigurationFileError,
    GaugeConfiguration,
    atomic_output,
    check_finite,
    check_links_for_writing,
    logger,
)

__all__ = ["Checkpoint", "append_flow_step", "read_checkpoint", "read_hdf5", "write_checkpoint", "write_hdf5"]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_FORMAT_NAME = "checkpoint"
_FORMAT_VERSION = 1
_RESERVED_ATTRIBUTES = {"geomwork_format", "version", "group", "beta", "seed", "step"}


@dataclass(frozen=True)
class Checkpoint:
    """The contents of an HDF5 checkpoint.

    Attributes
    ----------
    links : torch.Tensor
        Shape ``(L_0, ..., L_{d-1}, d, N, N)``.
    group, beta, seed, step
        The run's gauge group name, coupling, seed and step count (None when not stored).
    rng_state : bytes or None
        Generator state, for example ``torch.Generator.get_state()`` as bytes.
    history : dict of str to numpy.ndarray
        1-D arrays recorded along the chain or flow.
    flow_links : torch.Tensor or None
        Link snapshots along a flow, shape ``(n, L_0, ..., N, N)``.
    attributes : dict
        Any further root attributes.
    """

    links: torch.Tensor
    group: str | None = None
    beta: float | None = None
    seed: int | None = None
    step: int | None = None
    rng_state: bytes | None = None
    history: dict[str, np.ndarray] = field(default_factory=dict)
    flow_links: torch.Tensor | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def _state_bytes(rng_state: bytes | bytearray | torch.Tensor | np.ndarray) -> bytes:
    if isinstance(rng_state, torch.Tensor):
        return rng_state.detach().cpu().to(torch.uint8).numpy().tobytes()
    if isinstance(rng_state, np.ndarray):
        return rng_state.astype(np.uint8).tobytes()
    return bytes(rng_state)


def _native_links(links: torch.Tensor) -> np.ndarray:
    """Return the links as a numpy array on the CPU, keeping complex64 or complex128."""
    return links.detach().cpu().resolve_conj().numpy()


def _write_history(history_group: h5py.Group, name: str, values: np.ndarray) -> None:
    history_group.create_dataset(name, data=values, maxshape=(None,), chunks=True, dtype=np.float64)


def write_checkpoint(
    path: str | os.PathLike[str],
    links: torch.Tensor,
    *,
    group: str | None = None,
    beta: float | None = None,
    seed: int | None = None,
    step: int | None = None,
    rng_state: bytes | bytearray | torch.Tensor | np.ndarray | None = None,
    history: Mapping[str, Any] | None = None,
    attributes: Mapping[str, Any] | None = None,
    tolerance: float | None = None,
) -> None:
    """Write links, run attributes and history arrays to an HDF5 checkpoint, atomically.

    Parameters
    ----------
    path : path-like
        Destination; replaced atomically, so a failed write leaves any previous file.
    links : torch.Tensor
        Unitary links of shape ``(L_0, ..., L_{d-1}, d, N, N)`` (any ``d`` and ``N``).
    group, beta, seed, step
        Stored as root attributes when not None.
    rng_state : bytes, torch.Tensor or numpy.ndarray, optional
        Generator state, stored byte for byte (``torch.Generator.get_state()`` works as is).
    history : mapping of str to 1-D array, optional
        Arrays recorded so far, stored as resizable ``history/<name>`` datasets.
    attributes : mapping, optional
        Further root attributes (scalars or strings).
    tolerance : float, optional
        Bound on ``max |U^dagger U - 1|``; by default
        :func:`geomwork.numeric.unitarity_tolerance` of the links' dtype.

    Raises
    ------
    ValueError
        If the links contain NaN or are not unitary within ``tolerance``, a history
        array is not 1-D, or an extra attribute reuses a reserved name.
    """
    check_links_for_writing(links, shape_rank=None, colors=None, special=False, tolerance=tolerance)
    extra = dict(attributes or {})
    clashes = _RESERVED_ATTRIBUTES & extra.keys()
    if clashes:
        raise ValueError(f"attributes {sorted(clashes)} are reserved; pass them as keyword arguments instead")
    arrays = {name: np.asarray(values, dtype=np.float64) for name, values in (history or {}).items()}
    for name, values in arrays.items():
        if values.ndim != 1:
            raise ValueError(f"history array {name!r} has shape {values.shape}; expected a 1-D array")

    with atomic_output(path) as temporary, h5py.File(temporary, "w") as file:
        file.attrs["geomwork_format"] = _FORMAT_NAME
        file.attrs["version"] = _FORMAT_VERSION
        for key, value in (("group", group), ("beta", beta), ("seed", seed), ("step", step), *extra.items()):
            if value is not None:
                file.attrs[key] = value
        dataset = file.create_dataset("links", data=_native_links(links))
        dataset.attrs["layout"] = "(L_0, ..., L_{d-1}, d, N, N); lattice axis mu is direction mu"
        if rng_state is not None:
            file.create_dataset("rng_state", data=np.frombuffer(_state_bytes(rng_state), dtype=np.uint8))
        history_group = file.create_group("history")
        for name, values in arrays.items():
            _write_history(history_group, name, values)
    logger.info("wrote checkpoint %s: links %s, step %s", os.fspath(path), tuple(links.shape), step)


def _open_checkpoint(path: Path, mode: str) -> h5py.File:
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint file not found: {path}")
    try:
        file = h5py.File(path, mode)
    except OSError as error:
        message = f"HDF5 file {path} cannot be opened (truncated or not HDF5): {error}"
        raise ConfigurationFileError(message) from None
    if file.attrs.get("geomwork_format") != _FORMAT_NAME or "links" not in file:
        file.close()
        raise ConfigurationFileError(
            f"HDF5 file {path} is not a geomwork checkpoint: expected the attribute "
            f"geomwork_format = {_FORMAT_NAME!r} and a 'links' dataset"
        )
    return file


def _attribute(file: h5py.File, key: str, kind: type) -> Any:
    value = file.attrs.get(key)
    if value is None:
        return None
    return kind(value.decode() if isinstance(value, bytes) else value)


def read_checkpoint(
    path: str | os.PathLike[str],
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> Checkpoint:
    """Read an HDF5 checkpoint written by :func:`write_checkpoint`.

    Parameters
    ----------
    path : path-like
        The checkpoint file.
    dtype : torch.dtype, optional
        Complex dtype of the returned links; by default the stored one.
    device : torch.device or str, optional
        Device of the returned tensors.

    Raises
    ------
    ConfigurationFileError
        If the file is not HDF5, is truncated, is not a geomwork checkpoint, or its
        links contain NaN.
    """
    path = Path(path)
    with _open_checkpoint(path, "r") as file:
        try:
            stored = file["links"][()]
            history = {name: dataset[()] for name, dataset in file.get("history", {}).items()}
            flow = file["flow/links"][()] if "flow/links" in file else None
            rng_state = file["rng_state"][()].tobytes() if "rng_state" in file else None
        except OSError as error:
            message = f"HDF5 file {path} cannot be read (truncated or corrupted): {error}"
            raise ConfigurationFileError(message) from None
        attributes = {
            key: value for key, value in file.attrs.items() if key not in _RESERVED_ATTRIBUTES
        }
        run = {
            "group": _attribute(file, "group", str),
            "beta": _attribute(file, "beta", float),
            "seed": _attribute(file, "seed", int),
            "step": _attribute(file, "step", int),
        }

    target = dtype or torch.from_numpy(np.empty(0, dtype=stored.dtype)).dtype
    links = torch.from_numpy(np.ascontiguousarray(stored)).to(dtype=target, device=device)
    check_finite(links, f"HDF5 file {path}")
    flow_links = None
    if flow is not None:
        flow_links = torch.from_numpy(np.ascontiguousarray(flow)).to(dtype=target, device=device)
    return Checkpoint(
        links=links, rng_state=rng_state, history=history, flow_links=flow_links, attributes=attributes, **run
    )


def append_flow_step(
    path: str | os.PathLike[str],
    values: Mapping[str, float],
    *,
    links: torch.Tensor | None = None,
    step: int | None = None,
) -> int:
    """Append one step of a flow (or chain) to a checkpoint's history, atomically.

    Parameters
    ----------
    path : path-like
        An existing checkpoint.
    values : mapping of str to float
        One value for each history array, for example ``{"t": 0.1, "E": 0.42}``.  When
        the checkpoint has history arrays, the keys must be exactly their names; when it
        has none, the arrays are created.
    links : torch.Tensor, optional
        A snapshot appended to ``flow/links``; its shape must match the stored links.
    step : int, optional
        New value of the ``step`` attribute.

    Returns
    -------
    int
        The length of the history arrays after the append.

    Notes
    -----
    The file is copied to a temporary file, extended there and moved into place, so an
    interrupted append leaves the previous checkpoint intact.  Each append therefore
    costs a copy of the whole file.
    """
    path = Path(path)
    # Opening the original first validates it before the copy is made.
    with _open_checkpoint(path, "r") as file:
        names = set(file.get("history", {}).keys())
        links_shape = file["links"].shape
    if names and names != set(values):
        raise ValueError(
            f"values have keys {sorted(values)}; the checkpoint's history arrays are {sorted(names)}"
        )
    if links is not None:
        if tuple(links.shape) != links_shape:
            raise ValueError(f"links snapshot has shape {tuple(links.shape)}; the checkpoint stores {links_shape}")
        check_finite(links, "links snapshot")

    with atomic_output(path) as temporary:
        shutil.copyfile(path, temporary)
        with h5py.File(temporary, "r+") as file:
            history_group = file.require_group("history")
            for name, value in values.items():
                if name not in history_group:
                    _write_history(history_group, name, np.empty(0))
                dataset = history_group[name]
                dataset.resize((dataset.shape[0] + 1,))
                dataset[-1] = float(value)
            length = min(dataset.shape[0] for dataset in history_group.values()) if values else 0
            if links is not None:
                snapshot = _native_links(links)
                if "flow/links" not in file:
                    file.create_dataset(
                        "flow/links", shape=(0, *snapshot.shape), maxshape=(None, *snapshot.shape),
                        dtype=snapshot.dtype, chunks=(1, *snapshot.shape),
                    )
                flow = file["flow/links"]
                flow.resize((flow.shape[0] + 1, *snapshot.shape))
                flow[-1] = snapshot
            if step is not None:
                file.attrs["step"] = int(step)
    return length


def write_hdf5(path: str | os.PathLike[str], links: torch.Tensor, **options: Any) -> GaugeConfiguration:
    """Write links as an HDF5 checkpoint; ``options`` are those of :func:`write_checkpoint`."""
    write_checkpoint(path, links, **options)
    return read_hdf5(path, dtype=links.dtype, device=links.device)


def read_hdf5(
    path: str | os.PathLike[str],
    *,
    dtype: torch.dtype = torch.complex128,
    device: torch.device | str | None = None,
    verify: bool = True,
) -> GaugeConfiguration:
    """Read the links of an HDF5 checkpoint as a :class:`GaugeConfiguration`.

    ``header`` contains the run attributes (``group``, ``beta``, ``seed``, ``step`` and the
    extra ones); ``measured`` contains ``plaquette`` (for ``d >= 2``) and ``link_trace``.
    ``verify`` is accepted for a uniform reader signature; HDF5 has no header values to
    check.
    """
    del verify
    checkpoint = read_checkpoint(path, dtype=dtype, device=device)
    header = {
        key: getattr(checkpoint, key)
        for key in ("group", "beta", "seed", "step")
        if getattr(checkpoint, key) is not None
    }
    header.update(checkpoint.attributes)
    measured = {"link_trace": float(mean_link_trace(checkpoint.links))}
    if checkpoint.links.ndim - 3 >= 2:
        measured["plaquette"] = float(mean_plaquette(checkpoint.links))
    return GaugeConfiguration(links=checkpoint.links, format="hdf5", header=header, measured=measured)

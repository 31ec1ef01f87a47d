"""Input conversion and checks shared by the plotting functions.

Every public function in :mod:`geomwork.viz` takes numpy arrays. Torch tensors are converted with
``.detach().cpu().numpy()``. Sympy objects are rejected, because the viz layer never evaluates
symbolic expressions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _type_module(value: Any) -> str:
    return type(value).__module__.split(".")[0]


def as_real_array(value: Any, name: str) -> np.ndarray:
    """Convert ``value`` (numpy array, torch tensor, nested list) to a float64 array.

    Raises
    ------
    TypeError
        If ``value`` is a sympy object, contains sympy objects, or is complex.
    """
    module = _type_module(value)
    if module == "sympy":
        raise TypeError(
            f"{name} is a sympy {type(value).__name__}; geomwork.viz takes numbers, so evaluate it first "
            "(sympy.lambdify or a geomwork.codegen kernel) and pass the numpy array"
        )
    if module == "torch":
        value = value.detach().cpu().numpy()

    array = np.asarray(value)
    if array.dtype == object:
        kinds = sorted({type(item).__name__ for item in array.ravel()[:20]})
        raise TypeError(
            f"{name} has dtype object (entries of type {', '.join(kinds)}); pass a numeric array, "
            "evaluating any sympy expressions first"
        )
    if np.iscomplexobj(array):
        raise TypeError(f"{name} is complex ({array.dtype}); pass its real part or its modulus")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} has dtype {array.dtype}; pass a real numeric array")
    return array.astype(np.float64, copy=False)


def check_shape(array: np.ndarray, name: str, expected: tuple[int | None, ...], meaning: str) -> None:
    """Raise ValueError unless ``array.shape`` matches ``expected`` (None matches any length).

    ``meaning`` spells the expected shape for the message, e.g. ``"(N, 3): one row per point"``.
    """
    matches = array.ndim == len(expected) and all(
        want is None or got == want for got, want in zip(array.shape, expected)
    )
    if not matches:
        raise ValueError(f"{name} has shape {array.shape}; expected {meaning}")


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise ValueError if ``array`` contains NaN or infinite entries, naming the first one."""
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or infinite entries (first at index {first}: "
            f"{float(array[first])}); remove those samples or replace them before plotting"
        )


def check_not_empty(array: np.ndarray, name: str, minimum: int = 1, axis_name: str = "samples") -> None:
    """Raise ValueError if the first axis of ``array`` has fewer than ``minimum`` entries."""
    if array.ndim == 0 or array.shape[0] < minimum:
        count = 0 if array.ndim == 0 else array.shape[0]
        raise ValueError(f"{name} has {count} {axis_name}; at least {minimum} are needed")


def psd_tolerance(matrices: np.ndarray) -> np.ndarray:
    """Return the tolerance for symmetry and PSD checks of each matrix in ``(..., 3, 3)``.

    It is ``64 * eps(float64)`` times the largest absolute entry of that matrix, so the checks accept
    rounding errors of a product ``A.T @ A`` but reject a genuinely indefinite matrix.
    """
    scale = np.abs(matrices).max(axis=(-2, -1))
    return 64.0 * np.finfo(np.float64).eps * np.maximum(scale, np.finfo(np.float64).tiny)


def symmetric_psd_eigh(matrices: Any, name: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Check a stack of symmetric positive semi-definite 3x3 matrices and return their eigh.

    Parameters
    ----------
    matrices
        Array of shape ``(N, 3, 3)``.
    name
        Argument name, for messages.
    kind
        What the matrices are ("frame Gram matrices", "covariances"), for messages.

    Returns
    -------
    eigenvalues, eigenvectors
        Shapes ``(N, 3)`` and ``(N, 3, 3)``, where ``eigenvectors[n, :, i]`` belongs to ``eigenvalues[n, i]``.
        Eigenvalues that are negative within rounding (see :func:`psd_tolerance`) are set to zero.

    Raises
    ------
    ValueError
        If a matrix is not symmetric or has an eigenvalue below ``-tolerance``.
    """
    tolerance = psd_tolerance(matrices)

    asymmetry = np.abs(matrices - np.swapaxes(matrices, -1, -2)).max(axis=(-2, -1))
    bad = np.flatnonzero(asymmetry > tolerance)
    if bad.size:
        index = int(bad[0])
        raise ValueError(
            f"{name}[{index}] is not symmetric (max |G - G^T| = {asymmetry[index]:.3g}, "
            f"{bad.size} of {len(matrices)} {kind} affected); pass the symmetric part (G + G^T) / 2"
        )

    symmetric = 0.5 * (matrices + np.swapaxes(matrices, -1, -2))
    eigenvalues, eigenvectors = np.linalg.eigh(symmetric)
    lowest = eigenvalues[:, 0]
    bad = np.flatnonzero(lowest < -tolerance)
    if bad.size:
        index = int(bad[0])
        raise ValueError(
            f"{name}[{index}] is not positive semi-definite: its lowest eigenvalue is {lowest[index]:.3g} "
            f"({bad.size} of {len(matrices)} {kind} affected); build {kind} as A^T A, "
            "or clip negative eigenvalues to zero"
        )
    return np.clip(eigenvalues, 0.0, None), eigenvectors


def check_window_size(window_size: Any) -> tuple[int, int]:
    """Return ``window_size`` as ``(width, height)`` in pixels, or raise ValueError."""
    try:
        width, height = (int(v) for v in window_size)
    except (TypeError, ValueError):
        raise ValueError(
            f"window_size={window_size!r} is not a pair of pixel counts; pass (width, height), e.g. (800, 600)"
        ) from None
    if width < 16 or height < 16 or width > 8192 or height > 8192:
        raise ValueError(
            f"window_size={window_size!r} is outside 16..8192 pixels per side; pass (width, height) in that range"
        )
    return width, height


def stack_frames(frames: Any, name: str, frame_ndim: int, meaning: str) -> list[np.ndarray]:
    """Convert a sequence (or stacked array) of frames to a list of float64 arrays.

    Raises ValueError for an empty sequence or a frame of the wrong number of dimensions.
    """
    if isinstance(frames, np.ndarray) or _type_module(frames) == "torch":
        frames = as_real_array(frames, name)
        if frames.ndim != frame_ndim + 1:
            raise ValueError(f"{name} has shape {frames.shape}; expected a sequence of {meaning}")
        frames = list(frames)
    if not isinstance(frames, Sequence):
        frames = list(frames)
    if len(frames) == 0:
        raise ValueError(f"{name} is empty; pass at least one frame ({meaning})")

    converted = []
    for index, frame in enumerate(frames):
        array = as_real_array(frame, f"{name}[{index}]")
        if array.ndim != frame_ndim:
            raise ValueError(f"{name}[{index}] has shape {array.shape}; expected {meaning}")
        check_finite(array, f"{name}[{index}]")
        converted.append(array)
    return converted


def check_opacity(opacity: float) -> float:
    opacity = float(opacity)
    if not (0 < opacity <= 1):
        raise ValueError(f"opacity={opacity!r} is outside (0, 1]; pass e.g. 0.6")
    return opacity


def frame_labels(times: Any, count: int) -> list[str]:
    """Per-frame text: ``"t = ..."`` from ``times``, or ``"step i"``."""
    if times is None:
        return [f"step {index}" for index in range(count)]
    values = np.atleast_1d(as_real_array(times, "times"))
    if values.shape != (count,):
        raise ValueError(f"times has shape {values.shape}; expected ({count},), one flow time per frame")
    check_finite(values, "times")
    return [f"t = {value:.4g}" for value in values]


def check_frame_duration(frame_duration_ms: Any) -> int:
    duration = int(frame_duration_ms)
    if duration < 20:
        raise ValueError(
            f"frame_duration_ms={frame_duration_ms!r} is below 20 ms, which many GIF viewers raise to 100 ms; "
            "pass 20 or more"
        )
    return duration


def check_positive(value: float, name: str, example: str) -> float:
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}={value!r} must be a positive finite number; pass e.g. {example}")
    return value


def check_clim(clim: Any) -> tuple[float, float]:
    """Return a colour range ``(low, high)`` as floats, or raise ValueError unless finite with low < high."""
    try:
        low, high = (float(v) for v in clim)
    except (TypeError, ValueError):
        raise ValueError(f"clim={clim!r} is not a pair of numbers; pass (low, high), e.g. (0.0, 1.0)") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"clim={clim!r} must be (low, high) with finite low < high")
    return low, high


def colour_limits(values: np.ndarray, clim: Any) -> tuple[float, float]:
    """Return ``clim`` checked, or the range of ``values`` widened when it is a single value."""
    if clim is not None:
        return check_clim(clim)
    low, high = float(values.min()), float(values.max())
    if low == high:
        pad = 0.5 * abs(low) if low != 0 else 0.5
        return low - pad, high + pad
    return low, high

"""Output files: checked paths, atomic writes and animated GIFs."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger("geomwork.viz.files")


def check_output_path(path: str | os.PathLike, suffix: str, name: str = "path") -> Path:
    """Return ``path`` as a Path after checking its suffix and that its folder exists."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name}={path!r} is not a file path; pass a str or pathlib.Path ending in {suffix}")
    target = Path(path)
    if target.suffix.lower() != suffix:
        raise ValueError(f"{name}={str(target)!r} does not end in {suffix}; this function writes {suffix} files")
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"folder {str(target.parent)!r} of {name}={str(target)!r} does not exist; create it first"
        )
    return target


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` and rename it to ``target`` when the block succeeds.

    On an exception the temporary file is removed, so no half-written picture remains and an older
    file at ``target`` is left untouched.
    """
    temporary_path = target.with_name(f".{target.stem}.{secrets.token_hex(6)}{target.suffix}")
    # Created with mode 0o666 less the umask, like a plain open(); mkstemp would give 0o600.
    os.close(os.open(temporary_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        yield temporary_path
        os.replace(temporary_path, target)
    finally:
        temporary_path.unlink(missing_ok=True)


def write_gif(frames: Sequence[np.ndarray], target: Path, frame_duration_ms: int) -> None:
    """Write RGB frames of shape ``(H, W, 3)`` as a looping GIF with Pillow.

    Pillow merges consecutive frames that are pixel-identical into one longer frame, so callers put
    a per-frame label (step or time) into each picture to keep one GIF frame per step.
    """
    from PIL import Image

    images = [Image.fromarray(np.ascontiguousarray(frame[..., :3]).astype(np.uint8)) for frame in frames]
    with atomic_output(target) as temporary:
        images[0].save(
            temporary,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=int(frame_duration_ms),
            loop=0,
        )
    logger.info("wrote %s (%d frames)", target, len(images))

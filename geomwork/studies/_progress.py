"""Progress bars for long study steps (tqdm on stderr, switched off unless asked for)."""

from __future__ import annotations

import contextlib
from typing import Iterator

from tqdm.auto import tqdm

__all__ = ["progress_bar"]


@contextlib.contextmanager
def progress_bar(total: int, description: str, enabled: bool) -> Iterator[tqdm]:
    """Yield a tqdm bar of ``total`` steps, which does nothing when ``enabled`` is false."""
    bar = tqdm(total=total, desc=description, disable=not enabled, leave=False, unit="step",
               dynamic_ncols=True)
    try:
        yield bar
    finally:
        bar.close()

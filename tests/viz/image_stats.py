"""Image statistics for picture tests: sizes, foreground fraction and colour spread, never pixel equality."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import rgb_to_hsv
from PIL import Image


def load_rgb(path: Path, frame: int = 0) -> np.ndarray:
    """Read one frame of a PNG or GIF as an ``(H, W, 3)`` uint8 array."""
    with Image.open(path) as image:
        image.seek(frame)
        return np.asarray(image.convert("RGB"))


def frame_count(path: Path) -> int:
    with Image.open(path) as image:
        return getattr(image, "n_frames", 1)


def background_colour(rgb: np.ndarray) -> np.ndarray:
    """Most common colour on the image border."""
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    colours, counts = np.unique(border, axis=0, return_counts=True)
    return colours[counts.argmax()]


def foreground_mask(rgb: np.ndarray, tolerance: int = 30) -> np.ndarray:
    """Pixels whose summed channel difference from the background exceeds ``tolerance``."""
    difference = np.abs(rgb.astype(int) - background_colour(rgb).astype(int)).sum(axis=-1)
    return difference > tolerance


def foreground_fraction(rgb: np.ndarray) -> float:
    return float(foreground_mask(rgb).mean())


def occupied_hue_bins(rgb: np.ndarray, bins: int = 36, min_share: float = 0.01) -> int:
    """Count hue bins holding at least ``min_share`` of the saturated foreground pixels.

    Shading changes brightness but hardly hue, so one colour under lighting fills one or two bins,
    while a colour map over a varying scalar fills many.
    """
    pixels = rgb[foreground_mask(rgb)].astype(float) / 255.0
    hsv = rgb_to_hsv(pixels) if len(pixels) else np.zeros((0, 3))
    saturated = hsv[(hsv[:, 1] > 0.25) & (hsv[:, 2] > 0.15)]
    if len(saturated) == 0:
        return 0
    histogram, _ = np.histogram(saturated[:, 0], bins=bins, range=(0.0, 1.0))
    return int((histogram >= min_share * len(saturated)).sum())


def central_band(rgb: np.ndarray, top: float = 0.12, bottom: float = 0.78) -> np.ndarray:
    """Rows between the title text and the scalar bar, where the scene itself is drawn."""
    height = rgb.shape[0]
    return rgb[int(top * height) : int(bottom * height)]


def bottom_band(rgb: np.ndarray, top: float = 0.85) -> np.ndarray:
    """Rows below ``top`` of the height, where the horizontal scalar bar sits."""
    return rgb[int(top * rgb.shape[0]) :]

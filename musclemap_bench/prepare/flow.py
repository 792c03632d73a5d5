"""Optical flow backends: OpenCV DIS (default, preset MEDIUM) and TV-L1 (MMAction2/TSN)."""

from __future__ import annotations

import cv2
import numpy as np


class FlowBackend:
    """Computes flow from frame t-1 to t for a clip; frame 0 gets zero flow."""

    def __init__(self, method: str = "dis") -> None:
        self.method = method
        if method == "dis":
            self._of = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        elif method == "tvl1":
            # opencv-contrib; default parameters, as in MMAction2's denseflow/TSN recipe
            self._of = cv2.optflow.DualTVL1OpticalFlow_create()
        else:
            raise ValueError(f"unknown flow method {method!r}")

    def settings(self) -> dict:
        if self.method == "dis":
            return {"method": "dis", "preset": "MEDIUM", "opencv": cv2.__version__}
        return {"method": "tvl1", "params": "opencv defaults", "opencv": cv2.__version__}

    def pair(self, prev_gray: np.ndarray, gray: np.ndarray) -> np.ndarray:
        return self._of.calc(prev_gray, gray, None)

    def clip(self, frames_rgb: np.ndarray):
        """Yield [H, W, 2] float32 flow per frame (t-1 -> t), zeros for frame 0."""
        prev = None
        for frame in frames_rgb:
            gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            if prev is None:
                yield np.zeros((*gray.shape, 2), np.float32)
            else:
                yield self.pair(prev, gray)
            prev = gray

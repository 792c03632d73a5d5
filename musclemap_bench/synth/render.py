"""Camera, scene and rasteriser of the synthetic generator.

Drawing is OpenCV anti-aliased thick lines (round caps = projected capsules) in painter's
order, three passes per capsule for a cylinder-like shading. This is far faster than any
mesh renderer available without a GPU, and it is deterministic."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from musclemap_bench.synth.body import COCO17_INDEX, SEGMENTS, J, Proportions

_SUB = 4  # fixed-point bits for sub-pixel cv2 drawing
_SCALE = 1 << _SUB


def frame_shape(size: int) -> tuple[int, int]:
    """(height, width) of a 16:9 frame with short side `size` (width rounded to even)."""
    return size, int(round(size * 16 / 9 / 2)) * 2


@dataclass
class Camera:
    """Pinhole camera with per-frame hand-held shake."""

    rot: np.ndarray  # (T,3,3) world -> camera rows (right, up, forward)
    pos: np.ndarray  # (3,)
    f: float
    cx: float
    cy: float

    def project(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """pts (T,N,3) -> pixel coords (T,N,2) and depth (T,N)."""
        c = np.einsum("tij,tnj->tni", self.rot, pts - self.pos)
        z = np.maximum(c[..., 2], 1e-3)
        uv = np.stack([self.cx + self.f * c[..., 0] / z, self.cy - self.f * c[..., 1] / z], -1)
        return uv, z


def _look_at(pos: np.ndarray, target: np.ndarray) -> np.ndarray:
    fwd = target - pos
    fwd /= np.linalg.norm(fwd)
    right = np.cross(fwd, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    return np.stack([right, up, fwd])


def _smooth_noise(rng: np.random.Generator, t: np.ndarray, amp: float) -> np.ndarray:
    """Sum of three slow random sinusoids: a cheap, smooth hand-held wobble."""
    out = np.zeros_like(t)
    for _ in range(3):
        out += np.sin(2 * np.pi * rng.uniform(0.1, 0.8) * t + rng.uniform(0, 2 * np.pi))
    return amp * out / 3


def make_camera(
    rng: np.random.Generator,
    joints: np.ndarray,
    t: np.ndarray,
    size: int,
    view: str,
    facing: float = 0.0,
) -> Camera:
    """Random camera looking at the figure, then intrinsics fitted so it stays in frame."""
    h, w = frame_shape(size)
    # floor exercises read best from the side, standing ones from the front half
    az = rng.uniform(50, 90) * rng.choice([-1, 1]) if view == "side" else rng.uniform(-55, 55)
    az += facing  # azimuth is relative to the direction the figure faces
    el = np.deg2rad(rng.uniform(4, 22))
    dist = rng.uniform(3.5, 6.0)
    target = joints.reshape(-1, 3).mean(axis=0)
    a = np.deg2rad(az)
    pos = target + dist * np.array([np.sin(a) * np.cos(el), np.sin(el), np.cos(a) * np.cos(el)])
    base = _look_at(pos, target)
    shake = np.deg2rad(rng.uniform(0.05, 0.35))
    yaw, pitch = _smooth_noise(rng, t, shake), _smooth_noise(rng, t, shake)
    sy, sp = np.sin(yaw), np.sin(pitch)
    # small-angle rotation of the camera rows (yaw about up, pitch about right)
    rot = np.broadcast_to(base, (len(t), 3, 3)).copy()
    rot[:, 0] = base[0] + sy[:, None] * base[2]
    rot[:, 1] = base[1] + sp[:, None] * base[2]
    rot[:, 2] = base[2] - sy[:, None] * base[0] - sp[:, None] * base[1]
    cam = Camera(rot, pos, 1.0, 0.0, 0.0)
    uv, _ = cam.project(joints)
    lo, hi = uv.reshape(-1, 2).min(0), uv.reshape(-1, 2).max(0)
    ext = np.maximum(hi - lo, 1e-3)
    fill = rng.uniform(0.55, 0.78)
    f = fill * min(w / ext[0], h / ext[1])
    spare = np.array([w, h]) - f * ext
    off = (spare / 2) * rng.uniform(0.3, 1.7, size=2)
    cam.f = f
    cam.cx = off[0] - f * lo[0]
    cam.cy = off[1] - f * lo[1]
    return cam


@dataclass(frozen=True)
class Look:
    """Colours and background of one synthetic source video."""

    skin: np.ndarray
    shirt: np.ndarray
    sleeve: np.ndarray
    pants: np.ndarray
    legs: np.ndarray
    shoes: np.ndarray
    hair: np.ndarray
    floor: np.ndarray
    wall: np.ndarray  # (H + 2m, W + 2m, 3) uint8 wall picture
    grid: float
    light: np.ndarray  # 2D unit vector towards the light


def _colour(rng, lo=30, hi=230) -> np.ndarray:
    return rng.integers(lo, hi, size=3).astype(np.float64)


def make_look(rng: np.random.Generator, size: int, margin: int) -> Look:
    """Random clothing, skin, room colours and a textured, cluttered wall."""
    h, w = frame_shape(size)
    skin_tones = np.array([[60, 80, 120], [80, 110, 160], [110, 150, 205], [150, 185, 230]])
    skin = skin_tones[rng.integers(len(skin_tones))] * rng.uniform(0.9, 1.1)  # BGR
    shirt = _colour(rng)
    long_sleeves = rng.random() < 0.4
    pants = _colour(rng, 20, 200)
    shorts = rng.random() < 0.5
    wall_a, wall_b = _colour(rng, 60, 240), _colour(rng, 60, 240)
    hh, ww = h + 2 * margin, w + 2 * margin
    ramp = np.linspace(0, 1, hh)[:, None, None]
    wall = wall_a * (1 - ramp) + wall_b * ramp
    wall = np.broadcast_to(wall, (hh, ww, 3)).copy()
    noise = cv2.GaussianBlur(rng.normal(0, 1, (hh, ww)).astype(np.float32), (0, 0), 3)
    wall += 14 * noise[..., None]
    for _ in range(rng.integers(2, 8)):  # clutter: posters, windows, shelves, clocks
        c = _colour(rng)
        x0, y0 = int(rng.integers(0, ww)), int(rng.integers(0, hh // 2))
        if rng.random() < 0.7:
            x1 = x0 + int(rng.integers(ww // 20, ww // 4))
            y1 = y0 + int(rng.integers(hh // 20, hh // 3))
            cv2.rectangle(wall, (x0, y0), (x1, y1), c.tolist(), -1)
        else:
            cv2.circle(wall, (x0, y0), int(rng.integers(hh // 30, hh // 8)), c.tolist(), -1)
    return Look(
        skin=skin,
        shirt=shirt,
        sleeve=shirt if long_sleeves or rng.random() < 0.6 else skin,
        pants=pants,
        legs=skin if shorts else pants,
        shoes=_colour(rng, 10, 250),
        hair=_colour(rng, 10, 90),
        floor=_colour(rng, 40, 200),
        wall=np.clip(wall, 0, 255).astype(np.uint8),
        grid=rng.uniform(0.6, 0.9),
        light=np.array([rng.uniform(-0.8, 0.8), -1.0]) / np.hypot(0.8, 1.0),
    )


def _floor_points(cam: Camera, k: int, pts: np.ndarray) -> np.ndarray | None:
    """Project world points for frame k; None if any is behind the camera."""
    c = (pts - cam.pos) @ cam.rot[k].T
    if (c[:, 2] < 0.2).any():
        return None
    return np.stack([cam.cx + cam.f * c[:, 0] / c[:, 2], cam.cy - cam.f * c[:, 1] / c[:, 2]], 1)


def _fx(p) -> tuple[int, int]:
    return int(round(p[0] * _SCALE)), int(round(p[1] * _SCALE))


class Scene:
    """Everything needed to draw the frames of one synthetic video."""

    def __init__(self, rng, joints, props, body: Proportions, cam: Camera, look: Look, size: int):
        self.h, self.w = frame_shape(size)
        self.cam, self.look, self.body = cam, look, body
        self.margin = (look.wall.shape[0] - self.h) // 2
        self.uv, self.z = cam.project(joints)
        self.joints = joints
        self.props = props
        fwd = cam.rot[0, 2].copy()
        fwd[1] = 0
        self.hfwd = fwd / np.linalg.norm(fwd)
        self.hright = np.cross([0.0, 1.0, 0.0], self.hfwd) * -1
        centre = joints.reshape(-1, 3).mean(0)
        centre[1] = 0
        self.wall_base = centre + self.hfwd * rng.uniform(1.5, 3.0)
        self.centre = centre
        radii = {"torso_r": body.torso_r, "limb_r": body.limb_r}
        self.seg_idx = np.array([[J[a], J[b]] for a, b, *_ in SEGMENTS])
        self.seg_r = np.array([radii[r] * s for _, _, r, s, _ in SEGMENTS])
        self.seg_part = [p for *_, p in SEGMENTS]

    def keypoints(self) -> np.ndarray:
        """(T,17,3) float32 COCO-17: x, y in pixels, third column = 1 (labelled, in frame)."""
        uv = self.uv[:, COCO17_INDEX]
        conf = np.ones(uv.shape[:2] + (1,))
        return np.concatenate([uv, conf], -1).astype(np.float32)

    def _background(self, k: int) -> np.ndarray:
        cam, look = self.cam, self.look
        # hand-held shake moves the wall picture with the camera rotation
        dx = int(
            np.clip(round(cam.f * (cam.rot[k, 0, 2] - cam.rot[0, 0, 2])), -self.margin, self.margin)
        )
        dy = int(
            np.clip(round(cam.f * (cam.rot[k, 1, 2] - cam.rot[0, 1, 2])), -self.margin, self.margin)
        )
        m = self.margin
        img = look.wall[m + dy : m + dy + self.h, m + dx : m + dx + self.w].copy()
        wall_line = np.stack([self.wall_base - 40 * self.hright, self.wall_base + 40 * self.hright])
        p = _floor_points(cam, k, wall_line)
        if p is not None:
            (x0, y0), (x1, y1) = p
            slope = (y1 - y0) / (x1 - x0) if abs(x1 - x0) > 1e-6 else 0.0
            yl, yr = y0 - slope * x0, y0 + slope * (self.w - x0)
            poly = np.array([[0, yl], [self.w, yr], [self.w, self.h + 5], [0, self.h + 5]])
            cv2.fillPoly(
                img,
                [np.round(poly * _SCALE).astype(np.int32)],
                look.floor.tolist(),
                cv2.LINE_AA,
                _SUB,
            )
            self._grid(img, k)
        return img

    def _grid(self, img: np.ndarray, k: int) -> None:
        """Floor boards / tiles as lines on the floor plane."""
        col = (self.look.floor * self.look.grid).tolist()
        for i in range(0, 14):
            a = self.wall_base - self.hfwd * (0.6 * i)
            seg = np.stack([a - 8 * self.hright, a + 8 * self.hright])
            p = _floor_points(self.cam, k, seg)
            if p is not None:
                cv2.line(img, _fx(p[0]), _fx(p[1]), col, 1, cv2.LINE_AA, _SUB)
        for i in range(-6, 7):
            a = self.wall_base + self.hright * (0.8 * i)
            seg = np.stack([a, a - self.hfwd * 3.0])
            p = _floor_points(self.cam, k, seg)
            if p is not None:
                cv2.line(img, _fx(p[0]), _fx(p[1]), col, 1, cv2.LINE_AA, _SUB)

    def _shadow(self, img: np.ndarray, k: int) -> None:
        jt = self.joints[k]
        c = jt.mean(0)
        ext = np.ptp(jt[:, [0, 2]], axis=0) / 2 + 0.15
        ang = np.linspace(0, 2 * np.pi, 20, endpoint=False)
        ring = np.stack(
            [c[0] + ext[0] * np.cos(ang), np.zeros_like(ang), c[2] + ext[1] * np.sin(ang)], 1
        )
        p = _floor_points(self.cam, k, ring)
        if p is not None:
            col = (self.look.floor * 0.6).tolist()
            cv2.fillPoly(img, [np.round(p * _SCALE).astype(np.int32)], col, cv2.LINE_AA, _SUB)

    def _props(self, img: np.ndarray, k: int) -> None:
        col = [90.0, 90.0, 95.0]
        for kind, c in self.props:
            if kind == "bar":
                seg = np.stack([c - 0.6 * self.hright, c + 0.6 * self.hright])
                # the bar runs across the figure's shoulders, i.e. along its own left-right axis
                side = self.joints[k, J["l_shoulder"]] - self.joints[k, J["r_shoulder"]]
                side[1] = 0
                side /= max(np.linalg.norm(side), 1e-6)
                seg = np.stack([c - 0.6 * side, c + 0.6 * side])
                p = _floor_points(self.cam, k, seg)
                if p is not None:
                    th = max(2, int(self.cam.f * 0.03 / 4))
                    cv2.line(img, _fx(p[0]), _fx(p[1]), col, th, cv2.LINE_AA, _SUB)
            else:  # a box (bench / step) with its top at c[1]
                side = self.joints[0, J["l_hip"]] - self.joints[0, J["r_hip"]]
                side[1] = 0
                side /= max(np.linalg.norm(side), 1e-6)
                fwd = np.cross(side, [0.0, 1.0, 0.0])
                corners = [
                    c + sx * 0.45 * side + sz * 0.25 * fwd + np.array([0, y, 0])
                    for sx in (-1, 1)
                    for sz in (-1, 1)
                    for y in (-c[1], 0.0)
                ]
                p = _floor_points(self.cam, k, np.array(corners))
                if p is not None:
                    hull = cv2.convexHull(np.round(p * _SCALE).astype(np.int32))
                    cv2.fillConvexPoly(img, hull, [70.0, 80.0, 110.0], cv2.LINE_AA, _SUB)
                    top = np.round(p[1::2] * _SCALE).astype(np.int32)
                    cv2.fillConvexPoly(
                        img, cv2.convexHull(top), [95.0, 110.0, 145.0], cv2.LINE_AA, _SUB
                    )

    def frame(self, k: int) -> np.ndarray:
        """Render frame k as (H, W, 3) uint8 RGB."""
        img = self._background(k)
        self._shadow(img, k)
        self._props(img, k)
        uv, z, look = self.uv[k], self.z[k], self.look
        f = self.cam.f
        light = look.light
        items = []  # (depth, kind, payload)
        for i, (a, b) in enumerate(self.seg_idx):
            items.append(((z[a] + z[b]) / 2, i))
        items.append((z[J["head"]], -1))
        for _, i in sorted(items, key=lambda x: -x[0]):
            if i == -1:
                self._head(img, k)
                continue
            a, b = self.seg_idx[i]
            r = f * self.seg_r[i] / ((z[a] + z[b]) / 2)
            col = getattr(look, self.seg_part[i])
            pa, pb = uv[a], uv[b]
            cv2.line(
                img,
                _fx(pa),
                _fx(pb),
                (col * 0.45).tolist(),
                max(1, int(round(2 * r + 1))),
                cv2.LINE_AA,
                _SUB,
            )
            cv2.line(
                img,
                _fx(pa),
                _fx(pb),
                (col * 0.8).tolist(),
                max(1, int(round(1.7 * r))),
                cv2.LINE_AA,
                _SUB,
            )
            o = light * r * 0.35
            cv2.line(
                img,
                _fx(pa + o),
                _fx(pb + o),
                np.minimum(col * 1.05 + 12, 255).tolist(),
                max(1, int(round(0.8 * r))),
                cv2.LINE_AA,
                _SUB,
            )
        return img[..., ::-1].copy()  # BGR drawing colours -> RGB frame

    def _head(self, img: np.ndarray, k: int) -> None:
        uv, z, look = self.uv[k], self.z[k], self.look
        c = uv[J["head"]]
        r = self.cam.f * self.body.head_r / z[J["head"]]
        ri = max(1, int(round(r * _SCALE)))
        cv2.circle(img, _fx(c), ri + _SCALE, (look.skin * 0.45).tolist(), -1, cv2.LINE_AA, _SUB)
        cv2.circle(img, _fx(c), ri, (look.skin * 0.85).tolist(), -1, cv2.LINE_AA, _SUB)
        # hair on the back/top of the head, away from the nose: shows where the figure faces
        away = c - uv[J["nose"]]
        n = np.linalg.norm(away)
        if n > 1e-6:
            hc = c + away / n * r * 0.35 + np.array([0, -0.2 * r])
            cv2.circle(
                img,
                _fx(hc),
                max(1, int(round(0.82 * r * _SCALE))),
                look.hair.tolist(),
                -1,
                cv2.LINE_AA,
                _SUB,
            )
        o = look.light * r * 0.3
        cv2.circle(
            img,
            _fx(c + o),
            max(1, int(round(0.35 * r * _SCALE))),
            np.minimum(look.skin * 1.1 + 10, 255).tolist(),
            -1,
            cv2.LINE_AA,
            _SUB,
        )

"""Find the clips to prepare: a manifest (from `musclemap download` or hand-made) plus files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.errors import ManifestError
from musclemap_bench.splits import read_split_file, read_table

PATH_COLUMNS = ("path", "file", "video_path", "source_path", "filename")
VIDEO_EXTS = (".mp4", ".mkv", ".webm", ".avi", ".mov")


def find_manifest(folder: Path) -> Path:
    for name in ("manifest.parquet", "manifest.csv"):
        if (folder / name).is_file():
            return folder / name
    raise ManifestError(f"{folder}: no manifest.parquet or manifest.csv (give --manifest FILE)")


def _video_id(clip_id: str) -> str:
    # Kinetics-style ids end in _<start ms>_<end ms>; anything else is its own video
    parts = clip_id.rsplit("_", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0]
    return clip_id


def _resolve(folder: Path, row: pd.Series, path_col: str | None) -> Path | None:
    if path_col and isinstance(row[path_col], str) and row[path_col]:
        p = Path(row[path_col])
        return p if p.is_absolute() else folder / p
    for sub in ("", "clips", "videos"):
        for ext in VIDEO_EXTS:
            cand = folder / sub / f"{row['clip_id']}{ext}"
            if cand.is_file():
                return cand
    return None


def load_clips(
    folder: Path, manifest: Path | None = None, splits: Path | None = None
) -> pd.DataFrame:
    """clip_id, video_id, activity, split, labels, source_path (None if not found), note."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ManifestError(f"{folder}: not a folder")
    manifest = Path(manifest) if manifest else find_manifest(folder)
    df = read_table(manifest)
    missing = [c for c in ("clip_id", "activity") if c not in df.columns]
    if missing:
        raise ManifestError(f"{manifest}: missing column(s) {', '.join(missing)}")
    df = df.astype({"clip_id": str, "activity": str})
    if df["clip_id"].duplicated().any():
        raise ManifestError(
            f"{manifest}: duplicate clip_id {df.loc[df['clip_id'].duplicated(), 'clip_id'].iloc[0]!r}"
        )
    if "video_id" not in df.columns:
        df["video_id"] = df["clip_id"].map(_video_id)
    tax = load_taxonomy()
    tax.check_activities(df["activity"].unique())
    note = pd.Series([None] * len(df), index=df.index, dtype=object)
    status = folder / "status.parquet"
    if status.is_file():
        st = pd.read_parquet(status)
        if {"clip_id", "status"} <= set(st.columns):
            bad = st[st["status"].astype(str) != "ok"].set_index("clip_id")["status"]
            hit = df["clip_id"].isin(bad.index)
            note[hit] = "download status: " + df.loc[hit, "clip_id"].map(bad).astype(str)
    path_col = next((c for c in PATH_COLUMNS if c in df.columns), None)
    paths = [_resolve(folder, row, path_col) for _, row in df.iterrows()]
    df["source_path"] = [str(p) if p is not None and p.is_file() else None for p in paths]
    df["note"] = note
    df.loc[df["source_path"].isna() & note.isna(), "note"] = "source file not found"
    df["split"] = None
    if splits:
        sp = read_split_file(splits).set_index("clip_id")["split"]
        df["split"] = df["clip_id"].map(sp).astype(object).where(df["clip_id"].isin(sp.index), None)
    df["labels"] = list(tax.labels_for(df["activity"]).astype("uint8"))
    # Optional ground truth (synthetic clips): a .npy [T, 17, 3] of COCO-17 keypoints in
    # pixels of the clip's own frames, one row per frame at the clip's frame rate.
    if "gt_keypoints" in df.columns:
        df["gt_keypoints"] = [
            str(p if Path(p).is_absolute() else folder / p) if isinstance(p, str) and p else None
            for p in df["gt_keypoints"]
        ]
    else:
        df["gt_keypoints"] = None
    return df[
        [
            "clip_id",
            "video_id",
            "activity",
            "split",
            "labels",
            "source_path",
            "note",
            "gt_keypoints",
        ]
    ]


def clip_records(clips: pd.DataFrame) -> list[dict]:
    """Rows as dicts with missing strings as None (pandas 3 stores them as NaN)."""
    recs = clips.to_dict("records")
    for r in recs:
        for k in ("split", "source_path", "note", "gt_keypoints"):
            if not isinstance(r[k], str):
                r[k] = None
    return recs

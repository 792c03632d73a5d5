"""Import shims so mmpose/mmdet import on machines whose torchvision is missing or CUDA-only.

mmpose 1.3 imports torchvision at module level only for a few ops it does not use on the
top-down inference path; a stub module lets those imports succeed. Installed only when a real
torchvision cannot be imported, so a working torchvision always wins.
"""

from __future__ import annotations

import sys
import types


def install() -> None:
    """Register the shims below for whatever is missing."""
    _torchvision()
    _xtcocotools()
    _mmcv_ops()


def _mmcv_ops() -> None:
    """mmcv-lite has no compiled ops (mmcv._ext); mmpose imports a few of them at module
    level for heads that top-down RTMPose/HRNet do not use (EDPose's deformable attention).
    Placeholders let the import succeed and fail loudly only if such a head is built."""
    try:
        import mmcv.ops  # noqa: F401

        return
    except ImportError:
        pass
    except Exception:  # noqa: S110 - a partially imported mmcv.ops is replaced below
        pass

    import importlib.abc
    import importlib.machinery

    class _Missing:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("this mmcv op needs the full mmcv build (mmcv, not mmcv-lite)")

    def _placeholder(name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (_Missing,), {})

    class _OpsFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        """Serves mmcv.ops and every mmcv.ops.* submodule as a module of placeholders."""

        def find_spec(self, fullname, path=None, target=None):
            if fullname == "mmcv.ops" or fullname.startswith("mmcv.ops."):
                return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
            return None

        def create_module(self, spec):
            mod = types.ModuleType(spec.name)
            mod.__path__ = []
            mod.__getattr__ = _placeholder
            return mod

        def exec_module(self, module):
            pass

    for name in [m for m in sys.modules if m == "mmcv.ops" or m.startswith("mmcv.ops.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _OpsFinder())


def _xtcocotools() -> None:
    """xtcocotools (a pycocotools fork mmpose imports at module level for dataset
    evaluation) has no wheel for recent Pythons and fails to build; inference never calls
    it, so pycocotools stands in when xtcocotools is missing."""
    try:
        import xtcocotools  # noqa: F401

        return
    except ImportError:
        pass
    try:
        import pycocotools
        import pycocotools.coco
        import pycocotools.cocoeval
        import pycocotools.mask
    except ImportError:
        return  # mmpose's own import error will name the missing package
    sys.modules.update(
        {
            "xtcocotools": pycocotools,
            "xtcocotools.coco": pycocotools.coco,
            "xtcocotools.cocoeval": pycocotools.cocoeval,
            "xtcocotools.mask": pycocotools.mask,
        }
    )


def _torchvision() -> None:
    """Register a minimal `torchvision` stub if the real one cannot be imported."""
    try:
        import torchvision  # noqa: F401

        return
    except Exception:  # missing, or a CUDA-only wheel failing to load its ops
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
    tv = types.ModuleType("torchvision")
    tv.__version__ = "0.0.0+musclemap-shim"
    tv.__path__ = []
    transforms = types.ModuleType("torchvision.transforms")
    functional = types.ModuleType("torchvision.transforms.functional")
    ops = types.ModuleType("torchvision.ops")

    def _unavailable(*args, **kwargs):
        raise RuntimeError("torchvision is not installed; this op is unavailable")

    for mod, names in (
        (ops, ("nms", "batched_nms", "roi_align", "box_iou")),
        (transforms, ("ToPILImage", "ToTensor", "Normalize", "Compose", "Resize")),
    ):
        for n in names:
            setattr(mod, n, _unavailable)
    tv.transforms, tv.ops = transforms, ops
    transforms.functional = functional
    sys.modules.update(
        {
            "torchvision": tv,
            "torchvision.transforms": transforms,
            "torchvision.transforms.functional": functional,
            "torchvision.ops": ops,
        }
    )

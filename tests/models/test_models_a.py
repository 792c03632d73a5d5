"""Part A reference models: ST-GCN, CTR-GCN, the PySlowFast ResNet-50 family and Video Swin.

Parameter counts against the reference implementations (official-code-facts.md), forward and
backward on tiny inputs, heads, input errors, the COCO-17 graph, checkpoint key mapping and
the window attention against a naive computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from musclemap_bench.errors import InputError
from musclemap_bench.models import create_model, get_spec
from musclemap_bench.models._layers import count_params
from musclemap_bench.models.graph import NUM_JOINTS, adjacency, coco17_edges
from musclemap_bench.models.resnet3d import load_pyslowfast_state_dict
from musclemap_bench.models.videoswin import (
    WindowAttention3D,
    effective_window,
    load_videoswin_state_dict,
    relative_index,
    shift_mask,
    window_partition,
)

MODELS_A = ["stgcn", "ctrgcn", "c2d_r50", "i3d_r50", "slow_r50", "slowfast_r50",
            "videoswin_s", "videoswin_b"]  # fmt: skip

# Tiny inputs: skeleton B x 3 x T x 17 x M, video B x 3 x T x H x W (T a multiple of SlowFast's
# alpha = 4).
TINY = {"skeleton": (2, 3, 8, NUM_JOINTS, 1), "video": (2, 3, 4, 32, 32)}
TINY_SWIN = (2, 3, 2, 32, 32)  # one temporal patch keeps the 88M-parameter backward cheap


def _input(name: str, seed: int = 0) -> torch.Tensor:
    (kind,) = get_spec(name).inputs
    shape = TINY_SWIN if name.startswith("videoswin") else TINY[kind]
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", MODELS_A)
def test_parameter_count_matches_reference(name):
    spec = get_spec(name)
    with torch.device("meta"):  # shapes only: no memory, no initialisation time
        n = count_params(create_model(name))
    assert spec.reference_params is not None and spec.paper_params is not None
    assert abs(n - spec.reference_params) <= 0.01 * spec.reference_params, (
        n,
        spec.reference_params,
    )


@pytest.mark.parametrize("name", MODELS_A)
def test_forward_backward_tiny(name):
    torch.manual_seed(0)
    model = create_model(name)
    x = _input(name)
    model.train()
    logits = model(x)
    assert logits.shape == (2, 20)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, torch.randint(0, 2, (2, 20)).float()
    )
    loss.backward()
    for pname, p in model.named_parameters():
        if p.requires_grad:
            assert p.grad is not None, f"{name}: no gradient for {pname}"
            assert torch.isfinite(p.grad).all(), f"{name}: non-finite gradient for {pname}"
    model.eval()
    with torch.no_grad():
        scores = model(x)
    assert scores.shape == (2, 20)
    assert ((scores >= 0) & (scores <= 1)).all()


@pytest.mark.parametrize("name", ["stgcn", "c2d_r50"])
def test_head_options(name):
    torch.manual_seed(0)
    x = _input(name)
    model = create_model(name, head="softmax", num_classes=7).eval()
    with torch.no_grad():
        probs = model(x)
    assert probs.shape == (2, 7)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(2))
    model.train()
    logits = model(x)
    # Training mode returns raw logits: the softmax of them is what eval returned.
    assert not torch.allclose(logits.sum(dim=1), torch.ones(2))
    with pytest.raises(ValueError, match="head must be one of"):
        create_model(name, head="tanh")


def test_sigmoid_head_scores_are_sigmoid_of_logits():
    torch.manual_seed(0)
    model = create_model("ctrgcn")
    x = _input("ctrgcn")
    model.eval()
    with torch.no_grad():
        scores = model(x)
        model.head.training = True  # head only: same features, raw logits
        logits = model(x)
    torch.testing.assert_close(scores, torch.sigmoid(logits))


@pytest.mark.parametrize(
    ("name", "shape"),
    [("stgcn", (2, 2, 8, 17, 1)), ("ctrgcn", (2, 3, 8, 25, 2)), ("ctrgcn", (2, 3, 8, 17, 2)),
     ("slow_r50", (2, 4, 8, 32, 32)), ("videoswin_s", (2, 3, 32, 32)),
     ("slowfast_r50", (2, 3, 6, 32, 32))],
)  # fmt: skip
def test_bad_input_shape_is_a_one_line_input_error(name, shape):
    model = create_model(name, **({"depths": (2, 2, 2, 2)} if "swin" in name else {}))
    with pytest.raises(InputError) as err:
        model(torch.zeros(shape))
    assert "\n" not in str(err.value) and name in str(err.value)


def test_stgcn_three_partition_variant_and_frozen_edge_importance():
    # The facts file quotes 3.07M for the 3-partition ("spatial") ST-GCN.
    assert abs(count_params(create_model("stgcn", graph="spatial")) - 3.07e6) < 0.01 * 3.07e6
    frozen = create_model("stgcn", edge_importance=False)
    assert count_params(frozen) - count_params(frozen, trainable_only=True) == 10 * 17 * 17


def test_stgcn_is_invariant_to_person_order():
    model = create_model("stgcn").eval()
    x = _input("stgcn")
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(x.flip(-1)))


def test_coco17_graph():
    edges = coco17_edges()
    assert len(edges) == 16 and len(set(edges)) == 16
    # A tree over the 17 joints: every joint reaches the root (0) by following parents.
    parent = dict(edges)
    assert sorted(parent) == list(range(1, NUM_JOINTS))
    for j in range(NUM_JOINTS):
        seen = 0
        while j != 0:
            j, seen = parent[j], seen + 1
            assert seen < NUM_JOINTS
    assert coco17_edges("outward") == [(j, i) for i, j in edges]
    uni = adjacency("uniform")
    assert uni.shape == (1, 17, 17)
    np.testing.assert_allclose(uni[0].sum(axis=0), np.ones(17), rtol=1e-6)
    # Left shoulder (5) has neighbours 0, 7, 11 and itself: four equal weights in its column.
    np.testing.assert_allclose(uni[0][[0, 5, 7, 11], 5], 0.25)
    spatial = adjacency("spatial")
    assert spatial.shape == (3, 17, 17)
    np.testing.assert_array_equal(spatial[0], np.eye(17))
    np.testing.assert_array_equal(spatial[1] > 0, (spatial[2] > 0).T)
    with pytest.raises(ValueError):
        adjacency("distance")


def test_pyslowfast_checkpoint_keys_load():
    torch.manual_seed(0)
    src = create_model("slowfast_r50").eval()
    # A checkpoint in PySlowFast's layout: DataParallel prefix, classifier named head.projection.
    ckpt = {
        ("module." + k).replace("head.fc.", "head.projection."): v
        for k, v in src.state_dict().items()
    }
    assert "module.s1_fuse.conv_f2s.weight" in ckpt
    assert "module.s2.pathway1_res0.branch2.a.weight" in ckpt
    dst = create_model("slowfast_r50").eval()
    assert load_pyslowfast_state_dict(dst, ckpt) == []
    x = torch.randn(1, 3, 8, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(dst(x), src(x))
    # Without the head (e.g. 400-class Kinetics weights): only the head stays missing.
    fresh = create_model("slowfast_r50", num_classes=5)
    missing = load_pyslowfast_state_dict(fresh, {k: v for k, v in ckpt.items() if "head" not in k})
    assert sorted(missing) == ["head.fc.bias", "head.fc.weight"]
    with pytest.raises(InputError):
        load_pyslowfast_state_dict(fresh, {"s9.bogus.weight": torch.zeros(1)})


def test_slowfast_temporal_pathways():
    model = create_model("slowfast_r50")
    slow, fast = model._pathways(torch.arange(16.0).view(1, 1, 16, 1, 1).expand(1, 3, 16, 1, 1))
    assert slow.shape[2] == 4 and fast.shape[2] == 16
    assert slow[0, 0, :, 0, 0].tolist() == [0.0, 5.0, 10.0, 15.0]


def test_swin_relative_index_matches_naive():
    window = (2, 3, 3)
    idx = relative_index(window, window)
    coords = [(d, h, w) for d in range(2) for h in range(3) for w in range(3)]
    for i, a in enumerate(coords):
        for j, b in enumerate(coords):
            rd, rh, rw = (a[k] - b[k] for k in range(3))
            assert idx[i, j] == (rd + 1) * 5 * 5 + (rh + 2) * 5 + (rw + 2)
    # A clipped window indexes the full table at the same relative offsets.
    small = relative_index((1, 2, 2), window)
    assert small[0, 3] == (0 + 1) * 25 + (-1 + 2) * 5 + (-1 + 2)


def test_swin_window_clipping_and_shift_mask():
    assert effective_window((2, 8, 8), (8, 7, 7), (4, 3, 3)) == ((2, 7, 7), (0, 3, 3))
    size, win, shift = (4, 4, 4), (2, 2, 2), (1, 1, 1)
    mask = shift_mask(size, win, shift, torch.device("cpu"))
    assert mask.shape == (8, 8, 8)
    # The first window holds no wrapped tokens; the last holds tokens of 8 different regions.
    assert (mask[0] == 0).all()
    assert (mask[-1] == -100).sum() == 8 * 7
    assert torch.equal(mask, mask.transpose(1, 2))


def test_swin_window_attention_matches_naive():
    torch.manual_seed(0)
    dim, heads, window = 8, 2, (2, 2, 2)
    attn = WindowAttention3D(dim, window, heads).eval()
    with torch.no_grad():
        attn.relative_position_bias_table.normal_()
    x = torch.randn(1, 1, 8, dim)
    mask = torch.zeros(1, 8, 8)
    mask[0, :4, 4:] = mask[0, 4:, :4] = -100.0
    with torch.no_grad():
        out = attn(x, window, mask)
        q, k, v = attn.qkv(x[0, 0]).view(8, 3, heads, dim // heads).permute(1, 2, 0, 3)
        ref = torch.empty(heads, 8, dim // heads)
        table = attn.relative_position_bias_table
        coords = [(d, h, w) for d in range(2) for h in range(2) for w in range(2)]
        for hd in range(heads):
            for i, a in enumerate(coords):
                logits = []
                for j, b in enumerate(coords):
                    t = (a[0] - b[0] + 1) * 9 + (a[1] - b[1] + 1) * 3 + (a[2] - b[2] + 1)
                    s = q[hd, i] @ k[hd, j] / math.sqrt(dim // heads)
                    logits.append(s + table[t, hd] + mask[0, i, j])
                ref[hd, i] = torch.softmax(torch.stack(logits), 0) @ v[hd]
        ref = attn.proj(ref.permute(1, 0, 2).reshape(8, dim))
    torch.testing.assert_close(out[0, 0], ref, rtol=1e-5, atol=1e-5)


def test_swin_partition_roundtrip_and_odd_sizes():
    x = torch.arange(2 * 4 * 6 * 6 * 3, dtype=torch.float32).view(2, 4, 6, 6, 3)
    parts = window_partition(x, (2, 3, 3))
    assert parts.shape == (2, 8, 18, 3)
    torch.testing.assert_close(parts[0, 0, 1], x[0, 0, 0, 1])
    model = create_model("videoswin_s", depths=(2, 2, 2, 2)).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 5, 30, 50))  # nothing divides evenly
    assert out.shape == (1, 20) and torch.isfinite(out).all()


def test_videoswin_checkpoint_keys_load():
    torch.manual_seed(0)
    src = create_model("videoswin_s", depths=(2, 2, 2, 2)).eval()
    # The official layout: backbone./cls_head. prefixes plus stored relative-position indices.
    ckpt = {
        ("backbone." + k).replace("backbone.head.fc.", "cls_head.fc_cls."): v
        for k, v in src.state_dict().items()
    }
    ckpt["backbone.layers.0.blocks.0.attn.relative_position_index"] = torch.zeros(392, 392)
    assert "backbone.layers.0.blocks.1.attn.relative_position_bias_table" in ckpt
    assert "backbone.layers.2.downsample.reduction.weight" in ckpt
    dst = create_model("videoswin_s", depths=(2, 2, 2, 2)).eval()
    assert load_videoswin_state_dict(dst, ckpt) == []
    x = torch.randn(1, 3, 2, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(dst(x), src(x))
    fresh = create_model("videoswin_s", depths=(2, 2, 2, 2), num_classes=400)
    assert sorted(load_videoswin_state_dict(fresh, ckpt, head=False)) == [
        "head.fc.bias",
        "head.fc.weight",
    ]


def _changed_positions(layer, x: torch.Tensor, pos: tuple[int, int, int]) -> set:
    """Positions (d, h, w) of `layer`'s output that change when the token at `pos` changes."""
    with torch.no_grad():
        base = layer(x)
        y = x.clone()
        # A non-constant change: LayerNorm would cancel a constant shift of all channels.
        y[(0, *pos)] += torch.linspace(-2.0, 3.0, x.shape[-1])
        diff = (layer(y) - base).abs().amax(dim=(0, 4))
    return {tuple(p) for p in (diff > 1e-6).nonzero().tolist()}


def test_swin_shifted_windows_never_mix_wrapped_tokens():
    # Stage of two blocks on a 4x4x4 grid, window 2, shift 1. Block 1 (plain) mixes tokens of
    # the same 2x2x2 window; block 2 (shifted) mixes windows {1,2}^3 ... but tokens that the
    # cyclic roll wraps around (coordinate 0 next to 3) must stay apart.
    from musclemap_bench.models.videoswin import BasicLayer

    torch.manual_seed(0)
    plain = BasicLayer(8, 1, 2, (2, 2, 2), 2.0, True, [0.0], downsample=False).eval()
    x = torch.randn(1, 4, 4, 4, 8)
    cube = {(d, h, w) for d in (0, 1) for h in (0, 1) for w in (0, 1)}
    assert _changed_positions(plain, x, (0, 0, 0)) == cube

    shifted = BasicLayer(8, 2, 2, (2, 2, 2), 2.0, True, [0.0, 0.0], downsample=False).eval()
    shifted.blocks = shifted.blocks[1:]  # keep only the shifted block
    # Corner token (0,0,0) is rolled next to coordinate-3 tokens, but in its own region.
    assert _changed_positions(shifted, x, (0, 0, 0)) == {(0, 0, 0)}
    inner = {(d, h, w) for d in (1, 2) for h in (1, 2) for w in (1, 2)}
    assert _changed_positions(shifted, x, (1, 1, 1)) == inner
    # (3, 1, 1) shares a window with (0, 1..2, 1..2) after the roll but not a region.
    assert _changed_positions(shifted, x, (3, 1, 1)) == {(3, h, w) for h in (1, 2) for w in (1, 2)}

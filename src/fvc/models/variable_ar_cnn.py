"""The Variable-AR Inception-3D CNN: one logit per clip, for clips of any aspect ratio.

Reads top to bottom: forensic inputs → Inception block → network → builder. Shapes for the default config on a
(N, 3, 8, 144, 256) batch are in the comments. Clips keep their aspect ratio; a batch drawn from one
aspect-ratio bucket needs no mask, and a mixed batch passes ``mask`` (padding at the bottom/right, and at the
end in time). The mask is carried through every stride (``masked_layers``), so in eval mode a padded clip gives
the same logit as the unpadded clip (up to float rounding), and in training BatchNorm statistics and the pooled
features count valid voxels only.

Sizes: every layer is same-padded with odd kernels, so any T, H, W >= 1 runs (each axis maps to ceil(n / s)).
``MIN_T`` and ``MIN_HW`` are the supported minimums: a frame difference needs two frames, and below one deepest
stride cell the last stage sees mostly zero padding. In training mode BatchNorm needs two values per channel at
the deepest stage: a batch of one clip at the minimum size (one deepest cell) raises, as plain BatchNorm does.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from fvc.errors import FvcError
from fvc.models.masked_layers import ConvBNReLU, MaskedMaxPool3d, MaskedSequential, subsample_mask
from fvc.models.pooling import masked_global_avg_pool, valid_mask
from fvc.models.registry import check_params, register

MIN_T = 2  # frames: the frame-difference input needs a previous frame
MIN_HW = 32  # pixels: one cell of the deepest feature map at the default total stride

STEM_FRAMES = 4  # frames per run of the checkpointed stem (activation_checkpointing)
Segment = Callable[[torch.Tensor, torch.Tensor | None], tuple[torch.Tensor, torch.Tensor | None]]


@dataclass(frozen=True)
class VariableARConfig:
    """Hyperparameters of the network (``train`` params pass these by name)."""

    forensic_inputs: bool = True  # add a fixed high-pass residual and a frame difference to the RGB
    residual_gain: float = 4.0  # scales both residuals up to roughly the spread of the normalised RGB
    stem_width: int = 16
    stem_kernel: tuple[int, int, int] = (1, 7, 7)  # spatial only: time is mixed by the frame difference and blocks
    widths: tuple[int, ...] = (64, 128, 192)  # output channels of each Inception stage
    dropout: float = 0.5
    snippet: int = 1  # the clips' consecutive frames per snippet (the scale stage's layout; train passes it)
    activation_checkpointing: bool = False  # in training, keep only the stem's and each stage's input and
    # recompute the rest in backward: less activation memory for long clips, ~1/3 more compute

    def __post_init__(self) -> None:
        if len(self.stem_kernel) != 3 or any(k < 1 or k % 2 == 0 for k in self.stem_kernel):
            raise FvcError(f"model variable_ar_cnn: stem_kernel = {self.stem_kernel}, expected 3 odd sizes")
        if not self.widths or any(w < 8 for w in self.widths):
            raise FvcError(f"model variable_ar_cnn: widths = {self.widths}, expected one or more stages of >= 8")
        if not isinstance(self.activation_checkpointing, bool):
            raise FvcError(
                f"model variable_ar_cnn: activation_checkpointing = {self.activation_checkpointing!r}, "
                "expected true or false"
            )
        if self.stem_width < 1 or not 0.0 <= self.dropout < 1.0:
            raise FvcError(
                f"model variable_ar_cnn: stem_width = {self.stem_width}, dropout = {self.dropout}; "
                "expected stem_width >= 1 and 0 <= dropout < 1"
            )

    @property
    def stage_pools(self) -> list[tuple[int, int, int]]:
        """Stride of the max-pool before each stage: space only before the first, then space and time."""
        return [(1, 2, 2)] + [(2, 2, 2)] * (len(self.widths) - 1)

    @property
    def stride(self) -> tuple[int, int, int]:
        """Total (T, H, W) stride from input to the deepest feature map."""
        st = math.prod(p[0] for p in self.stage_pools)
        sh = 4 * math.prod(p[1] for p in self.stage_pools)  # the stem's conv and pool each halve H and W
        return st, sh, sh


class ForensicInputs(nn.Module):
    """(N, 3, T, H, W) in [0, 1] → normalised RGB, plus fixed residuals: (N, 9, T, H, W), or (N, 3, ...) if off.

    A prototype's tiny 3D CNN stayed at chance on raw RGB and learned once given a high-pass noise residual and
    a temporal frame difference, as forensic detectors often are. Both filters are fixed (buffers, not
    parameters). The high-pass is SRM's 3×3 second-order kernel, applied per channel per frame; it sums to
    zero, so it ignores the normalisation offset and zero padding behaves as a dark border would.
    """

    def __init__(self, enabled: bool, gain: float, snippet: int = 1) -> None:
        super().__init__()
        self.enabled, self.gain, self.snippet = enabled, gain, snippet
        srm = torch.tensor([[-1.0, 2.0, -1.0], [2.0, -4.0, 2.0], [-1.0, 2.0, -1.0]]) / 4.0
        self.register_buffer("highpass", srm.expand(3, 1, 1, 3, 3).clone(), persistent=False)

    @property
    def out_channels(self) -> int:
        """9 with the residuals, 3 without."""
        return 9 if self.enabled else 3

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, first_frame: int = 0) -> torch.Tensor:
        """x (N, 3, T, H, W) in [0, 1], mask bool (N, 1, T|1, H, W) or None → (N, 9 or 3, T, H, W), padding 0.

        ``first_frame``: the clip index of x's first frame when x is a run of a longer clip's frames (snippet
        starts are counted from the clip's start). x's first frame gets a zero difference either way.
        """
        x = (x - 0.5) / 0.25  # [0, 1] → roughly zero mean, unit spread
        if mask is not None:
            x = x * mask  # padding becomes the zero the stem's zero-padding would see
        if not self.enabled:
            return x
        residual = F.conv3d(x, self.highpass, padding=(0, 1, 1), groups=3)  # (N, 3, T, H, W)
        diff = F.pad(x[:, :, 1:] - x[:, :, :-1], (0, 0, 0, 0, 1, 0))  # (N, 3, T, H, W), frame 0 is zero
        if self.snippet > 1:  # a snippet's first frame has no predecessor: the frame before it is far away
            diff[:, :, (-first_frame) % self.snippet :: self.snippet] = 0
        out = torch.cat([x, self.gain * residual, self.gain * diff], dim=1)  # (N, 9, T, H, W)
        # The 3×3 residual reaches one pixel into the padding, and padded frames differ from valid ones.
        return out if mask is None else out * mask


class InceptionBlock(nn.Module):
    """Four branches, concatenated: (N, Cin, T, H, W) → (N, Cout, T, H, W).

    1×1×1 | 1×1×1 reduce → 3×3×3 | 1×1×1 reduce → 1×5×5 → 5×1×1 | 3×3×3 max-pool → 1×1×1, with branch widths
    Cout/4, Cout/2, Cout/8 and the rest (as GoogLeNet's 3a). The 1×1×1 reductions keep the wide kernels cheap.
    """

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        w0, w1, w2 = c_out // 4, c_out // 2, c_out // 8
        w3 = c_out - w0 - w1 - w2
        r1, r2 = max(1, w1 // 2), max(1, w2 // 2)
        self.b0 = MaskedSequential(ConvBNReLU(c_in, w0, (1, 1, 1)))
        self.b1 = MaskedSequential(ConvBNReLU(c_in, r1, (1, 1, 1)), ConvBNReLU(r1, w1, (3, 3, 3)))
        self.b2 = MaskedSequential(
            ConvBNReLU(c_in, r2, (1, 1, 1)), ConvBNReLU(r2, w2, (1, 5, 5)), ConvBNReLU(w2, w2, (5, 1, 1))
        )
        self.b3 = MaskedSequential(MaskedMaxPool3d((3, 3, 3), (1, 1, 1)), ConvBNReLU(c_in, w3, (1, 1, 1)))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(x, mask) → (concatenated branches, the same mask)."""
        branches = [branch(x, mask)[0] for branch in (self.b0, self.b1, self.b2, self.b3)]
        return torch.cat(branches, dim=1), mask  # stride 1: the mask is unchanged


class VariableARCNN(nn.Module):
    """Forensic inputs → strided stem → Inception stages with strided pools → masked GAP → dropout → logit."""

    def __init__(self, config: VariableARConfig) -> None:
        super().__init__()
        self.config = config
        self.inputs = ForensicInputs(config.forensic_inputs, config.residual_gain, config.snippet)
        self.stem = MaskedSequential(
            ConvBNReLU(self.inputs.out_channels, config.stem_width, config.stem_kernel, (1, 2, 2)),
            MaskedMaxPool3d((1, 3, 3), (1, 2, 2)),
        )  # (N, 16, 8, 36, 64)
        stages, c_in = [], config.stem_width
        for pool, width in zip(config.stage_pools, config.widths, strict=True):
            stages.append(MaskedSequential(MaskedMaxPool3d((3, 3, 3), pool), InceptionBlock(c_in, width)))
            c_in = width
        self.stages = nn.ModuleList(stages)  # (N, 64, 8, 18, 32) → (N, 128, 4, 9, 16) → (N, 192, 2, 5, 8)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(c_in, 1)
        for module in self.modules():
            if isinstance(module, nn.Conv3d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def total_stride(self) -> int:
        """Spatial stride from input to the deepest map: the scaling stage rounds H and W to a multiple of it."""
        return self.config.stride[1]

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (N, 3, T, H, W) in [0, 1]; mask None or (N, 1, T|1, H, W), nonzero on valid voxels → logits (N,)."""
        mask = valid_mask(x, mask)  # bool (N, 1, T|1, H, W) or None
        if self._checkpointing() and self.config.stem_kernel[0] == 1:
            h, mask = self._checkpointed_stem(x, mask)  # (N, 16, 8, 36, 64)
        else:
            h, mask = self._segment(self._stem, (self.inputs, self.stem), x, mask)  # (N, 16, 8, 36, 64)
        for stage in self.stages:
            h, mask = self._segment(stage, (stage,), h, mask)  # ... → (N, 192, 2, 5, 8)
        pooled = masked_global_avg_pool(h, mask)  # (N, 192)
        return self.head(self.dropout(pooled)).squeeze(1)  # (N,)

    def _stem(self, x: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.stem(self.inputs(x, mask), mask)  # (N, 9, 8, 144, 256) → (N, 16, 8, 36, 64)

    def _checkpointed_stem(
        self, x: torch.Tensor, mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The stem with the least memory: the forensic inputs and the stem's convolution run one run of
        ``STEM_FRAMES`` frames at a time, each checkpointed, so the full-resolution 9-channel input is never held
        for the whole clip; only the convolution's output (a quarter of the pixels) is kept for BatchNorm, whose
        statistics need every frame at once. Exact for a stem kernel one frame long (the default): every output
        frame sees only its own input frame, and a run starts one frame early for the frame difference.
        """
        conv_bn_relu, pool = self.stem[0], self.stem[1]
        runs = []
        for start in range(0, x.shape[2], STEM_FRAMES):
            begin, end = max(0, start - 1), min(x.shape[2], start + STEM_FRAMES)
            part = mask if mask is None or mask.shape[2] == 1 else mask[:, :, begin:end]
            out = checkpoint(self._stem_conv, x[:, :, begin:end], part, begin, use_reentrant=False)
            runs.append(out[:, :, start - begin :])
        h = torch.cat(runs, dim=2)  # (N, 16, T, H/2, W/2), the convolution's output

        def rest(h: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
            mask = subsample_mask(mask, conv_bn_relu.stride)
            h = conv_bn_relu.relu(conv_bn_relu.bn(h, mask))
            return pool(h if mask is None else h * mask, mask)

        modules = (self.stem,)
        return checkpoint(
            rest, h, mask, use_reentrant=False, context_fn=lambda: (contextlib.nullcontext(), _frozen(modules))
        )

    def _stem_conv(self, x: torch.Tensor, mask: torch.Tensor | None, first_frame: int) -> torch.Tensor:
        return self.stem[0].conv(self.inputs(x, mask, first_frame))

    def _checkpointing(self) -> bool:
        return self.config.activation_checkpointing and self.training and torch.is_grad_enabled()

    def _segment(
        self, run: Segment, modules: tuple[nn.Module, ...], x: torch.Tensor, mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``run(x, mask)``, the forward of ``modules``; checkpointed when configured, in training with autograd on.

        Checkpointing keeps only the segment's input and runs its forward again during backward. The second run
        must not move BatchNorm's running statistics a second time, so they are put back after it (``_frozen``):
        weights, gradients and running statistics equal those of the plain forward.
        """
        if not self._checkpointing():
            return run(x, mask)
        return checkpoint(
            run, x, mask, use_reentrant=False, context_fn=lambda: (contextlib.nullcontext(), _frozen(modules))
        )


@contextlib.contextmanager
def _frozen(modules: tuple[nn.Module, ...]) -> Iterator[None]:
    """BatchNorm layers under ``modules`` keep the running statistics they had on entry: whatever the block updates
    (a checkpoint's recomputation of a forward that already updated them) is put back on exit."""
    buffers = [
        buffer
        for root in modules
        for bn in root.modules()
        if isinstance(bn, nn.modules.batchnorm._BatchNorm)
        for buffer in (bn.running_mean, bn.running_var, bn.num_batches_tracked)
        if buffer is not None
    ]
    saved = [buffer.clone() for buffer in buffers]
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, value in zip(buffers, saved, strict=True):
                buffer.copy_(value)


def total_stride(**kwargs: object) -> int:
    """Spatial total stride of ``variable_ar_cnn`` built with these params (32 for the defaults)."""
    return _config(kwargs).stride[1]


def _config(kwargs: dict[str, object]) -> VariableARConfig:
    check_params("variable_ar_cnn", kwargs, (f.name for f in fields(VariableARConfig)))
    # params.yaml gives lists; the config wants hashable tuples.
    fixed = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    return VariableARConfig(**fixed)  # type: ignore[arg-type]


@register("variable_ar_cnn")
def variable_ar_cnn(**kwargs: object) -> VariableARCNN:
    """Build the Variable-AR CNN from ``VariableARConfig`` fields; FvcError names an unknown or bad field."""
    return VariableARCNN(_config(kwargs))

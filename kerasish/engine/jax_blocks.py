"""Block rearrangements for the JAX engine: depth/space shuffles, unfold and fold."""

import jax
import jax.numpy as jnp

from kerasish import config


def _check_rank4(name, x):
    if x.ndim != 4:
        raise ValueError(
            f"{name}: expected a rank-4 input, received shape {tuple(x.shape)}."
        )


def _check_blocks(name, x, block_size, data_format):
    _check_rank4(name, x)
    if block_size < 2:
        raise ValueError(f"{name}: `block_size` must be >= 2, received {block_size}.")
    first = 1 if data_format == "channels_last" else 2
    h, w = x.shape[first], x.shape[first + 1]
    c = x.shape[-1 if data_format == "channels_last" else 1]
    if name == "space_to_depth" and (h % block_size or w % block_size):
        raise ValueError(
            f"space_to_depth: height {h} and width {w} must be multiples of "
            f"block_size={block_size}."
        )
    if name == "depth_to_space" and c % (block_size * block_size):
        raise ValueError(
            f"depth_to_space: the {c} channels must be a multiple of "
            f"block_size**2 = {block_size * block_size}."
        )


def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves `block_size**2` channel groups into `block_size x block_size` blocks."""
    x = jnp.asarray(x)
    data_format = config.standardize_data_format(data_format)
    _check_blocks("depth_to_space", x, block_size, data_format)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = jnp.reshape(x, (n, h, w, b, b, c // (b * b)))
        x = jnp.transpose(x, (0, 1, 3, 2, 4, 5))  # (n, h, b, w, b, c')
        return jnp.reshape(x, (n, h * b, w * b, c // (b * b)))
    n, c, h, w = x.shape
    x = jnp.reshape(x, (n, c // (b * b), b, b, h, w))
    x = jnp.transpose(x, (0, 1, 4, 2, 5, 3))  # (n, c', h, b, w, b)
    return jnp.reshape(x, (n, c // (b * b), h * b, w * b))


def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves each `block_size x block_size` block into the channels."""
    x = jnp.asarray(x)
    data_format = config.standardize_data_format(data_format)
    _check_blocks("space_to_depth", x, block_size, data_format)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = jnp.reshape(x, (n, h // b, b, w // b, b, c))
        x = jnp.transpose(x, (0, 1, 3, 2, 4, 5))  # (n, h', w', b, b, c)
        return jnp.reshape(x, (n, h // b, w // b, c * b * b))
    n, c, h, w = x.shape
    x = jnp.reshape(x, (n, c, h // b, b, w // b, b))
    x = jnp.transpose(x, (0, 1, 3, 5, 2, 4))  # (n, c, b, b, h', w')
    return jnp.reshape(x, (n, c * b * b, h // b, w // b))


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding `(kh, kw)` blocks of an `(N, C, H, W)` input as `(N, C*kh*kw, L)`."""
    x = jnp.asarray(x)
    _check_rank4("unfold", x)
    k, d, p, s = (_pair(v) for v in (kernel_size, dilation, padding, stride))
    x = jnp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    # Channel order of the patches is (c, i, j), as in torch.nn.Unfold.
    patches = jax.lax.conv_general_dilated_patches(
        x, k, s, "VALID", rhs_dilation=d, dimension_numbers=("NCHW", "OIHW", "NCHW")
    )
    return jnp.reshape(patches, patches.shape[:2] + (-1,))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Inverse of `unfold`: sums `(N, C*kh*kw, L)` blocks into `(N, C, H, W)`."""
    x = jnp.asarray(x)
    if x.ndim != 3:
        raise ValueError(
            f"fold: expected a rank-3 input (N, C*kh*kw, L), received shape "
            f"{tuple(x.shape)}."
        )
    (oh, ow), k, d, p, s = (
        _pair(v) for v in (output_size, kernel_size, dilation, padding, stride)
    )
    n, ckk, length = x.shape
    c = ckk // (k[0] * k[1])
    nh = (oh + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    nw = (ow + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    if nh * nw != length:
        raise ValueError(
            f"fold: the input has {length} blocks but output_size={output_size}, "
            f"kernel_size={kernel_size} give {nh} x {nw} = {nh * nw}."
        )
    blocks = jnp.reshape(x, (n, c, k[0], k[1], nh, nw))
    out = jnp.zeros((n, c, oh + 2 * p[0], ow + 2 * p[1]), x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            rows = slice(i * d[0], i * d[0] + (nh - 1) * s[0] + 1, s[0])
            cols = slice(j * d[1], j * d[1] + (nw - 1) * s[1] + 1, s[1])
            out = out.at[:, :, rows, cols].add(blocks[:, :, i, j])
    return out[:, :, p[0] : p[0] + oh, p[1] : p[1] + ow]

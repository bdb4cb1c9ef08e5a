"""Connectionist temporal classification for the JAX engine: loss and decoders."""

import functools

import jax
import jax.numpy as jnp
import numpy as np

_LOG_ZERO = -1e30


@functools.partial(jax.jit, static_argnames="mask_index")
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Negative log-likelihood of `target` under the CTC alignment model
    (`optax.ctc_loss`, which Keras's JAX backend also follows: a label that
    cannot fit in the output length costs about `1e5`, not infinity).

    `output` holds logits `(batch, time, classes)` (log-softmax is applied);
    `target` is `(batch, max_label_length)` padded past `target_length`, and
    `mask_index` is the blank class.
    """
    import optax

    target = jnp.asarray(target).astype("int32")
    output = jnp.asarray(output)
    output = output.astype(jnp.promote_types(output.dtype, jnp.float32))

    def paddings(lengths, size):
        lengths = jnp.asarray(lengths).astype("int32")
        return (jnp.arange(size)[None, :] >= lengths[:, None]).astype(output.dtype)

    return optax.ctc_loss(
        output,
        paddings(output_length, output.shape[1]),
        target,
        paddings(target_length, target.shape[1]),
        blank_id=mask_index,
    )


def ctc_decode(
    inputs,
    sequence_lengths,
    strategy="greedy",
    beam_width=100,
    top_paths=1,
    merge_repeated=True,
    mask_index=0,
):
    """Decodes `(batch, time, classes)` scores; returns `(paths, scores)`.

    `paths` is `(top_paths, batch, time)` with `-1` after each decoded sequence.
    Greedy: `scores = -sum_t max_c inputs` (shape `(batch, 1)`). Beam search
    (CTC prefix search on `log_softmax(inputs)`): `scores` are the
    log-probabilities of the `top_paths` best label sequences, best first.
    """
    inputs = jnp.asarray(inputs)
    inputs = inputs.astype(jnp.promote_types(inputs.dtype, jnp.float32))
    sequence_lengths = jnp.asarray(sequence_lengths).astype("int32")
    if mask_index is None:
        mask_index = inputs.shape[-1] - 1
    if strategy == "greedy":
        return _greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        return _beam_search_decode(
            inputs, sequence_lengths, beam_width, top_paths, mask_index
        )
    raise ValueError(
        f"ctc_decode: unknown `strategy` {strategy!r}; valid values are 'greedy' "
        "and 'beam_search'."
    )


def _compact(labels, keep):
    """Moves the kept labels of each row to the front, padding with -1."""
    time = labels.shape[1]
    order = jnp.argsort(jnp.where(keep, jnp.arange(time), time), axis=1)
    labels = jnp.take_along_axis(jnp.where(keep, labels, -1), order, axis=1)
    return labels


@functools.partial(jax.jit, static_argnums=(2, 3))
def _greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index):
    batch, time, _ = inputs.shape
    best = jnp.argmax(inputs, axis=-1).astype("int32")
    score = jnp.max(inputs, axis=-1)
    valid = jnp.arange(time)[None, :] < sequence_lengths[:, None]
    best = jnp.where(valid, best, mask_index)
    score = jnp.where(valid, score, 0.0)
    keep = best != mask_index
    if merge_repeated:
        repeated = jnp.pad(best[:, 1:] == best[:, :-1], ((0, 0), (1, 0)))
        keep = keep & ~repeated
    return _compact(best, keep)[None], -jnp.sum(score, axis=1, keepdims=True)


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _beam_search_decode(inputs, sequence_lengths, beam_width, top_paths, mask_index):
    """Prefix beam search: each beam is a label prefix with two log-probabilities,
    ending in a blank (`p_blank`) or in its last label (`p_label`)."""
    batch, time, classes = inputs.shape
    log_probs = jax.nn.log_softmax(inputs, axis=-1)
    k = beam_width
    neg_inf = jnp.asarray(-jnp.inf, log_probs.dtype)
    labels = np.arange(classes)

    def decode_one(log_probs, length):
        prefixes = jnp.full((k, time), -1, "int32")
        lengths = jnp.zeros((k,), "int32")
        p_blank = jnp.full((k,), neg_inf).at[0].set(0.0)
        p_label = jnp.full((k,), neg_inf)

        def step(beams, inputs):
            prefixes, lengths, p_blank, p_label = beams
            x, t = inputs
            total = jnp.logaddexp(p_blank, p_label)
            last = jnp.take_along_axis(
                prefixes, jnp.maximum(lengths - 1, 0)[:, None], axis=1
            )[:, 0]
            last = jnp.where(lengths > 0, last, -1)
            # Unchanged prefixes: a blank, or a repeat of the last label.
            same_blank = total + x[mask_index]
            same_label = p_label + jnp.where(
                last >= 0, x[jnp.maximum(last, 0)], neg_inf
            )
            # Extended prefixes (k, classes): after a repeat only from p_blank.
            from_prefix = jnp.where(
                labels[None, :] == last[:, None], p_blank[:, None], total[:, None]
            )
            ext = from_prefix + x[None, :]
            ext = jnp.where(labels[None, :] == mask_index, neg_inf, ext)
            # An extension equal to another beam's prefix merges into that beam:
            # beam i is beam j plus label c when i is one longer and shares j.
            positions = jnp.arange(time)
            shared = (prefixes[:, None, :] == prefixes[None, :, :]) | (
                positions[None, None, :] >= lengths[None, :, None]
            )
            parent = (
                jnp.all(shared, axis=-1)
                & (lengths[:, None] == lengths[None, :] + 1)
                & jnp.isfinite(total)[:, None]
            )  # parent[i, j]: beam i is beam j extended by its last label
            last_oh = jnp.asarray(labels[None, :] == last[:, None])  # (k, classes)
            merged = jnp.where(
                parent[:, :, None] & last_oh[:, None, :], ext[None, :, :], neg_inf
            )  # (i, j, c)
            same_label = jnp.logaddexp(
                same_label, jax.scipy.special.logsumexp(merged, axis=(1, 2))
            )
            ext = jnp.where(
                jnp.any(parent[:, :, None] & last_oh[:, None, :], axis=0), neg_inf, ext
            )

            candidates = jnp.concatenate(
                [jnp.logaddexp(same_blank, same_label), ext.reshape(-1)]
            )
            _, chosen = jax.lax.top_k(candidates, k)
            is_ext = chosen >= k
            source = jnp.where(is_ext, (chosen - k) // classes, chosen)
            label = (chosen - k) % classes
            new_prefixes = prefixes[source]
            new_lengths = lengths[source]
            new_prefixes = jnp.where(
                is_ext[:, None] & (positions[None, :] == new_lengths[:, None]),
                label[:, None],
                new_prefixes,
            )
            new_lengths = new_lengths + is_ext
            ext_flat = ext.reshape(-1)[jnp.maximum(chosen - k, 0)]
            new_blank = jnp.where(is_ext, neg_inf, same_blank[source])
            new_label = jnp.where(is_ext, ext_flat, same_label[source])
            new = (new_prefixes, new_lengths, new_blank, new_label)
            active = t < length
            return jax.tree_util.tree_map(
                lambda a, b: jnp.where(active, a, b), new, beams
            ), None

        beams, _ = jax.lax.scan(
            step,
            (prefixes, lengths, p_blank, p_label),
            (log_probs, jnp.arange(time)),
        )
        prefixes, _, p_blank, p_label = beams
        total = jnp.logaddexp(p_blank, p_label)
        scores, best = jax.lax.top_k(total, top_paths)
        return prefixes[best], scores

    paths, scores = jax.vmap(decode_one)(log_probs, sequence_lengths)
    return jnp.transpose(paths, (1, 0, 2)), scores

"""Scientific computing with keras.ops: linear algebra and numerics, in a model too.

In the style of keras.io's backend-agnostic ops material ("Writing custom layers
with keras.ops", the `keras.ops.linalg` / numerics API pages and the examples that
whiten features or solve small linear systems inside a layer). Everything is run on
fixed-seed, well-conditioned float32 inputs, and the decompositions whose factors are
only defined up to sign (QR, SVD, eigh) are compared on sign-invariant quantities:
reconstructions, singular values and eigenvalues, `|R|` diagonals, `Q^T Q`.

Covers, eagerly: `keras.ops.linalg.cholesky` (lower and `upper=True`, batched),
`cholesky_inverse`, `det`, `inv`, `lu_factor` (pivots and the P L U reconstruction),
`norm` with vector and matrix `ord`s (`None`, 1, 2, inf, -inf, 0, "fro", "nuc", -2),
tuple/int axes and `keepdims`, `qr` in "reduced" and "complete" modes, `solve`
(batched, matrix right-hand side, one right-hand side shared by a batch of systems),
`solve_triangular` (lower and upper), `svd` with
`full_matrices` True/False and `compute_uv=False`, `eigh`, `lstsq` (with `rcond`),
`pinv`, `matrix_rank`, `jvp`; and the numerics `logsumexp`, `cumsum`/`cumprod`
(axes, `dtype=`), `segment_sum`/`segment_max` (`sorted=True`, the error for a missing
`num_segments`), `top_k` (sorted and not), `searchsorted` (both sides), `digitize`,
`erf`/`erfinv`, `histogram`, `fft`/`rfft`/`irfft`, `stft`/`istft` round trip. The same
ops on symbolic `keras.Input`s give their output shapes. Then a Functional model with
a Cholesky-whitening layer (non-trainable covariance set from numpy, whitened with
`solve_triangular`), a layer mixing features through a trainable SPD system solved
with `ops.linalg.solve` (with a Frobenius-norm `add_loss`), a spectral-feature branch
built on `rfft`, and a custom log-sum-exp cross-entropy loss, trained for a few
steps; saved to `.keras` and reloaded with `custom_objects`.
"""

import numpy as np


def run(keras, workdir):
    ops = keras.ops
    la = ops.linalg
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(42)
    out = {}

    def np_(x):
        return np.asarray(ops.convert_to_numpy(x), dtype="float64")

    def flat(*values):
        return np.concatenate([np.ravel(np_(v)) for v in values])

    # --- well-conditioned inputs ------------------------------------------------
    m = rng.normal(size=(2, 4, 4)).astype("float32")
    spd = (m @ np.swapaxes(m, -1, -2) + 4.0 * np.eye(4)).astype("float32")  # (2,4,4)
    gen = (rng.normal(size=(2, 4, 4)) * 0.5 + 3.0 * np.eye(4)).astype("float32")
    rhs = rng.normal(size=(2, 4, 3)).astype("float32")
    tall = rng.normal(size=(6, 4)).astype("float32")
    tall_b = rng.normal(size=(6, 2)).astype("float32")
    vec = rng.normal(size=(5,)).astype("float32")
    mat = (rng.normal(size=(3, 4)) + np.array([[2.0], [0.0], [-1.0]])).astype("float32")

    # --- Cholesky family --------------------------------------------------------
    chol = la.cholesky(spd)
    chol_up = la.cholesky(spd, upper=True)
    out["close_cholesky"] = flat(
        chol,
        chol_up,
        ops.matmul(chol, ops.swapaxes(chol, -1, -2)),  # L L^T == A
        # Keras's JAX cholesky_inverse takes a single (unbatched) factor.
        la.cholesky_inverse(chol[0]),
        la.cholesky_inverse(chol_up[1], upper=True),
    )
    assert np.allclose(np_(ops.matmul(chol, ops.swapaxes(chol, -1, -2))), spd, 1e-4)
    assert np.allclose(np.triu(np_(chol), 1), 0.0)

    # --- det / inv / solve / LU -------------------------------------------------
    det = la.det(gen)
    inv = la.inv(gen)
    sol = la.solve(gen, rhs)
    out["close_det_inv_solve"] = flat(
        det, inv, sol, ops.matmul(gen, sol), ops.logdet(spd)
    )
    assert np.allclose(np_(ops.matmul(gen, inv)), np.eye(4), atol=1e-4)
    # A batch of systems sharing one right-hand-side matrix: `b` broadcasts
    # against the batch of `a`s (the solution has shape (2, 4, 3)).
    shared_b = rhs[0]
    shared = flat(
        la.solve(gen, shared_b), la.solve_triangular(chol, shared_b, lower=True)
    )
    out["close_shared_rhs"] = shared
    lu, piv = la.lu_factor(gen[0])
    lu_np, piv_np = np_(lu), np.asarray(ops.convert_to_numpy(piv))
    lower = np.tril(lu_np, -1) + np.eye(4)
    upper = np.triu(lu_np)
    perm = np.arange(4)
    for i, p in enumerate(piv_np):  # LAPACK-style sequential row swaps
        perm[[i, p]] = perm[[p, i]]
    out["close_lu_reconstruct"] = (lower @ upper)[np.argsort(perm)]
    out["same_lu_pivots_dtypes"] = (
        piv_np.tolist(),
        keras.backend.standardize_dtype(lu.dtype),
        keras.backend.standardize_dtype(piv.dtype),
    )

    # --- triangular solves ------------------------------------------------------
    tri_lo = np_(chol)[0].astype("float32")
    tri_up = tri_lo.T.copy()
    out["close_solve_triangular"] = flat(
        la.solve_triangular(tri_lo, rhs[0], lower=True),
        la.solve_triangular(tri_up, rhs[0], lower=False),
        la.solve_triangular(chol, rhs, lower=True),  # batched
    )

    # --- norms --------------------------------------------------------------------
    vector_ords = [None, 1, 2, np.inf, -np.inf, 0, 3]
    matrix_ords = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
    out["close_norm_ords"] = flat(
        *[la.norm(vec, ord=o) for o in vector_ords],
        *[la.norm(mat, ord=o) for o in matrix_ords],
    )
    out["close_norm_axes"] = flat(
        la.norm(mat, axis=1),
        la.norm(mat, ord=1, axis=0),
        la.norm(mat, ord=np.inf, axis=-1, keepdims=True),
        la.norm(spd, ord="fro", axis=(1, 2)),
        la.norm(spd, ord=2, axis=(-2, -1), keepdims=True),
        la.norm(spd),  # whole tensor, flattened 2-norm
    )
    out["same_norm_shapes"] = [
        tuple(ops.shape(la.norm(mat, axis=1, keepdims=True))),
        tuple(ops.shape(la.norm(spd, ord="nuc", axis=(-2, -1), keepdims=True))),
        tuple(ops.shape(la.norm(spd, axis=-1))),
        tuple(ops.shape(la.norm(spd, keepdims=True))),
    ]

    # --- QR (both modes), SVD, eigh: sign-invariant comparisons --------------------
    q_r, r_r = la.qr(tall)  # reduced
    q_c, r_c = la.qr(tall, mode="complete")
    out["close_qr"] = flat(
        ops.matmul(q_r, r_r),
        ops.matmul(q_c, r_c),
        ops.abs(ops.diagonal(r_r)),
        ops.abs(ops.matmul(ops.transpose(q_c), q_c)),
        ops.abs(ops.matmul(ops.transpose(q_r), q_r)),
        ops.abs(r_c[4:]),  # the zero rows of complete-mode R
    )
    u_f, s_f, vh_f = la.svd(tall)  # full_matrices=True
    u_r, s_r, vh_r = la.svd(tall, full_matrices=False)
    s_only = la.svd(spd, compute_uv=False)
    out["same_decomposition_shapes"] = [
        tuple(ops.shape(t))
        for t in (q_r, r_r, q_c, r_c, u_f, s_f, vh_f, u_r, vh_r, s_only)
    ]
    out["close_svd"] = flat(
        s_f,
        s_r,
        s_only,
        ops.matmul(u_r * s_r, vh_r),
        ops.matmul(u_f[:, :4] * s_f, vh_f),
        ops.abs(ops.matmul(ops.transpose(u_f), u_f)),
    )
    w, v = la.eigh(spd)
    out["close_eigh"] = flat(
        w,
        ops.matmul(v * ops.expand_dims(w, -2), ops.swapaxes(v, -1, -2)),
        ops.abs(ops.matmul(ops.swapaxes(v, -1, -2), v)),
    )
    assert np.all(np.diff(np_(w), axis=-1) > 0)  # ascending eigenvalues

    # --- least squares, pinv, rank, jvp ---------------------------------------
    def quad(x):
        return ops.sum(ops.matmul(spd[0], x) * x)

    x_ls = la.lstsq(tall, tall_b)
    out["close_lstsq_pinv_jvp"] = flat(
        x_ls,
        la.lstsq(tall, tall_b, rcond=1e-3),
        la.lstsq(tall, tall_b[:, 0]),  # vector right-hand side
        la.pinv(tall),
        *la.jvp(quad, (tall[0],), (ops.ones((4,)),)),
    )
    ref_ls = np.linalg.lstsq(tall.astype("float64"), tall_b, rcond=None)[0]
    assert np.allclose(np_(x_ls), ref_ls, atol=1e-4)
    rank_def = np.concatenate([tall[:, :3], tall[:, :1] + tall[:, 1:2]], axis=1)
    out["same_matrix_rank"] = [
        int(np_(la.matrix_rank(tall))),
        int(np_(la.matrix_rank(rank_def))),
        int(np_(la.matrix_rank(spd)[1])),
    ]

    # --- numerics -------------------------------------------------------------------
    logits = (rng.normal(size=(3, 5)) * 3.0).astype("float32")
    out["close_logsumexp"] = flat(
        ops.logsumexp(logits),
        ops.logsumexp(logits, axis=-1),
        ops.logsumexp(logits, axis=0, keepdims=True),
        ops.logsumexp(logits * 30.0, axis=1),  # large values: no overflow
    )
    assert np.all(np.isfinite(np_(ops.logsumexp(logits * 30.0, axis=1))))
    small = rng.uniform(0.5, 1.5, size=(3, 4)).astype("float32")
    ints = rng.integers(1, 4, size=(3, 4)).astype("int32")
    out["close_cumulative"] = flat(
        ops.cumsum(small),
        ops.cumsum(small, axis=0),
        ops.cumsum(small, axis=-1),
        ops.cumprod(small, axis=1),
        ops.cumprod(small),
        ops.cumsum(ints, axis=1, dtype="float32"),
        ops.cumprod(ints, axis=0),
    )
    out["same_cumulative_dtypes"] = [
        keras.backend.standardize_dtype(t.dtype)
        for t in (
            ops.cumsum(ints),
            ops.cumsum(ints, dtype="float32"),
            ops.cumprod(ints, axis=0),
            ops.cumsum(small, axis=0),
        )
    ]
    seg_data = rng.normal(size=(6, 3)).astype("float32")
    seg_ids = np.array([0, 0, 1, 3, 3, 3], "int32")
    unsorted_ids = np.array([2, 0, 2, 1, 0, 1], "int32")
    out["close_segments"] = flat(
        ops.segment_sum(seg_data, seg_ids, num_segments=4),
        ops.segment_sum(seg_data, seg_ids, num_segments=4, sorted=True),
        ops.take(  # segment 2 is empty: its max is the dtype's lowest value
            ops.segment_max(seg_data, seg_ids, num_segments=4, sorted=True),
            np.array([0, 1, 3]),
            axis=0,
        ),
        ops.segment_sum(seg_data, unsorted_ids, num_segments=3),
        ops.segment_max(seg_data, unsorted_ids, num_segments=3),
        ops.segment_sum(seg_data[:, 0], unsorted_ids, num_segments=3),
    )

    def raised(fn):
        try:
            fn()
        except Exception as e:
            return type(e).__name__
        return "no error"

    # On JAX the number of segments must be given (a static output shape).
    out["same_segment_needs_num_segments"] = [
        raised(lambda: ops.segment_sum(seg_data, seg_ids)),
        raised(lambda: ops.segment_max(seg_data, unsorted_ids)),
    ]
    scores = rng.permutation(20).reshape(2, 10).astype("float32") / 7.0
    tk_vals, tk_idx = ops.top_k(scores, k=3)
    tk_u_vals, tk_u_idx = ops.top_k(scores, k=3, sorted=False)
    out["close_top_k_values"] = flat(tk_vals, np.sort(np_(tk_u_vals), axis=-1))
    out["same_top_k_indices"] = [
        np.asarray(ops.convert_to_numpy(tk_idx)).tolist(),
        np.sort(np.asarray(ops.convert_to_numpy(tk_u_idx)), axis=-1).tolist(),
    ]
    edges = np.array([-1.0, 0.0, 0.5, 2.0], "float32")
    probe = np.array([-2.0, -1.0, 0.2, 0.5, 1.0, 3.0], "float32")
    out["same_search"] = [
        np.asarray(ops.convert_to_numpy(t)).tolist()
        for t in (
            ops.searchsorted(edges, probe),
            ops.searchsorted(edges, probe, side="right"),
            ops.digitize(probe, edges),
            ops.digitize(probe, [-1.5, 0.0, 1.0]),
        )
    ]
    grid = np.linspace(-2.0, 2.0, 9).astype("float32")
    inner = np.linspace(-0.95, 0.95, 7).astype("float32")
    out["close_erf"] = flat(
        ops.erf(grid), ops.erfinv(inner), ops.erf(ops.erfinv(inner)) - inner
    )
    samples = rng.normal(size=(200,)).astype("float32")
    counts, bin_edges = ops.histogram(samples, bins=6, range=(-3.0, 3.0))
    counts_auto, edges_auto = ops.histogram(samples[:50], bins=4)
    out["close_histogram"] = flat(counts, bin_edges, counts_auto, edges_auto)
    assert int(np_(counts).sum()) == 200

    # --- FFT family and STFT round trip ---------------------------------------
    t = np.arange(64, dtype="float32")
    signal = (np.sin(0.3 * t) + 0.5 * np.cos(1.1 * t)).astype("float32")
    batch_sig = np.stack([signal, signal[::-1].copy()])
    re, im = ops.fft((batch_sig, np.zeros_like(batch_sig)))
    rre, rim = ops.rfft(batch_sig)
    back = ops.irfft((rre, rim), fft_length=64)
    rre_p, rim_p = ops.rfft(batch_sig, fft_length=80)  # zero-padded
    out["close_fft"] = flat(re, im, rre, rim, back, rre_p, rim_p)
    spectral_shapes = [
        tuple(ops.shape(x)) for x in (re, rre, back, rre_p, ops.irfft((rre, rim)))
    ]
    assert np.allclose(np_(back), batch_sig, atol=1e-4)
    st_re, st_im = ops.stft(
        batch_sig, sequence_length=16, sequence_stride=8, fft_length=16
    )
    recon = ops.istft(
        (st_re, st_im), sequence_length=16, sequence_stride=8, fft_length=16, length=64
    )
    st2 = ops.stft(
        signal,
        sequence_length=12,
        sequence_stride=4,
        fft_length=16,
        window=None,
        center=False,
    )
    out["close_stft"] = flat(st_re, st_im, recon, *st2)
    spectral_shapes += [tuple(ops.shape(x)) for x in (st_re, recon, st2[0])]
    out["same_spectral_shapes"] = spectral_shapes
    assert np.allclose(np_(recon), batch_sig, atol=1e-3)

    # --- the same ops on symbolic tensors: shape inference ---------------------
    sym_sq = keras.Input(shape=(4, 4))
    sym_tall = keras.Input(shape=(6, 4))
    sym_vec = keras.Input(shape=(64,))
    sym_shapes = {
        "cholesky": la.cholesky(sym_sq),
        "det": la.det(sym_sq),
        "inv": la.inv(sym_sq),
        "solve": la.solve(sym_sq, sym_tall[:, :4, :3]),
        "norm_fro": la.norm(sym_sq, ord="fro", axis=(1, 2), keepdims=True),
        "norm_vec": la.norm(sym_tall, axis=-1),
        "qr_r": la.qr(sym_tall)[1],
        "qr_q_complete": la.qr(sym_tall, mode="complete")[0],
        "svd_s": la.svd(sym_tall, compute_uv=False),
        "svd_u": la.svd(sym_tall, full_matrices=False)[0],
        "eigh_w": la.eigh(sym_sq)[0],
        "logsumexp": ops.logsumexp(sym_tall, axis=1),
        "cumsum": ops.cumsum(sym_tall, axis=1),
        "top_k": ops.top_k(sym_vec, k=5)[1],
        "rfft": ops.rfft(sym_vec)[0],
        "stft": ops.stft(sym_vec, 16, 8, 16)[0],
        "erfinv": ops.erfinv(sym_vec),
    }
    out["same_symbolic_specs"] = {
        k: (tuple(v.shape), v.dtype) for k, v in sorted(sym_shapes.items())
    }

    # --- custom layers in a Functional model ------------------------------------
    n_feat, n_cls, n_spec = 4, 3, 16

    class CholeskyWhitening(layers.Layer):
        """x -> L^{-1} (x - mean), with cov = L L^T held as non-trainable weights."""

        def build(self, input_shape):
            d = input_shape[-1]
            self.mean = self.add_weight(
                shape=(d,), initializer="zeros", trainable=False, name="mean"
            )
            self.cov = self.add_weight(
                shape=(d, d), initializer="identity", trainable=False, name="cov"
            )

        def call(self, x):
            chol_f = la.cholesky(self.cov)
            z = la.solve_triangular(chol_f, ops.transpose(x - self.mean), lower=True)
            return ops.transpose(z)

    class SPDSolve(layers.Layer):
        """y = (I + W W^T)^{-1} x: a trainable, always well-posed linear system."""

        def __init__(self, penalty=1e-2, **kwargs):
            super().__init__(**kwargs)
            self.penalty = penalty

        def build(self, input_shape):
            d = input_shape[-1]
            self.w = self.add_weight(
                shape=(d, d), initializer="glorot_uniform", name="w"
            )

        def call(self, x):
            d = ops.shape(self.w)[0]
            a = ops.eye(d) + ops.matmul(self.w, ops.transpose(self.w))
            self.add_loss(self.penalty * la.norm(self.w, ord="fro"))
            return ops.transpose(la.solve(a, ops.transpose(x)))

        def get_config(self):
            return {**super().get_config(), "penalty": self.penalty}

    class SpectralMagnitude(layers.Layer):
        """|rfft(x)| on the last axis, plus a cumulative-energy feature."""

        def call(self, x):
            real, imag = ops.rfft(x)
            mag = ops.sqrt(real * real + imag * imag + 1e-6)
            energy = ops.cumsum(mag * mag, axis=-1)
            return ops.concatenate([mag, energy[:, -1:] / 100.0], axis=-1)

    def lse_cross_entropy(y_true, y_pred):
        """Softmax cross-entropy from logits, written with logsumexp."""
        return ops.logsumexp(y_pred, axis=-1) - ops.sum(y_true * y_pred, axis=-1)

    feat_in = keras.Input(shape=(n_feat,), name="features")
    spec_in = keras.Input(shape=(n_spec,), name="signal")
    white = CholeskyWhitening(name="whiten")(feat_in)
    mixed = SPDSolve(name="spd_solve")(white)
    spec = SpectralMagnitude(name="spectral")(spec_in)
    merged = layers.Concatenate(name="merge")([mixed, spec])
    hidden = layers.Dense(6, activation="tanh", name="hidden")(merged)
    logits_out = layers.Dense(n_cls, name="logits")(hidden)
    model = keras.Model([feat_in, spec_in], logits_out, name="linalg_model")

    n = 24
    data_rng = np.random.default_rng(7)
    mix = np.array(
        [
            [2.0, 0.3, 0.0, 0.1],
            [0.0, 1.0, 0.5, 0.0],
            [0.0, 0.0, 0.7, 0.2],
            [0.0, 0.0, 0.0, 1.5],
        ],
        "float32",
    )
    feats = (data_rng.normal(size=(n, n_feat)) @ mix + 1.0).astype("float32")
    sigs = data_rng.normal(size=(n, n_spec)).astype("float32")
    labels = (np.argmax(feats[:, :3], axis=1)).astype("int64")
    y = np.eye(n_cls, dtype="float32")[labels]

    wrng = np.random.default_rng(3)
    emp_mean = feats.mean(axis=0).astype("float32")
    emp_cov = (np.cov(feats, rowvar=False) + 1e-3 * np.eye(n_feat)).astype("float32")
    model.get_layer("whiten").set_weights([emp_mean, emp_cov])
    model.get_layer("spd_solve").set_weights(
        [(wrng.normal(size=(n_feat, n_feat)) * 0.3).astype("float32")]
    )
    merged_dim = n_feat + n_spec // 2 + 2
    model.get_layer("hidden").set_weights(
        [
            (wrng.normal(size=(merged_dim, 6)) * 0.3).astype("float32"),
            np.zeros(6, "float32"),
        ]
    )
    model.get_layer("logits").set_weights(
        [
            (wrng.normal(size=(6, n_cls)) * 0.5).astype("float32"),
            np.zeros(n_cls, "float32"),
        ]
    )
    out["same_model_structure"] = [
        model.count_params(),
        len(model.trainable_weights),
        len(model.non_trainable_weights),
        [(layer.name, tuple(layer.output.shape)) for layer in model.layers],
    ]

    # The whitened training features have identity covariance.
    whitened = np_(model.get_layer("whiten")(feats))
    out["close_whitened_cov"] = np.cov(whitened, rowvar=False)
    assert np.allclose(np.cov(whitened, rowvar=False), np.eye(n_feat), atol=1e-2)

    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss=lse_cross_entropy,
        metrics=[keras.metrics.TopKCategoricalAccuracy(k=2, name="top2")],
    )
    x_in = {"features": feats, "signal": sigs}
    out["close_pred_before"] = np_(model.predict(x_in, batch_size=8, verbose=0))
    history = model.fit(x_in, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    out["same_history_keys"] = sorted(history.history)
    out["close_history"] = np.asarray(
        [history.history["loss"], history.history["top2"]]
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    out["close_trained_weights"] = flat(*model.get_weights())
    preds = model.predict(x_in, batch_size=8, verbose=0)
    out["close_pred_after"] = np_(preds)
    # The custom loss is the built-in softmax cross-entropy from logits.
    builtin = keras.losses.CategoricalCrossentropy(from_logits=True)(y, preds)
    custom = ops.mean(lse_cross_entropy(y, preds))
    evaluated = model.evaluate(x_in, y, batch_size=8, verbose=0)
    out["close_evaluate_vs_builtin"] = flat(evaluated, builtin, custom)
    assert abs(float(np_(builtin)) - float(np_(custom))) < 1e-5

    # --- save / reload with the custom objects ------------------------------------
    path = workdir / "linalg_model.keras"
    model.save(path)
    reloaded = keras.models.load_model(
        path,
        custom_objects={
            "CholeskyWhitening": CholeskyWhitening,
            "SPDSolve": SPDSolve,
            "SpectralMagnitude": SpectralMagnitude,
            "lse_cross_entropy": lse_cross_entropy,
        },
    )
    reloaded_pred = np_(reloaded.predict(x_in, batch_size=8, verbose=0))
    out["close_reloaded_pred"] = reloaded_pred
    out["same_reloaded"] = (
        reloaded.get_layer("spd_solve").penalty,
        [type(layer).__name__ for layer in reloaded.layers],
        bool(np.allclose(reloaded_pred, np_(preds), atol=1e-6)),
    )
    return out

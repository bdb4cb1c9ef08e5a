"""Core and regularization layers in training vs inference, as keras.io's layer
reference pages and "Making new layers and models via subclassing" show them.

Covers Dropout (rate 0, `noise_shape`), SpatialDropout1D/2D, GaussianNoise,
GaussianDropout, AlphaDropout (loose statistics in training, identity at
inference), ActivityRegularization (its loss in `model.losses` and in the fit
and evaluate losses), UnitNormalization, Identity, Rescaling, Masking, Lambda
with `output_shape`, Reshape with -1, Permute, RepeatVector, Flatten on
channels_first, Cropping/ZeroPadding 1D/2D, the activation layers (ReLU with
max_value/negative_slope/threshold, LeakyReLU, ELU, PReLU, Softmax with a
mask), `training=` propagation through nested Sequential/Functional/subclassed
models (a layer whose `call` branches on `training`, a signature default of
`training=True`, an explicit `training=` fixed in a functional graph), configs
round-tripped through `from_config`, summaries' parameter counts and a few fit
steps from weights set with numpy.
"""

import re

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(7)
    out = {}
    noise_checks, mode_checks, configs_other = {}, {}, {}

    def np_(t):
        return ops.convert_to_numpy(t)

    def set_from_numpy(model, seed, scale=0.4):
        wrng = np.random.default_rng(seed)
        model.set_weights(
            [
                (wrng.normal(size=w.shape) * scale).astype("float32")
                for w in model.get_weights()
            ]
        )

    # --- Noise layers: identity at inference, loose statistics in training ----
    x3 = rng.normal(size=(64, 12, 8)).astype("float32")
    x4 = rng.normal(size=(32, 6, 6, 5)).astype("float32")

    drop0 = layers.Dropout(0.0, name="drop0")
    noise_checks["dropout_rate0_train_identity"] = bool(
        np.array_equal(np_(drop0(x3, training=True)), x3)
    )

    noise_drop = layers.Dropout(0.4, noise_shape=(None, 1, 8), seed=3, name="nsd")
    nd = np_(noise_drop(x3, training=True))
    zeros = nd == 0
    # The mask is shared along the time axis: each (sample, feature) is all
    # dropped or all kept.
    noise_checks["noise_shape_shared_time"] = bool(
        np.all(zeros.all(axis=1) | (~zeros).all(axis=1))
    )
    noise_checks["noise_shape_kept_scaled"] = bool(
        np.allclose(nd[~zeros], x3[~zeros] / 0.6, rtol=1e-5)
    )
    frac = float(zeros.mean())
    out["noise_shape_zero_fraction"] = frac
    noise_checks["noise_shape_fraction_ok"] = bool(0.25 < frac < 0.55)
    noise_checks["noise_shape_inference"] = bool(
        np.array_equal(np_(noise_drop(x3, training=False)), x3)
    )

    # Expected sum is kept: E[dropout(x)] = x, so sum over a big batch of ones.
    ones = np.ones((200, 50), "float32")
    d = np_(layers.Dropout(0.3, seed=5)(ones, training=True))
    out["dropout_sum_ratio"] = float(d.sum() / ones.sum())
    noise_checks["dropout_sum_ratio_ok"] = bool(abs(d.sum() / ones.sum() - 1) < 0.05)

    sd2 = layers.SpatialDropout2D(0.5, seed=4, name="sd2")
    s2 = np_(sd2(x4, training=True))
    ch_zero = np.all(s2 == 0, axis=(1, 2))
    ch_scaled = np.isclose(s2, x4 * 2.0, rtol=1e-5).all(axis=(1, 2))
    noise_checks["spatial2d_whole_maps"] = bool(np.all(ch_zero | ch_scaled))
    noise_checks["spatial2d_fraction_ok"] = bool(0.3 < ch_zero.mean() < 0.7)
    noise_checks["spatial2d_inference"] = bool(
        np.array_equal(np_(sd2(x4, training=False)), x4)
    )
    sd2_cf = layers.SpatialDropout2D(0.5, data_format="channels_first", seed=4)
    s2cf = np_(sd2_cf(x4, training=True))
    # channels_first: axis 1 is the channel, the maps are the last two axes.
    cf_zero = np.all(s2cf == 0, axis=(2, 3))
    cf_scaled = np.isclose(s2cf, x4 * 2.0, rtol=1e-5).all(axis=(2, 3))
    noise_checks["spatial2d_cf_whole_maps"] = bool(np.all(cf_zero | cf_scaled))

    sd1 = layers.SpatialDropout1D(0.0)
    noise_checks["spatial1d_rate0_train"] = bool(
        np.array_equal(np_(sd1(x3, training=True)), x3)
    )

    big = rng.normal(size=(400, 50)).astype("float32")
    gd = np_(layers.GaussianDropout(0.2, seed=6)(big, training=True))
    ratio = gd / big
    out["gaussian_dropout_ratio_std"] = float(ratio.std())
    noise_checks["gaussian_dropout_stats_ok"] = bool(
        abs(ratio.mean() - 1) < 0.02 and abs(ratio.std() - np.sqrt(0.25)) < 0.03
    )
    gn = np_(layers.GaussianNoise(0.5, seed=8)(big, training=True))
    noise_checks["gaussian_noise_stats_ok"] = bool(
        abs((gn - big).std() - 0.5) < 0.02 and abs((gn - big).mean()) < 0.02
    )
    ad_layer = layers.AlphaDropout(0.2, seed=9, name="alpha")
    ad = np_(ad_layer(big, training=True))
    # Dropped units all take the same value; mean and variance stay ~(0, 1).
    values, counts = np.unique(ad, return_counts=True)
    dropped_value = values[np.argmax(counts)]
    out["alpha_dropped_value"] = float(dropped_value)
    noise_checks["alpha_drop_fraction_ok"] = bool(0.17 < counts.max() / ad.size < 0.23)
    noise_checks["alpha_moments_ok"] = bool(
        abs(ad.mean() - big.mean()) < 0.1 and abs(ad.std() - big.std()) < 0.1
    )
    out["same_noise_configs"] = [
        layer.get_config()
        for layer in (
            noise_drop,
            sd2,
            ad_layer,
            layers.GaussianNoise(0.1, seed=1, name="gn"),
            layers.GaussianDropout(0.2, name="gd"),
            layers.SpatialDropout1D(0.3, name="sd1"),
        )
    ]

    # A model with every noise layer: predict is the identity path.
    xin = rng.normal(size=(6, 5, 4)).astype("float32")
    inputs = keras.Input(shape=(5, 4))
    h = layers.Dense(4, name="pre")(inputs)
    h = layers.Dropout(0.5)(h)
    h = layers.SpatialDropout1D(0.5)(h)
    h = layers.GaussianNoise(1.0)(h)
    h = layers.GaussianDropout(0.5)(h)
    h = layers.AlphaDropout(0.5)(h)
    h = layers.Flatten()(h)
    noisy = keras.Model(inputs, layers.Dense(2, name="post")(h))
    set_from_numpy(noisy, 11)
    plain = keras.Sequential(
        [keras.Input(shape=(5, 4)), layers.Dense(4), layers.Flatten(), layers.Dense(2)]
    )
    plain.set_weights(noisy.get_weights())
    p_noisy = noisy.predict(xin, verbose=0)
    out["close_noisy_predict"] = p_noisy
    noise_checks["noisy_predict_is_plain"] = bool(
        np.allclose(p_noisy, plain.predict(xin, verbose=0), rtol=1e-5, atol=1e-6)
    )
    noise_checks["noisy_train_differs"] = bool(
        not np.allclose(np_(noisy(xin, training=True)), p_noisy)
    )

    # --- Shape and utility layers ---------------------------------------------
    a = rng.normal(size=(2, 3, 4)).astype("float32")
    img = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    shape_layers = {
        "reshape": layers.Reshape((-1, 2), name="reshape"),
        "permute": layers.Permute((2, 1), name="permute"),
        "flatten_cf": layers.Flatten(data_format="channels_first", name="flat_cf"),
        "crop1d": layers.Cropping1D((1, 0), name="crop1d"),
        "pad1d": layers.ZeroPadding1D((1, 2), name="pad1d"),
        "crop2d": layers.Cropping2D(((1, 0), (0, 2)), name="crop2d"),
        "pad2d_cf": layers.ZeroPadding2D(
            ((0, 1), (2, 0)), data_format="channels_first", name="pad2d_cf"
        ),
        "unit_norm": layers.UnitNormalization(axis=-1, name="unit_norm"),
        "unit_norm_2ax": layers.UnitNormalization(axis=[1, 2], name="unit_norm_2"),
        "identity": layers.Identity(name="identity"),
        "rescale": layers.Rescaling(scale=1 / 127.5, offset=-1.0, name="rescale"),
    }
    inputs_for = {
        "flatten_cf": img,
        "crop2d": img,
        "pad2d_cf": img,
    }
    shapes, configs, roundtrip, results = {}, {}, {}, {}
    for name, layer in shape_layers.items():
        arr = inputs_for.get(name, a)
        if name == "rescale":
            arr = (np.abs(a) * 60).astype("float32")
        result = np_(layer(arr))
        results[name] = result
        shapes[name] = tuple(result.shape)
        # The symbolic shape from a functional Input (batch dim None).
        sym = layer(keras.Input(shape=arr.shape[1:]))
        shapes[f"{name}_symbolic"] = tuple(sym.shape)
        config = layer.get_config()
        configs[name] = config
        again = type(layer).from_config(config)
        roundtrip[name] = bool(again.get_config() == config)
        np.testing.assert_allclose(np_(again(arr)), result, rtol=1e-6)
    # All outputs in one vector (shapes are compared above).
    out["close_shape_layers"] = np.concatenate([r.ravel() for r in results.values()])
    out["same_shape_layer_shapes"] = shapes
    out["same_shape_layer_configs"] = configs
    out["same_shape_layer_roundtrip"] = roundtrip
    np.testing.assert_allclose(
        np.linalg.norm(results["unit_norm"], axis=-1), 1.0, rtol=1e-5
    )

    rep = layers.RepeatVector(3, name="repeat")
    out["close_repeat"] = np_(rep(a[:, 0]))
    configs_other["repeat"] = rep.get_config()

    # Lambda with output_shape: the symbolic shape comes from it.
    lam = layers.Lambda(
        lambda t: ops.concatenate([t, ops.square(t)], axis=-1),
        output_shape=(8,),
        name="lam",
    )
    lam_in = keras.Input(shape=(4,))
    lam_model = keras.Model(lam_in, layers.Dense(1, name="lam_head")(lam(lam_in)))
    set_from_numpy(lam_model, 12)
    lam_cfg = lam.get_config()
    out["same_lambda"] = {
        "symbolic_shape": tuple(lam.output.shape),
        "config_keys": sorted(lam_cfg),
        "output_shape": list(lam_cfg["output_shape"]),
        "params": lam_model.count_params(),
    }
    out["close_lambda_model"] = np_(lam_model(a[:, 0]))

    # Masking: masked time steps are zeroed and skipped by the pooling.
    seq = rng.normal(size=(3, 5, 2)).astype("float32")
    seq[0, 3:] = 0.0
    seq[1, 1] = 0.0
    seq[2, 0, 0] = 0.0  # only one feature at 0: not masked
    masking = layers.Masking(mask_value=0.0, name="masking")
    out["same_masking_compute_mask"] = np_(masking.compute_mask(seq)).tolist()
    m_in = keras.Input(shape=(5, 2))
    m_out = layers.GlobalAveragePooling1D()(masking(m_in))
    masked_pool = keras.Model(m_in, m_out)
    pooled = np_(masked_pool(seq))
    out["close_masked_pool"] = pooled
    np.testing.assert_allclose(pooled[0], seq[0, :3].mean(axis=0), rtol=1e-5)

    # --- Activation layers ----------------------------------------------------
    v = np.linspace(-3, 9, 25, dtype="float32").reshape(1, 25)
    acts = {
        "relu_cap": layers.ReLU(max_value=6.0, name="relu_cap"),
        "relu_leaky_thr": layers.ReLU(
            max_value=5.0, negative_slope=0.1, threshold=1.0, name="relu_lt"
        ),
        "leaky": layers.LeakyReLU(negative_slope=0.2, name="leaky"),
        "elu": layers.ELU(alpha=0.5, name="elu"),
        "act_gelu": layers.Activation("gelu", name="act_gelu"),
        "act_selu": layers.Activation("selu", name="act_selu"),
    }
    act_configs, act_results = {}, []
    for name, layer in acts.items():
        act_results.append(np_(layer(v))[0])
        act_configs[name] = layer.get_config()
    out["close_activation_layers"] = np.stack(act_results)
    out["same_activation_configs"] = act_configs
    relu_lt = act_results[1]
    expected = np.where(v[0] > 1.0, np.minimum(v[0], 5.0), 0.1 * (v[0] - 1.0))
    np.testing.assert_allclose(relu_lt, expected, rtol=1e-5, atol=1e-6)

    prelu = layers.PReLU(shared_axes=[1], name="prelu")
    prelu.build((None, 3, 4))
    prelu.set_weights([np.array([[0.1, 0.2, 0.3, -0.4]], "float32")])
    out["same_prelu_alpha_shape"] = tuple(prelu.get_weights()[0].shape)
    out["close_prelu"] = np_(prelu(a))
    configs_other["prelu"] = prelu.get_config()

    logits = rng.normal(size=(3, 4)).astype("float32")
    mask = np.array(
        [[True, True, False, True], [False, False, False, False], [1, 0, 1, 0]],
        dtype=bool,
    )
    sm = layers.Softmax(axis=-1, name="softmax")
    sm_masked = np_(sm(logits, mask=mask))
    out["close_softmax_masked_rows"] = sm_masked[[0, 2]]
    # A fully masked row: reported only.
    out["softmax_all_masked_row"] = sm_masked[1].tolist()
    kept_rows = sm_masked[[0, 2]]
    out["same_softmax_masked_zero"] = bool(np.all(kept_rows[~mask[[0, 2]]] < 1e-6))

    # --- training= propagation -------------------------------------------------
    class Branchy(layers.Layer):
        """Adds 1 in training, subtracts 1 at inference."""

        def call(self, x, training=None):
            if training:
                return x + 1.0
            return x - 1.0

    class TrainByDefault(layers.Layer):
        """Doubles in training; its signature defaults to training=True."""

        def call(self, x, training=True):
            return x * 2.0 if training else x

    xs = rng.normal(size=(8, 4)).astype("float32")
    ys = rng.normal(size=(8, 1)).astype("float32")
    default_layer = TrainByDefault()
    mode_checks["default_true_modes"] = [
        bool(np.allclose(np_(default_layer(xs)), 2 * xs)),
        bool(np.allclose(np_(default_layer(xs, training=False)), xs)),
    ]

    class Wrapper(layers.Layer):
        """Calls its sublayers without passing `training` on."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.branch = Branchy()
            self.default = TrainByDefault()

        def call(self, x):
            return self.default(self.branch(x))

    wrapper = Wrapper()
    # The call context carries the outer training value to both sublayers;
    # with none given, Branchy is at inference and TrainByDefault in training.
    mode_checks["implicit_propagation"] = [
        bool(np.allclose(np_(wrapper(xs, training=True)), 2 * (xs + 1))),
        bool(np.allclose(np_(wrapper(xs, training=False)), xs - 1)),
        bool(np.allclose(np_(wrapper(xs)), 2 * (xs - 1))),
    ]

    inner = keras.Sequential(
        [keras.Input(shape=(4,)), Branchy(name="inner_branch")], name="inner"
    )
    mid_in = keras.Input(shape=(4,))
    mid_h = layers.Dense(4, name="mid_dense")(inner(mid_in))
    mid = keras.Model(mid_in, mid_h, name="mid")

    class Outer(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.mid = mid
            self.flag = Branchy(name="outer_branch")
            self.default = TrainByDefault(name="outer_default")
            self.head = layers.Dense(1, name="outer_head")

        def call(self, x, training=None):
            # Passed on explicitly, as the guides do: Keras's JAX trainer runs
            # `Model.call` directly in fit/predict, outside the call context.
            h = self.mid(x, training=training)
            h = self.flag(h, training=training)
            h = self.default(h, training=training)
            return self.head(h)

    outer = Outer(name="outer")
    outer(xs)
    set_from_numpy(outer, 13, scale=0.2)
    init_w = outer.get_weights()
    out_train = np_(outer(xs, training=True))
    out_infer = np_(outer(xs, training=False))
    out_none = np_(outer(xs))
    outer_outputs = [out_train, out_infer]
    # With no training argument, `call` passes training=None on explicitly:
    # that None overrides the default=True layer's signature default, so
    # the whole model is at inference, as with training=False.
    outer_outputs += [out_none, outer.predict(xs, verbose=0)]
    out["close_outer_outputs"] = np.stack(outer_outputs)
    mode_checks["outer_none_vs_modes"] = [
        bool(np.allclose(out_none, out_train)),
        bool(np.allclose(out_none, out_infer)),
    ]
    outer.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    hist = outer.fit(xs, ys, batch_size=4, epochs=2, shuffle=False, verbose=0)
    outer_losses = hist.history["loss"] + [outer.evaluate(xs, ys, verbose=0)]
    out["close_outer_weights"] = np.concatenate(
        [w.ravel() for w in outer.get_weights()]
    )
    # The first batch's loss in fit is that of the training-mode output.
    outer.set_weights(init_w)
    first = np_(outer(xs[:4], training=True))
    outer_losses.append(float(np.mean((first - ys[:4]) ** 2)))
    # [fit epoch 1, fit epoch 2, evaluate, first batch's training-mode mse]
    out["close_outer_losses"] = outer_losses

    # Dropout inside a nested Sequential gets training=True from the outside;
    # one fixed with training=True in a graph (MC dropout) is on in predict.
    nested = keras.Sequential(
        [
            keras.Input(shape=(40,)),
            keras.Sequential([layers.Dropout(0.5, seed=1)], name="inner_drop"),
        ]
    )
    ones40 = np.ones((10, 40), "float32")
    mode_checks["nested_dropout_train"] = bool(
        np.any(np_(nested(ones40, training=True)) == 0)
    )
    infer_out = np_(nested(ones40))
    mode_checks["nested_dropout_infer"] = bool(np.array_equal(infer_out, ones40))
    mc_in = keras.Input(shape=(40,))
    mc = keras.Model(mc_in, layers.Dropout(0.5, seed=2)(mc_in, training=True))
    # Keras 3's functional model passes its own training value (when not None)
    # to every layer, over one fixed in the graph: predict runs the dropout at
    # inference; a plain call (training None) keeps the fixed True.
    # kerasish keeps the graph's training=True in predict (the Monte Carlo
    # dropout recipe of the tf.keras guides), a deliberate difference: reported.
    out["mc_dropout_in_predict"] = bool(np.any(mc.predict(ones40, verbose=0) == 0))
    mode_checks["mc_dropout_plain_call"] = bool(np.any(np_(mc(ones40)) == 0))

    # --- ActivityRegularization and a deterministic fit -------------------------
    xr = rng.normal(size=(16, 6)).astype("float32")
    yr = rng.normal(size=(16, 1)).astype("float32")
    r_in = keras.Input(shape=(6,), name="r_in")
    h = layers.Rescaling(0.5, offset=0.1, name="r_rescale")(r_in)
    h = layers.Dense(8, name="r_dense")(h)
    h = layers.PReLU(name="r_prelu")(h)
    h = layers.Dropout(0.0, name="r_drop0")(h)
    h = layers.ActivityRegularization(l1=0.01, l2=0.02, name="act_reg")(h)
    h = layers.UnitNormalization(name="r_unit")(h)
    h = layers.Reshape((4, 2), name="r_reshape")(h)
    h = layers.Permute((2, 1), name="r_permute")(h)
    h = layers.ZeroPadding1D(1, name="r_pad")(h)
    h = layers.Cropping1D((0, 1), name="r_crop")(h)
    h = layers.Flatten(name="r_flat")(h)
    h = layers.ReLU(negative_slope=0.05, max_value=3.0, name="r_relu")(h)
    r_out = layers.Dense(1, name="r_head")(h)
    reg_model = keras.Model(r_in, r_out, name="reg_model")
    set_from_numpy(reg_model, 14)
    r_weights = reg_model.get_weights()

    n_before = len(reg_model.losses)
    _ = reg_model(xr[:8])
    reg_losses = [float(np_(t)) for t in reg_model.losses]
    out["same_reg_n_losses"] = [n_before, len(reg_losses)]
    # By hand: the regularizer's sum over the activations, divided by the
    # batch size (Keras 3 normalizes activity penalties per sample).
    k, b, alpha = r_weights[0], r_weights[1], r_weights[2]
    pre = (xr[:8] * 0.5 + 0.1) @ k + b
    act = np.where(pre > 0, pre, alpha * pre)
    by_hand = (0.01 * np.abs(act).sum() + 0.02 * np.square(act).sum()) / 8

    np.testing.assert_allclose(reg_losses[0], by_hand, rtol=1e-4)

    reg_model.compile(optimizer=keras.optimizers.SGD(0.02), loss="mse")
    pred = np_(reg_model(xr, training=False))
    reg_full = reg_model.losses[0]
    mse_only = float(np.mean((pred - yr) ** 2))
    eval_loss = reg_model.evaluate(xr, yr, batch_size=16, verbose=0)
    # [penalty of the 8-sample call, by hand, evaluate's loss, its excess
    # over the plain mse, the 16-sample penalty]
    out["close_reg_values"] = [
        reg_losses[0],
        float(by_hand),
        eval_loss,
        eval_loss - mse_only,
        float(np_(reg_full)),
    ]
    assert eval_loss > mse_only
    hist = reg_model.fit(xr, yr, batch_size=8, epochs=3, shuffle=False, verbose=0)
    out["same_reg_history_keys"] = sorted(hist.history)
    out["close_reg_fit_loss"] = hist.history["loss"]
    out["close_reg_weights"] = np.concatenate(
        [w.ravel() for w in reg_model.get_weights()]
    )
    assert hist.history["loss"][-1] < hist.history["loss"][0]

    # Summaries' numbers and layer configs.
    lines = []
    reg_model.summary(print_fn=lambda line, *args, **kw: lines.append(line))
    text = "\n".join(lines)
    out["same_reg_params"] = {
        "summary": [
            int(m.replace(",", "")) for m in re.findall(r"params:\s*([\d,]+)", text)
        ],
        "count_params": reg_model.count_params(),
        "layers": {layer.name: layer.count_params() for layer in reg_model.layers},
    }
    out["same_reg_output_shapes"] = {
        layer.name: tuple(layer.output.shape) for layer in reg_model.layers
    }
    configs_other["act_reg"] = reg_model.get_layer("act_reg").get_config()
    out["same_other_configs"] = configs_other
    out["same_noise_checks"] = noise_checks
    out["same_mode_checks"] = mode_checks
    rebuilt = keras.Model.from_config(reg_model.get_config())
    rebuilt.set_weights(r_weights)
    out["same_rebuilt_layer_classes"] = [
        type(layer).__name__ for layer in rebuilt.layers
    ]
    out["close_rebuilt_predict"] = rebuilt.predict(xr, verbose=0)
    return out

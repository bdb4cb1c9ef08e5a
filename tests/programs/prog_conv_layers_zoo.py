"""A zoo of convolution and spatial layers, as used across keras.io's vision examples.

In the style of keras.io's "3D image classification from CT scans" example (a
small Conv3D volume classifier: Conv3D, MaxPool3D, BatchNormalization,
GlobalAveragePooling3D, sigmoid output, Adam on an ExponentialDecay schedule)
and of the convolution / pooling / reshaping pages of the layer API docs. Every
compared model has its weights set from numpy and trains with `shuffle=False`,
so predictions, losses and updated weights are the same numbers under both
libraries.

Covers: Conv1D (padding "causal", dilation_rate, groups), SeparableConv1D
(depth_multiplier), DepthwiseConv1D, Max/AveragePooling1D, GlobalAveragePooling1D
in a Sequential model trained with SGD; a Functional 2D model with Conv2D
(strides, "same"/"valid", groups), SeparableConv2D, DepthwiseConv2D,
UpSampling2D(interpolation="bilinear"), Concatenate, Conv2DTranspose
(strides, output_padding), ZeroPadding2D, Cropping2D, pooling, trained with Adam;
a channels_first model (Conv2D, MaxPooling2D, GlobalAveragePooling2D with
keepdims, UpSampling2D, ZeroPadding2D); the Conv3D CT-scan classifier;
Conv1D/2D/3DTranspose with output_padding, strides and dilation; 1D/3D
pooling, global pooling with keepdims and channels_first, ZeroPadding /
Cropping / UpSampling 1D/3D; `compute_output_shape`, `count_params`, weight
shapes and paths in order; `get_config` / `from_config` round trips for layers
and models; LoRA on a Conv2D (`enable_lora`); SpatialDropout1D/2D/3D
(channel-wise dropping checked, drop pattern reported only).
"""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    wrng = np.random.default_rng(123)

    def fill(model_or_layer, scale=0.3):
        """Set every weight from numpy; returns the list that was set."""
        ws = [
            (wrng.normal(size=w.shape) * scale).astype("float32")
            for w in model_or_layer.get_weights()
        ]
        model_or_layer.set_weights(ws)
        return ws

    def arr(t):
        return np.asarray(keras.ops.convert_to_numpy(t))

    out = {}

    # ---- 1. Sequential 1D model: causal / dilated / grouped / separable ----
    drng = np.random.default_rng(1)
    x1 = drng.normal(size=(8, 12, 3)).astype("float32")
    y1 = drng.normal(size=(8, 1)).astype("float32")
    seq1 = keras.Sequential(
        [
            keras.Input(shape=(12, 3)),
            layers.Conv1D(
                4,
                3,
                padding="causal",
                dilation_rate=2,
                activation="relu",
                name="c1_causal",
            ),
            layers.Conv1D(6, 3, padding="same", groups=2, name="c1_groups"),
            layers.SeparableConv1D(
                4, 3, depth_multiplier=2, activation="tanh", name="sep1"
            ),
            layers.DepthwiseConv1D(3, padding="same", name="dw1"),
            layers.MaxPooling1D(2, name="mp1"),
            layers.AveragePooling1D(2, strides=1, padding="same", name="ap1"),
            layers.GlobalAveragePooling1D(name="gap1"),
            layers.Dense(1, name="head1"),
        ],
        name="seq1d",
    )
    fill(seq1)
    out["same_seq1_params"] = seq1.count_params()
    out["same_seq1_weights"] = [(w.path, tuple(w.shape)) for w in seq1.weights]
    out["same_seq1_layer_shapes"] = [tuple(layer.output.shape) for layer in seq1.layers]
    # Causality: changing the last time step must not change earlier outputs.
    causal = seq1.get_layer("c1_causal")
    x_mod = x1.copy()
    x_mod[:, -1] += 5.0
    a, b = arr(causal(x1)), arr(causal(x_mod))
    out["same_causal_prefix_unchanged"] = bool(np.allclose(a[:, :-1], b[:, :-1]))
    out["close_seq1_pred"] = seq1.predict(x1, verbose=0)
    seq1.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    h1 = seq1.fit(x1, y1, batch_size=4, epochs=2, shuffle=False, verbose=0)
    out["close_seq1_losses"] = h1.history["loss"]
    out["close_seq1_weights_after"] = np.concatenate(
        [w.ravel() for w in seq1.get_weights()]
    )
    assert h1.history["loss"][-1] < h1.history["loss"][0], h1.history

    # ---- 2. Functional 2D model: strides, groups, separable, transpose ----
    inp = keras.Input(shape=(8, 8, 3), name="image")
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="stem")(
        inp
    )
    a = layers.Conv2D(8, 3, padding="valid", groups=4, name="grouped")(x)
    a = layers.UpSampling2D(2, interpolation="bilinear", name="up_bilinear")(a)
    b = layers.SeparableConv2D(
        8, 3, depth_multiplier=2, padding="same", activation="relu", name="sep2"
    )(x)
    b = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="dw2")(b)
    m = layers.Concatenate(name="cat")([a, b])
    m = layers.Conv2DTranspose(
        4, 3, strides=2, padding="same", output_padding=1, name="deconv"
    )(m)
    m = layers.ZeroPadding2D(((1, 0), (0, 2)), name="zpad")(m)
    m = layers.Cropping2D(((1, 2), (2, 0)), name="crop")(m)
    m = layers.MaxPooling2D(2, name="mp2")(m)
    m = layers.AveragePooling2D((2, 2), strides=1, name="ap2")(m)
    m = layers.GlobalMaxPooling2D(name="gmp2")(m)
    out2 = layers.Dense(3, activation="softmax", name="probs")(m)
    fn2 = keras.Model(inp, out2, name="fn2d")
    fill(fn2)
    out["same_fn2_params"] = fn2.count_params()
    out["same_fn2_weights"] = [(w.path, tuple(w.shape)) for w in fn2.weights]
    out["same_fn2_layer_shapes"] = [
        (layer.name, tuple(layer.output.shape)) for layer in fn2.layers[1:]
    ] + [tuple(fn2.output_shape)]
    x2 = np.random.default_rng(2).normal(size=(8, 8, 8, 3)).astype("float32")
    y2 = np.arange(8) % 3
    out["close_fn2_pred"] = fn2.predict(x2, verbose=0)
    fn2.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    h2 = fn2.fit(x2, y2, batch_size=4, epochs=1, shuffle=False, verbose=0)
    out["same_fn2_history_keys"] = sorted(h2.history)
    out["close_fn2_loss"] = h2.history["loss"]
    out["close_fn2_pred_after"] = fn2.predict(x2, verbose=0)
    out["close_fn2_kernels_after"] = np.concatenate(
        [
            fn2.get_layer(name).get_weights()[0].ravel()
            for name in ("stem", "grouped", "sep2", "dw2", "deconv")
        ]
    )

    # ---- 3. channels_first ----
    cf = keras.Sequential(
        [
            keras.Input(shape=(2, 6, 6)),
            layers.Conv2D(4, 3, padding="same", data_format="channels_first"),
            layers.ZeroPadding2D(1, data_format="channels_first"),
            layers.MaxPooling2D(2, data_format="channels_first"),
            layers.UpSampling2D((1, 2), data_format="channels_first"),
            layers.Conv2D(
                4, 2, strides=2, data_format="channels_first", activation="relu"
            ),
            layers.GlobalAveragePooling2D(data_format="channels_first", keepdims=True),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    fill(cf)
    xcf = np.random.default_rng(3).normal(size=(4, 2, 6, 6)).astype("float32")
    ycf = np.random.default_rng(4).normal(size=(4, 2)).astype("float32")
    out["same_cf_layer_shapes"] = [tuple(layer.output.shape) for layer in cf.layers] + [
        tuple(cf.layers[0].kernel.shape)
    ]
    out["close_cf_pred"] = cf.predict(xcf, verbose=0)
    cf.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse")
    hcf = cf.fit(xcf, ycf, batch_size=2, epochs=1, shuffle=False, verbose=0)
    out["close_cf_loss_and_kernel"] = np.concatenate(
        [hcf.history["loss"], cf.layers[0].get_weights()[0].ravel()]
    )
    # channels_first conv == channels_last conv on the transposed input
    cl_conv = layers.Conv2D(4, 3, padding="same")
    cl_conv.build((None, 6, 6, 2))
    cl_conv.set_weights(cf.layers[0].get_weights())
    lhs = arr(cf.layers[0](xcf))
    rhs = arr(cl_conv(xcf.transpose(0, 2, 3, 1))).transpose(0, 3, 1, 2)
    out["same_cf_matches_cl"] = bool(np.allclose(lhs, rhs, atol=1e-5))

    # ---- 4. Conv3D volume classifier (CT-scan example, tiny volumes) ----
    def get_model(width=8, depth=8, height=8):
        inputs = keras.Input((width, height, depth, 1))
        x = layers.Conv3D(filters=4, kernel_size=3, activation="relu")(inputs)
        x = layers.MaxPool3D(pool_size=2)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Conv3D(filters=8, kernel_size=3, padding="same")(x)
        x = layers.Activation("relu")(x)
        x = layers.GlobalAveragePooling3D()(x)
        x = layers.Dense(units=8, activation="relu")(x)
        outputs = layers.Dense(units=1, activation="sigmoid")(x)
        return keras.Model(inputs, outputs, name="3dcnn")

    ct = get_model()
    ws = fill(ct)
    # BatchNormalization's moving variance must stay positive.
    bn = [layer for layer in ct.layers if type(layer).__name__ == "BatchNormalization"][
        0
    ]
    bn_w = bn.get_weights()
    bn.set_weights([bn_w[0] + 1.0, bn_w[1], bn_w[2], np.abs(bn_w[3]) + 1.0])
    del ws
    vrng = np.random.default_rng(5)
    vol_labels = np.array([0, 1, 0, 1, 1, 0, 1, 0], "float32")
    vols = vrng.normal(size=(8, 8, 8, 8, 1)).astype("float32")
    vols += vol_labels[:, None, None, None, None] * 0.8  # "abnormal" is brighter
    val_vols = vrng.normal(size=(4, 8, 8, 8, 1)).astype("float32")
    val_labels = np.array([1, 0, 1, 0], "float32")
    lr_schedule = keras.optimizers.schedules.ExponentialDecay(
        0.01, decay_steps=100000, decay_rate=0.96, staircase=True
    )
    ct.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=lr_schedule),
        metrics=["acc"],
    )
    out["same_ct_params"] = [
        ct.count_params(),
        sum(int(np.prod(w.shape)) for w in ct.trainable_weights),
        sum(int(np.prod(w.shape)) for w in ct.non_trainable_weights),
    ]
    out["same_ct_layers"] = [
        (type(layer).__name__, tuple(layer.output.shape)) for layer in ct.layers
    ]
    out["close_ct_pred_before"] = ct.predict(vols, verbose=0)
    hct = ct.fit(
        vols,
        vol_labels,
        validation_data=(val_vols, val_labels),
        batch_size=4,
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    out["same_ct_history_keys"] = sorted(hct.history)
    out["close_ct_losses"] = [hct.history["loss"], hct.history["val_loss"]]
    out["close_ct_pred_after"] = ct.predict(vols, verbose=0)
    out["close_ct_bn_moving_and_bias"] = np.concatenate(
        bn.get_weights()[2:] + [ct.layers[4].get_weights()[1]]
    )
    out["same_ct_iterations"] = int(arr(ct.optimizer.iterations))

    # ---- 5. Transposed convolutions, in one multi-output model ----
    trng = np.random.default_rng(6)
    t_data = [
        trng.normal(size=(2, 5, 2)).astype("float32"),
        trng.normal(size=(2, 3, 4, 2)).astype("float32"),
        trng.normal(size=(2, 2, 3, 2, 2)).astype("float32"),
    ]
    t_in = [keras.Input(shape=d.shape[1:]) for d in t_data]
    transposes = {
        "c1t_stride": (
            layers.Conv1DTranspose(3, 3, strides=2, padding="same", output_padding=1),
            0,
        ),
        "c1t_valid_stride": (
            layers.Conv1DTranspose(2, 4, strides=3, padding="valid", output_padding=2),
            0,
        ),
        "c1t_dilated": (layers.Conv1DTranspose(2, 3, dilation_rate=2), 0),
        "c2t_asym": (
            layers.Conv2DTranspose(
                2, (3, 2), strides=(2, 1), padding="valid", output_padding=(1, 0)
            ),
            1,
        ),
        "c2t_dilated_same": (
            layers.Conv2DTranspose(3, 2, dilation_rate=2, padding="same"),
            1,
        ),
        "c3t_stride": (layers.Conv3DTranspose(2, 2, strides=2), 2),
        "c3t_outpad": (
            layers.Conv3DTranspose(
                1, 3, strides=2, padding="same", output_padding=1, use_bias=False
            ),
            2,
        ),
    }
    t_model = keras.Model(
        t_in, {key: layer(t_in[i]) for key, (layer, i) in transposes.items()}
    )
    fill(t_model)
    t_out = t_model.predict(t_data, verbose=0)
    out["same_transpose_shapes"] = {
        key: (
            tuple(t_out[key].shape),
            tuple(layer.compute_output_shape(t_data[i].shape)),
            [tuple(w.shape) for w in layer.weights],
        )
        for key, (layer, i) in transposes.items()
    }
    out["close_transpose_values"] = np.concatenate(
        [t_out[key].ravel() for key in transposes]
    )

    # ---- 6. Pooling, global pooling, padding, cropping, upsampling ----
    prng = np.random.default_rng(7)
    s_data = [
        prng.normal(size=(2, 6, 3)).astype("float32"),
        prng.normal(size=(2, 3, 4, 2)).astype("float32"),
        prng.normal(size=(2, 4, 3, 4, 2)).astype("float32"),
    ]
    s_in = [keras.Input(shape=d.shape[1:]) for d in s_data]
    spatial = {
        "mp1_cf": (layers.MaxPooling1D(2, data_format="channels_first"), 0),
        "ap1_stride": (layers.AveragePooling1D(3, strides=2, padding="same"), 0),
        "mp3_same": (layers.MaxPooling3D(2, strides=1, padding="same"), 2),
        "ap3": (layers.AveragePooling3D((2, 1, 2)), 2),
        "ap3_same": (layers.AveragePooling3D(3, strides=2, padding="same"), 2),
        "gmp1_keep": (layers.GlobalMaxPooling1D(keepdims=True), 0),
        "gap1_cf": (layers.GlobalAveragePooling1D(data_format="channels_first"), 0),
        "gmp2_cf_keep": (
            layers.GlobalMaxPooling2D(data_format="channels_first", keepdims=True),
            1,
        ),
        "gap3": (layers.GlobalAveragePooling3D(), 2),
        "gmp3_cf_keep": (
            layers.GlobalMaxPooling3D(data_format="channels_first", keepdims=True),
            2,
        ),
        "zp1": (layers.ZeroPadding1D((1, 2)), 0),
        "zp3": (layers.ZeroPadding3D(((1, 0), (0, 1), (2, 2))), 2),
        "zp3_cf": (layers.ZeroPadding3D(1, data_format="channels_first"), 2),
        "cr1": (layers.Cropping1D((1, 2)), 0),
        "cr2_cf": (layers.Cropping2D((1, 0), data_format="channels_first"), 1),
        "cr3": (layers.Cropping3D(((1, 0), (0, 1), (1, 1))), 2),
        "up1": (layers.UpSampling1D(3), 0),
        "up2_nearest": (layers.UpSampling2D((2, 3)), 1),
        "up3": (layers.UpSampling3D((2, 1, 2)), 2),
    }
    s_model = keras.Model(
        s_in, {key: layer(s_in[i]) for key, (layer, i) in spatial.items()}
    )
    s_out = s_model.predict(s_data, verbose=0)
    out["same_spatial_shapes"] = {
        key: (
            tuple(s_out[key].shape),
            tuple(layer.compute_output_shape(s_data[i].shape)),
        )
        for key, (layer, i) in spatial.items()
    }
    out["close_spatial_values"] = np.concatenate(
        [s_out[key].ravel() for key in spatial]
    )

    # ---- 7. get_config / from_config round trips ----
    cfg_layers = [
        seq1.get_layer("c1_causal"),
        seq1.get_layer("c1_groups"),
        seq1.get_layer("sep1"),
        fn2.get_layer("dw2"),
        fn2.get_layer("deconv"),
        fn2.get_layer("up_bilinear"),
        fn2.get_layer("zpad"),
        fn2.get_layer("crop"),
        cf.layers[5],
        transposes["c3t_outpad"][0],
        spatial["gmp3_cf_keep"][0],
    ]
    round_trips, configs = [], {}
    for layer in cfg_layers:
        cfg = layer.get_config()
        clone = type(layer).from_config(cfg)
        round_trips.append(clone.get_config() == cfg)
        cfg = dict(cfg)
        cfg.pop("name")
        configs[type(layer).__name__ + "/" + layer.name] = cfg
    out["same_layer_config_round_trips"] = round_trips
    out["same_layer_configs"] = {
        k: {kk: repr(vv) for kk, vv in v.items()} for k, v in configs.items()
    }
    # Whole-model round trips keep shapes and, with copied weights, predictions.
    seq1_clone = keras.Sequential.from_config(seq1.get_config())
    seq1_clone.set_weights(seq1.get_weights())
    out["same_seq1_clone_pred_equal"] = bool(
        np.allclose(
            seq1_clone.predict(x1, verbose=0), seq1.predict(x1, verbose=0), atol=1e-6
        )
    )
    fn2_clone = keras.Model.from_config(fn2.get_config())
    fn2_clone.set_weights(fn2.get_weights())
    out["same_fn2_clone_layers"] = [layer.name for layer in fn2_clone.layers]
    out["close_fn2_clone_pred"] = fn2_clone.predict(x2, verbose=0)
    ct_clone = keras.models.clone_model(ct)
    out["same_ct_clone_params"] = ct_clone.count_params()

    # ---- 8. LoRA on a convolution (Conv layers take `lora_rank` / enable_lora) ----
    lora_model = keras.Sequential(
        [
            keras.Input(shape=(5, 5, 2)),
            layers.Conv2D(3, 3, name="lora_conv"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(1, name="lora_head"),
        ]
    )
    fill(lora_model)
    lora_conv = lora_model.get_layer("lora_conv")
    kernel_before = lora_conv.get_weights()[0]
    xl = np.random.default_rng(8).normal(size=(4, 5, 5, 2)).astype("float32")
    yl = np.random.default_rng(9).normal(size=(4, 1)).astype("float32")
    lora_conv.enable_lora(2)
    lora_conv.lora_kernel_a.assign(
        (wrng.normal(size=(3, 3, 2, 2)) * 0.3).astype("float32")
    )
    lora_conv.lora_kernel_b.assign((wrng.normal(size=(2, 3)) * 0.3).astype("float32"))
    lora_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    lora_model.fit(xl, yl, batch_size=2, epochs=1, shuffle=False, verbose=0)
    out["same_conv_lora_trainable"] = [w.path for w in lora_model.trainable_weights]
    out["same_conv_lora_kernel_frozen"] = bool(
        np.array_equal(lora_conv.get_weights()[0], kernel_before)
    )
    out["close_conv_lora_pred"] = arr(lora_model(xl)).ravel().tolist()

    # ---- 9. SpatialDropout: identity at inference, random in training ----
    sd = {
        "sd1": (layers.SpatialDropout1D(0.5, seed=1), s_data[0]),
        "sd2": (layers.SpatialDropout2D(0.5, seed=1), s_data[1]),
        "sd3": (layers.SpatialDropout3D(0.5, seed=1), s_data[2]),
    }
    sd_info, sd_fracs = {}, {}
    for key, (layer, inp_t) in sd.items():
        infer = arr(layer(inp_t))
        train = arr(layer(inp_t, training=True))
        # A whole channel is dropped at once: per (sample, channel) either all
        # zero or all scaled by 2.
        axes = tuple(range(1, inp_t.ndim - 1))
        zero_frac = (train == 0).mean(axis=axes)
        sd_info[key] = {
            "identity_at_inference": bool(np.array_equal(infer, inp_t)),
            "shape": tuple(train.shape),
            "channelwise": bool(np.all((zero_frac == 0) | (zero_frac == 1))),
        }
        sd_fracs[key] = zero_frac.tolist()
    out["same_spatial_dropout"] = sd_info
    out["spatial_dropout_zero_fractions"] = sd_fracs
    return out

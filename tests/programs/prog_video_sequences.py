"""Video sequences (keras.io): next-frame prediction with ConvLSTMs, CNN-RNN classifier.

Tiny generated videos of a square moving one pixel a frame (8 frames of 16x16x1).

Next-frame prediction with Convolutional LSTMs: stacked ConvLSTM2D
(return_sequences=True, padding="same") with BatchNormalization between and a
sigmoid Conv3D head, trained on frames shifted by one with binary cross-entropy,
EarlyStopping and ReduceLROnPlateau on val_loss; evaluate, predict, then the
frame-by-frame autoregressive prediction of the example. A ConvLSTM2D with
return_sequences=False and a Conv2D head predicts one frame; a ConvLSTM1D runs on
the column profile of each video.

Video classification with a CNN-RNN architecture: TimeDistributed(Conv2D /
MaxPooling2D / Flatten) frame features feeding GRU layers with a boolean frame
mask passed as `mask=` (the mask input of the example), ModelCheckpoint
(save_weights_only, save_best_only) with validation_split and load_weights; a
feature extractor model applied per frame (TimeDistributed of a model) and a
Masking + LSTM sequence model on zero-padded frame features.

Weights are set from a numpy seed so losses, History and predictions compare;
summaries, parameter counts, configs, from_config and .keras round trips too.
"""

import numpy as np

FRAMES = 8
SIZE = 16
NUM_CLASSES = 4
MOVES = {0: (0, 1), 1: (0, -1), 2: (1, 0), 3: (-1, 0)}  # right, left, down, up


def make_videos(n, seed, frames=FRAMES, size=SIZE):
    """Videos of a 3x3 or 4x4 square moving one pixel a frame, and its direction."""
    rng = np.random.default_rng(seed)
    videos = np.zeros((n, frames, size, size, 1), dtype="float32")
    labels = rng.integers(0, NUM_CLASSES, size=n)
    for i, label in enumerate(labels):
        side = int(rng.integers(3, 5))
        dr, dc = MOVES[int(label)]
        span = size - side - (frames - 1)
        r0 = (
            int(rng.integers(0, size - side + 1))
            if dr == 0
            else int(rng.integers(0, span + 1))
        )
        c0 = (
            int(rng.integers(0, size - side + 1))
            if dc == 0
            else int(rng.integers(0, span + 1))
        )
        if dr < 0:
            r0 += frames - 1
        if dc < 0:
            c0 += frames - 1
        for t in range(frames):
            r, c = r0 + dr * t, c0 + dc * t
            videos[i, t, r : r + side, c : c + side, 0] = 1.0
    return videos, labels.astype("int32")


def seeded_weights(model, seed, scale=0.2):
    """Kernels from a numpy seed; biases and normalization statistics as built."""
    rng = np.random.default_rng(seed)
    return [
        rng.normal(scale=scale, size=w.shape).astype("float32") if w.ndim > 1 else w
        for w in model.get_weights()
    ]


def summary_lines(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return lines


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    out = {}

    # ------------------------------------------------------------------
    # Next-frame video prediction with Convolutional LSTMs.
    # ------------------------------------------------------------------
    dataset, _ = make_videos(40, seed=1)
    train_dataset, val_dataset = dataset[:32], dataset[32:]

    # We'll define a helper function to shift the frames, where
    # `x` is frames 0 to n - 1, and `y` is frames 1 to n.
    def create_shifted_frames(data):
        x = data[:, 0 : data.shape[1] - 1, :, :]
        y = data[:, 1 : data.shape[1], :, :]
        return x, y

    x_train, y_train = create_shifted_frames(train_dataset)
    x_val, y_val = create_shifted_frames(val_dataset)

    # Construct the input layer with no definite frame size.
    inp = layers.Input(shape=(None, *x_train.shape[2:]))
    x = layers.ConvLSTM2D(
        filters=4,
        kernel_size=(3, 3),
        padding="same",
        return_sequences=True,
        activation="relu",
    )(inp)
    x = layers.BatchNormalization()(x)
    x = layers.ConvLSTM2D(
        filters=4,
        kernel_size=(1, 1),
        padding="same",
        return_sequences=True,
        activation="relu",
    )(x)
    x = layers.Conv3D(
        filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same"
    )(x)
    model = keras.models.Model(inp, x)
    model.compile(
        loss=keras.losses.binary_crossentropy,
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
    )
    out["same_next_frame_summary"] = summary_lines(model)
    out["same_next_frame_params"] = model.count_params()
    out["same_next_frame_trainable"] = len(model.trainable_weights)
    out["same_next_frame_non_trainable"] = len(model.non_trainable_weights)
    out["same_next_frame_weight_shapes"] = [tuple(w.shape) for w in model.weights]
    out["same_next_frame_layer_names"] = [layer.name for layer in model.layers]
    out["same_next_frame_output_shape"] = tuple(model.output_shape)

    model.set_weights(seeded_weights(model, seed=2))
    out["close_next_frame_untrained_loss"] = model.evaluate(
        x_val, y_val, batch_size=4, verbose=0
    )

    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10)
    reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=5)
    history = model.fit(
        x_train,
        y_train,
        batch_size=8,
        epochs=3,
        validation_data=(x_val, y_val),
        callbacks=[early_stopping, reduce_lr],
        shuffle=False,
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    out["same_next_frame_history_keys"] = sorted(history.history)
    out["close_next_frame_loss"] = history.history["loss"]
    out["close_next_frame_val_loss"] = history.history["val_loss"]
    out["same_next_frame_epochs"] = history.epoch
    val_loss = model.evaluate(x_val, y_val, batch_size=4, verbose=0)
    out["close_next_frame_val_evaluate"] = val_loss
    assert np.isclose(val_loss, history.history["val_loss"][-1], rtol=1e-4)
    pred = model.predict(x_val, batch_size=4, verbose=0)
    out["same_next_frame_pred_shape"] = pred.shape
    out["same_next_frame_pred_dtype"] = str(pred.dtype)
    out["close_next_frame_pred"] = pred[:2]
    assert 0.0 <= pred.min() and pred.max() <= 1.0

    # Predict on a shorter and a longer sequence: the frame axis is None.
    out["same_short_pred_shape"] = model.predict(x_val[:2, :3], verbose=0).shape

    # Frame-by-frame autoregressive prediction, as the example does.
    example = val_dataset[3]
    # Pick the first five and last three frames from the example.
    frames = example[:5, ...]
    original_frames = example[5:, ...]
    for _ in range(3):
        # Extract the model's prediction and post-process it.
        new_prediction = model.predict(np.expand_dims(frames, axis=0), verbose=0)
        new_prediction = np.squeeze(new_prediction, axis=0)
        predicted_frame = np.expand_dims(new_prediction[-1, ...], axis=0)
        # Extend the set of prediction frames.
        frames = np.concatenate((frames, predicted_frame), axis=0)
    new_frames = frames[5:, ...]
    out["same_autoregressive_shape"] = frames.shape
    out["close_autoregressive_frames"] = new_frames
    out["autoregressive_mse"] = float(np.mean((new_frames - original_frames) ** 2))

    # Save, reload, from_config.
    path = str(workdir / "next_frame.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    reloaded_pred = reloaded.predict(x_val, batch_size=4, verbose=0)
    np.testing.assert_allclose(reloaded_pred, pred, rtol=1e-5, atol=1e-6)
    out["same_reloaded_summary"] = summary_lines(reloaded)
    out["same_reloaded_optimizer"] = type(reloaded.optimizer).__name__
    out["same_reloaded_iterations"] = int(reloaded.optimizer.iterations.numpy())
    out["close_reloaded_lr"] = float(
        keras.ops.convert_to_numpy(reloaded.optimizer.learning_rate)
    )
    out["close_reloaded_evaluate"] = reloaded.evaluate(
        x_val, y_val, batch_size=4, verbose=0
    )
    out["same_next_frame_config"] = model.get_config()
    config = model.get_config()
    rebuilt = keras.Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(
        rebuilt.predict(x_val, batch_size=4, verbose=0), pred, rtol=1e-5, atol=1e-6
    )
    conv_lstm = model.layers[1]
    out["same_conv_lstm_config"] = conv_lstm.get_config()
    out["same_conv_lstm_weight_paths"] = [w.path for w in conv_lstm.weights]
    clone = layers.ConvLSTM2D.from_config(conv_lstm.get_config())
    out["same_clone_output_shape"] = tuple(
        clone.compute_output_shape((2, 7, 16, 16, 1))
    )

    # ConvLSTM2D with return_sequences=False: one next frame from the whole clip.
    one_in = keras.Input(shape=(FRAMES - 1, SIZE, SIZE, 1), name="clip")
    h = layers.ConvLSTM2D(
        4, (3, 3), padding="same", return_sequences=False, name="encoder"
    )(one_in)
    h = layers.BatchNormalization(name="bn")(h)
    one_out = layers.Conv2D(
        1, (3, 3), padding="same", activation="sigmoid", name="head"
    )(h)
    one_frame = keras.Model(one_in, one_out, name="one_frame")
    one_frame.set_weights(seeded_weights(one_frame, seed=3))
    one_frame.compile(optimizer="adam", loss="binary_crossentropy", metrics=["mae"])
    out["same_one_frame_summary"] = summary_lines(one_frame)
    one_results = one_frame.evaluate(
        x_val, val_dataset[:, -1], batch_size=8, return_dict=True, verbose=0
    )
    out["same_one_frame_result_keys"] = sorted(one_results)
    out["close_one_frame_evaluate"] = [one_results[k] for k in sorted(one_results)]
    out["close_one_frame_pred"] = one_frame.predict(x_val, verbose=0)
    out["same_one_frame_config"] = one_frame.get_config()

    # ConvLSTM1D on the column profile of each video (frames x columns x 1).
    if hasattr(layers, "ConvLSTM1D"):
        profiles = dataset.sum(axis=2) / 4.0  # (n, frames, SIZE, 1)
        lstm1d = layers.ConvLSTM1D(
            filters=3, kernel_size=3, padding="same", return_sequences=True
        )
        lstm1d_state = layers.ConvLSTM1D(
            filters=2, kernel_size=3, padding="valid", return_state=True
        )
        p_in = keras.Input(shape=(FRAMES, SIZE, 1))
        seq = lstm1d(p_in)
        last, state_h, state_c = lstm1d_state(seq)
        p_model = keras.Model(p_in, [seq, last, state_h, state_c])
        p_model.set_weights(seeded_weights(p_model, seed=4, scale=0.4))
        p_outputs = p_model.predict(profiles[:3], verbose=0)
        out["same_conv_lstm1d_shapes"] = [o.shape for o in p_outputs]
        out["same_conv_lstm1d_params"] = p_model.count_params()
        for name, value in zip(["seq", "last", "state_h", "state_c"], p_outputs):
            out[f"close_conv_lstm1d_{name}"] = value
        out["same_conv_lstm1d_config"] = lstm1d_state.get_config()

    # ------------------------------------------------------------------
    # Video classification with a CNN-RNN architecture.
    # ------------------------------------------------------------------
    MAX_SEQ_LENGTH = FRAMES
    videos, labels = make_videos(104, seed=5)
    lengths = np.random.default_rng(6).integers(4, MAX_SEQ_LENGTH + 1, size=len(videos))
    frame_masks = np.arange(MAX_SEQ_LENGTH)[None, :] < lengths[:, None]
    videos = videos * frame_masks[:, :, None, None, None]  # zero-padded clips
    train_data = (videos[:80], frame_masks[:80])
    train_labels = labels[:80]
    test_data = (videos[80:], frame_masks[80:])
    test_labels = labels[80:]

    def get_sequence_model():
        frames_input = keras.Input((MAX_SEQ_LENGTH, SIZE, SIZE, 1), name="frames")
        mask_input = keras.Input((MAX_SEQ_LENGTH,), dtype="bool", name="mask")
        x = layers.TimeDistributed(
            layers.Conv2D(4, 3, padding="same", activation="relu")
        )(frames_input)
        x = layers.TimeDistributed(layers.MaxPooling2D(2))(x)
        x = layers.TimeDistributed(layers.Flatten())(x)
        # Refer to the following tutorial to understand the significance of using
        # `mask`: https://keras.io/api/layers/recurrent_layers/gru/
        x = layers.GRU(16, return_sequences=True)(x, mask=mask_input)
        x = layers.GRU(8)(x)
        x = layers.Dense(8, activation="relu")(x)
        output = layers.Dense(NUM_CLASSES, activation="softmax")(x)
        rnn_model = keras.Model([frames_input, mask_input], output)
        rnn_model.compile(
            loss="sparse_categorical_crossentropy",
            optimizer=keras.optimizers.Adam(learning_rate=0.01),
            metrics=["accuracy"],
        )
        return rnn_model

    seq_model = get_sequence_model()
    seq_model.set_weights(seeded_weights(seq_model, seed=7))
    out["same_classifier_summary"] = summary_lines(seq_model)
    out["same_classifier_params"] = seq_model.count_params()
    out["same_classifier_layer_names"] = [layer.name for layer in seq_model.layers]
    out["same_classifier_td_shapes"] = [
        tuple(layer.output.shape) for layer in seq_model.layers[1:4]
    ]
    out["same_classifier_input_names"] = [t.name for t in seq_model.inputs]
    out["close_classifier_untrained"] = seq_model.predict(
        [test_data[0][:4], test_data[1][:4]], verbose=0
    )

    filepath = str(workdir / "video_classifier" / "ckpt.weights.h5")
    checkpoint = keras.callbacks.ModelCheckpoint(
        filepath, save_weights_only=True, save_best_only=True, verbose=0
    )
    history = seq_model.fit(
        [train_data[0], train_data[1]],
        train_labels,
        validation_split=0.3,
        batch_size=8,
        epochs=12,
        shuffle=False,
        callbacks=[checkpoint],
        verbose=0,
    )
    out["same_classifier_history_keys"] = sorted(history.history)
    out["close_classifier_history"] = [
        history.history[k] for k in sorted(history.history)
    ]
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    best_epoch = int(np.argmin(history.history["val_loss"]))
    out["same_classifier_best_epoch"] = best_epoch

    seq_model.load_weights(filepath)
    loss, accuracy = seq_model.evaluate(
        [test_data[0], test_data[1]], test_labels, verbose=0
    )
    out["close_classifier_test"] = [loss, accuracy]
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    assert accuracy > 1.0 / NUM_CLASSES, accuracy
    out["test_accuracy"] = accuracy

    # The mask hides the padded frames: noise there changes nothing.
    probabilities = seq_model.predict([test_data[0], test_data[1]], verbose=0)
    noisy = (
        test_data[0]
        + np.random.default_rng(8).random(test_data[0].shape).astype("float32")
        * (~test_data[1])[:, :, None, None, None]
    )
    noisy_probabilities = seq_model.predict([noisy, test_data[1]], verbose=0)
    np.testing.assert_allclose(noisy_probabilities, probabilities, rtol=1e-5, atol=1e-6)
    out["close_classifier_probabilities"] = probabilities[:6]
    out["same_classifier_top"] = np.argmax(probabilities, axis=1).tolist()

    # The trained classifier through .keras and from_config.
    path = str(workdir / "video_classifier.keras")
    seq_model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        restored.predict([test_data[0], test_data[1]], verbose=0),
        probabilities,
        rtol=1e-5,
        atol=1e-6,
    )
    out["same_restored_summary"] = summary_lines(restored)
    out["same_classifier_config"] = seq_model.get_config()
    rebuilt = keras.Model.from_config(seq_model.get_config())
    rebuilt.set_weights(seq_model.get_weights())
    np.testing.assert_allclose(
        rebuilt.predict([test_data[0], test_data[1]], verbose=0),
        probabilities,
        rtol=1e-5,
        atol=1e-6,
    )
    td = seq_model.layers[1]
    out["same_time_distributed_config"] = td.get_config()
    td_clone = layers.TimeDistributed.from_config(td.get_config())
    out["same_td_clone_layer"] = type(td_clone.layer).__name__

    # Feature extractor per frame, then Masking + LSTM on the zero-padded features.
    def build_feature_extractor():
        return keras.Sequential(
            [
                keras.Input((SIZE, SIZE, 1)),
                layers.Conv2D(6, 3, strides=2, padding="same", activation="relu"),
                layers.Conv2D(6, 3, strides=2, padding="same", activation="relu"),
                layers.GlobalAveragePooling2D(),
            ],
            name="feature_extractor",
        )

    feature_extractor = build_feature_extractor()
    feature_extractor.set_weights(seeded_weights(feature_extractor, seed=9, scale=0.5))
    # Valid frames get features offset by one, so that only the padding frames
    # are all zeros (what the Masking layer skips).
    num_features = feature_extractor.output_shape[-1]

    def prepare_all_videos(clips, masks):
        frame_features = np.zeros((len(clips), MAX_SEQ_LENGTH, num_features), "float32")
        # Only the valid frames go through the extractor, all in one predict call.
        feats = feature_extractor.predict(clips[masks], batch_size=64, verbose=0)
        frame_features[masks] = feats + 1.0
        return frame_features

    train_features = prepare_all_videos(*train_data)
    test_features = prepare_all_videos(*test_data)

    td_extractor = layers.TimeDistributed(feature_extractor)
    td_features = keras.ops.convert_to_numpy(td_extractor(test_data[0][:3])) + 1.0
    valid = test_data[1][:3]
    np.testing.assert_allclose(
        td_features[valid], test_features[:3][valid], rtol=1e-5, atol=1e-6
    )
    out["same_td_extractor_shape"] = td_features.shape
    out["close_td_extractor"] = td_features[valid]

    masked_model = keras.Sequential(
        [
            keras.Input((None, num_features)),
            layers.Masking(mask_value=0.0),
            layers.LSTM(12),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    masked_model.set_weights(seeded_weights(masked_model, seed=10, scale=0.3))
    masked_model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.005),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    masked_history = masked_model.fit(
        train_features,
        train_labels,
        batch_size=8,
        epochs=3,
        validation_data=(test_features, test_labels),
        shuffle=False,
        verbose=0,
    )
    out["same_masked_summary"] = summary_lines(masked_model)
    out["same_masked_history_keys"] = sorted(masked_history.history)
    out["close_masked_history"] = [
        masked_history.history[k] for k in sorted(masked_history.history)
    ]
    masked_pred = masked_model.predict(test_features, verbose=0)
    # Trailing padded (all-zero) frames are skipped: truncated inputs agree.
    short = test_features[:, :4]
    mask_len = test_data[1].sum(axis=1)
    exact = mask_len <= 4
    if exact.any():
        np.testing.assert_allclose(
            masked_model.predict(short, verbose=0)[exact],
            masked_pred[exact],
            rtol=1e-5,
            atol=1e-6,
        )
    out["same_masking_mask"] = np.asarray(
        keras.ops.convert_to_numpy(
            masked_model.layers[0].compute_mask(test_features[:2])
        )
    )
    out["close_masked_pred"] = masked_pred[:6]
    return out

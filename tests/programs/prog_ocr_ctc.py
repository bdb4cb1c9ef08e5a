"""OCR for captchas / handwriting: StringLookup, a CNN-RNN, a CTC endpoint layer.

After keras.io "OCR model for reading Captchas" and "Handwriting recognition":
synthetic captchas (characters drawn as fixed 8x8 glyphs with noise), a
`StringLookup` character vocabulary (and its `invert=True` twin to decode),
Conv2D/MaxPooling2D/Reshape/Dense/Dropout/Bidirectional(LSTM) with a softmax
`dense2`, a `CTCLayer` that `add_loss`es `ops.ctc_loss`, EarlyStopping with
`restore_best_weights`, a prediction model cut at `dense2`, greedy and beam
search `ops.ctc_decode`, save/load with custom_objects. Plus the CTC numbers on
fixed arrays: `ops.ctc_loss`, `losses.CTC`, `ops.ctc_decode`.
"""

import io

import numpy as np

IMG_WIDTH, IMG_HEIGHT = 80, 32
MAX_LENGTH = 5
CHARACTERS = sorted(set("2345bcdemn"))


def _glyphs(rng):
    glyphs = {}
    for ch in CHARACTERS:
        g = (rng.random((8, 8)) < 0.45).astype("float32")
        g[0, :] = g[:, 0] = 0.0  # a margin so neighbours do not touch
        glyphs[ch] = g
    return glyphs


def _captchas(rng, glyphs, n):
    """`n` grayscale (32, 80) images of 4 or 5 characters and their texts."""
    images = np.zeros((n, IMG_HEIGHT, IMG_WIDTH), "float32")
    texts = []
    for i in range(n):
        length = int(rng.integers(4, MAX_LENGTH + 1))
        text = "".join(rng.choice(CHARACTERS, size=length))
        for j, ch in enumerate(text):
            top = int(rng.integers(6, 18))
            left = 4 + 15 * j + int(rng.integers(0, 4))
            images[i, top : top + 8, left : left + 8] = glyphs[ch]
        texts.append(text)
    images += rng.normal(scale=0.15, size=images.shape).astype("float32")
    return np.clip(images, 0.0, 1.0), texts


def _summary(model):
    buf = io.StringIO()
    model.summary(print_fn=lambda line, *args, **kwargs: buf.write(line + "\n"))
    return buf.getvalue()


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(42)

    # --- CTC on fixed arrays: both libraries compute the same numbers --------
    logits = rng.normal(size=(3, 10, 6)).astype("float32")
    targets = np.array([[1, 2, 2, 3], [4, 1, 0, 0], [5, 5, 5, 0]], "int32")
    target_length = np.array([4, 2, 3], "int32")
    output_length = np.array([10, 7, 10], "int32")
    ops_loss = ops.ctc_loss(targets, logits, target_length, output_length)
    assert tuple(ops_loss.shape) == (3,)
    # The blank as the last class (mask_index=5), the TF convention.
    last_blank_targets = np.array([[0, 1, 1, 2], [3, 0, 5, 5], [4, 4, 4, 5]])
    ops_loss_last = ops.ctc_loss(
        last_blank_targets, logits, target_length, output_length, mask_index=5
    )
    ctc = keras.losses.CTC()
    class_loss = ctc(targets, logits)
    per_sample = keras.losses.CTC(reduction=None)(targets, logits)
    fn_loss = keras.losses.ctc(targets, logits)
    assert np.allclose(float(class_loss), np.mean(ops.convert_to_numpy(per_sample)))
    ctc_config = ctc.get_config()

    probs = ops.convert_to_numpy(ops.softmax(logits * 2.0, axis=-1))
    greedy_paths, greedy_scores = ops.ctc_decode(probs, output_length)
    greedy_nomerge, _ = ops.ctc_decode(probs, output_length, merge_repeated=False)
    greedy_last_blank, _ = ops.ctc_decode(probs, output_length, mask_index=None)
    beam_paths, beam_scores = ops.ctc_decode(
        probs, output_length, strategy="beam_search", beam_width=8, top_paths=3
    )
    assert tuple(greedy_paths.shape) == (1, 3, 10), greedy_paths.shape
    assert tuple(beam_paths.shape) == (3, 3, 10), beam_paths.shape

    # --- Data and the character vocabulary ------------------------------------
    glyphs = _glyphs(rng)
    images, texts = _captchas(rng, glyphs, 160)
    char_to_num = layers.StringLookup(vocabulary=CHARACTERS, mask_token=None)
    num_to_char = layers.StringLookup(
        vocabulary=char_to_num.get_vocabulary(), mask_token=None, invert=True
    )
    vocabulary = char_to_num.get_vocabulary()

    def encode_single_sample(image, text):
        # Transpose: the time dimension of the sequence is the image width.
        image = ops.transpose(ops.expand_dims(image, -1), axes=[1, 0, 2])
        label = ops.convert_to_numpy(char_to_num(np.array(list(text))))
        label = np.pad(label, (0, MAX_LENGTH - len(text)))  # 0 is the CTC blank
        return ops.convert_to_numpy(image), label

    encoded = [encode_single_sample(img, t) for img, t in zip(images, texts)]
    x_images = np.stack([e[0] for e in encoded]).astype("float32")
    y_labels = np.stack([e[1] for e in encoded]).astype("float32")
    assert x_images.shape == (160, IMG_WIDTH, IMG_HEIGHT, 1)
    train = {"image": x_images[:128], "label": y_labels[:128]}
    valid = {"image": x_images[128:], "label": y_labels[128:]}

    # --- The model -------------------------------------------------------------
    def ctc_batch_cost(y_true, y_pred, input_length, label_length):
        label_length = ops.cast(ops.squeeze(label_length, axis=-1), "int32")
        input_length = ops.cast(ops.squeeze(input_length, axis=-1), "int32")
        y_pred = ops.log(y_pred + keras.backend.epsilon())
        loss = ops.ctc_loss(
            ops.cast(y_true, "int32"), y_pred, label_length, input_length
        )
        return ops.expand_dims(loss, 1)

    class CTCLayer(layers.Layer):
        def __init__(self, name=None, **kwargs):
            super().__init__(name=name, **kwargs)
            self.loss_fn = ctc_batch_cost

        def call(self, y_true, y_pred):
            # At training time, compute the loss and add it to the layer.
            batch_len = ops.shape(y_true)[0]
            input_length = ops.shape(y_pred)[1]
            input_length = input_length * ops.ones((batch_len, 1), dtype="int64")
            label_length = ops.sum(
                ops.cast(ops.not_equal(y_true, 0), "int64"), axis=1, keepdims=True
            )
            loss = self.loss_fn(y_true, y_pred, input_length, label_length)
            self.add_loss(loss)
            # At test time, just return the computed predictions.
            return y_pred

    # The guide drops out 20-25%; rate 0 here keeps the short run reproducible,
    # so both libraries train the same numbers from the same set_weights.
    def build_model(dropout=0.0):
        input_img = layers.Input(
            shape=(IMG_WIDTH, IMG_HEIGHT, 1), name="image", dtype="float32"
        )
        labels = layers.Input(name="label", shape=(None,), dtype="float32")
        x = layers.Conv2D(
            8,
            (3, 3),
            activation="relu",
            kernel_initializer="he_normal",
            padding="same",
            name="Conv1",
        )(input_img)
        x = layers.MaxPooling2D((2, 2), name="pool1")(x)
        x = layers.Conv2D(
            16,
            (3, 3),
            activation="relu",
            kernel_initializer="he_normal",
            padding="same",
            name="Conv2",
        )(x)
        x = layers.MaxPooling2D((2, 2), name="pool2")(x)
        # Two max pools with pool size and strides 2: downsampled by 4.
        new_shape = ((IMG_WIDTH // 4), (IMG_HEIGHT // 4) * 16)
        x = layers.Reshape(target_shape=new_shape, name="reshape")(x)
        x = layers.Dense(32, activation="relu", name="dense1")(x)
        x = layers.Dropout(dropout)(x)
        x = layers.Bidirectional(
            layers.LSTM(24, return_sequences=True, dropout=dropout)
        )(x)
        x = layers.Dense(
            len(char_to_num.get_vocabulary()) + 1, activation="softmax", name="dense2"
        )(x)
        output = CTCLayer(name="ctc_loss")(labels, x)
        model = keras.models.Model(
            inputs=[input_img, labels], outputs=output, name="ocr_model_v1"
        )
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2))
        return model

    model = build_model()
    summary = _summary(model)
    weights_rng = np.random.default_rng(7)
    model.set_weights(
        [
            (weights_rng.normal(size=w.shape) * (0.25 if w.ndim > 1 else 0.05)).astype(
                "float32"
            )
            for w in model.get_weights()
        ]
    )
    initial_val_loss = model.evaluate(valid, batch_size=16, verbose=0)

    # The prediction model: the image in, the per-timestep softmax out.
    prediction_model = keras.models.Model(
        model.input[0], model.get_layer(name="dense2").output
    )
    initial_preds = prediction_model.predict(valid["image"][:4], verbose=0)
    assert initial_preds.shape == (4, IMG_WIDTH // 4, len(vocabulary) + 1)

    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=2, restore_best_weights=True
    )
    history = model.fit(
        train,
        validation_data=valid,
        epochs=8,
        batch_size=16,
        shuffle=False,
        callbacks=[early_stopping],
        verbose=0,
    )
    losses = history.history["loss"]
    assert losses[-1] < losses[0], losses
    assert early_stopping.stopped_epoch > 0, history.history  # it did stop early
    best_val = min(history.history["val_loss"])
    val_loss = model.evaluate(valid, batch_size=16, verbose=0)
    # restore_best_weights: the model left is the one with the best val_loss.
    assert np.isclose(val_loss, best_val, rtol=1e-4), (val_loss, best_val)

    # `num_to_char` maps indices back to characters; on the JAX backend a string
    # tensor cannot be a JAX array, so decode through its vocabulary.
    index_to_char = num_to_char.get_vocabulary()

    def decode_batch_predictions(pred):
        input_len = np.ones(pred.shape[0]) * pred.shape[1]
        # Greedy search. For complex tasks, you can use beam search.
        results = ops.ctc_decode(pred, sequence_lengths=input_len)[0][0]
        output_text = []
        for res in ops.convert_to_numpy(results)[:, :MAX_LENGTH]:
            output_text.append("".join(index_to_char[i] for i in res if i != -1))
        return output_text

    preds = prediction_model.predict(valid["image"], verbose=0)
    greedy_texts = decode_batch_predictions(preds)
    char_hits = sum(
        sum(a == b for a, b in zip(pred, true))
        for pred, true in zip(greedy_texts, texts[128:])
    )

    # Save the whole model; the custom layer comes back through custom_objects.
    path = workdir / "ocr_model.keras"
    model.save(path)
    restored = keras.models.load_model(path, custom_objects={"CTCLayer": CTCLayer})
    restored_val_loss = restored.evaluate(valid, batch_size=16, verbose=0)
    restored_pred_model = keras.Model(
        restored.get_layer("image").output, restored.get_layer("dense2").output
    )
    restored_preds = restored_pred_model.predict(valid["image"], verbose=0)
    np.testing.assert_allclose(restored_preds, preds, rtol=1e-5, atol=1e-6)

    return {
        "same_vocabulary": [str(c) for c in vocabulary],
        "same_inverse_vocabulary": [str(c) for c in num_to_char.get_vocabulary()],
        "same_first_label": y_labels[0].tolist(),
        "same_ctc_config": ctc_config,
        "close_ops_ctc_loss": ops.convert_to_numpy(ops_loss),
        "close_ops_ctc_loss_last_blank": ops.convert_to_numpy(ops_loss_last),
        "close_ctc_class_loss": float(class_loss),
        "close_ctc_per_sample": ops.convert_to_numpy(per_sample),
        "close_ctc_fn_loss": ops.convert_to_numpy(fn_loss),
        "same_greedy_paths": ops.convert_to_numpy(greedy_paths),
        "close_greedy_scores": ops.convert_to_numpy(greedy_scores),
        "same_greedy_nomerge": ops.convert_to_numpy(greedy_nomerge),
        "same_greedy_last_blank": ops.convert_to_numpy(greedy_last_blank),
        "same_beam_paths": ops.convert_to_numpy(beam_paths),
        "close_beam_scores": ops.convert_to_numpy(beam_scores),
        "same_summary": summary,
        "same_param_count": model.count_params(),
        "same_layer_names": [layer.name for layer in model.layers],
        "same_input_names": [t.name for t in model.inputs],
        "same_prediction_model_outputs": tuple(prediction_model.output.shape),
        # A model whose only loss is an add_loss: evaluate() gives that loss.
        "same_evaluate_result_type": type(initial_val_loss).__name__,
        "close_initial_val_loss": initial_val_loss,
        "close_initial_preds": initial_preds,
        "same_history_keys": sorted(history.history),
        "same_epochs_run": len(losses),
        "same_stopped_epoch": early_stopping.stopped_epoch,
        "same_best_epoch": int(np.argmin(history.history["val_loss"])),
        "close_history_loss": losses,
        "close_history_val_loss": history.history["val_loss"],
        "close_val_loss": val_loss,
        "same_restored_evaluate_type": type(restored_val_loss).__name__,
        "close_restored_val_loss": restored_val_loss,
        "same_restored_layer_names": [layer.name for layer in restored.layers],
        "greedy_texts": greedy_texts[:4],
        "true_texts": texts[128:132],
        "char_hits": char_hits,
    }

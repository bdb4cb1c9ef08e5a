"""The functional API guide's multi-input, multi-output model, shared layers and graphs.

A ticket classifier (title, body, tags in; priority and department out) compiled
with per-output loss, loss_weights and metrics dicts, fit on dict inputs and
targets, evaluated with `return_dict=True`, predicted as a dict; its config round
trips through `Model.from_config`. Then the guide's shared-layer idiom (one
Embedding for two inputs) and the layer-graph idiom (a feature-extraction model
from `get_layer(name).output` and every layer's output).
"""

import io
from contextlib import redirect_stdout

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    num_tags = 12
    num_words = 100
    num_departments = 4

    def build_ticket_model():
        title_input = keras.Input(shape=(None,), name="title")
        body_input = keras.Input(shape=(None,), name="body")
        tags_input = keras.Input(shape=(num_tags,), name="tags")
        title_features = layers.Embedding(num_words, 8, name="title_embedding")(
            title_input
        )
        body_features = layers.Embedding(num_words, 4, name="body_embedding")(
            body_input
        )
        title_features = layers.LSTM(8, name="title_lstm")(title_features)
        body_features = layers.LSTM(4, name="body_lstm")(body_features)
        x = layers.concatenate(
            [title_features, body_features, tags_input], name="merged"
        )
        priority_pred = layers.Dense(1, name="priority")(x)
        department_pred = layers.Dense(num_departments, name="department")(x)
        return keras.Model(
            inputs=[title_input, body_input, tags_input],
            outputs={"priority": priority_pred, "department": department_pred},
            name="ticket_classifier",
        )

    model = build_ticket_model()
    wrng = np.random.default_rng(1)
    start = [
        (wrng.normal(size=w.shape) * 0.3).astype("float32") for w in model.get_weights()
    ]
    model.set_weights(start)

    rng = np.random.default_rng(0)
    title_data = rng.integers(num_words, size=(96, 6))
    body_data = rng.integers(num_words, size=(96, 10))
    tags_data = rng.integers(2, size=(96, num_tags)).astype("float32")
    priority_targets = (tags_data[:, :1] + rng.random(size=(96, 1)) * 0.2).clip(0, 1)
    dept_targets = keras.utils.to_categorical(
        (tags_data[:, 1] + 2 * tags_data[:, 2]).astype("int32"), num_departments
    )
    inputs = {"title": title_data, "body": body_data, "tags": tags_data}
    targets = {"priority": priority_targets, "department": dept_targets}

    pred_before = model.predict(inputs, verbose=0)
    assert isinstance(pred_before, dict), type(pred_before)

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-2),
        loss={
            "priority": keras.losses.BinaryCrossentropy(from_logits=True),
            "department": keras.losses.CategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"priority": 1.0, "department": 0.2},
        metrics={
            "priority": ["mae"],
            "department": [
                keras.metrics.CategoricalAccuracy(name="acc"),
                "categorical_crossentropy",
            ],
        },
    )
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()
    history = model.fit(
        inputs,
        targets,
        epochs=4,
        batch_size=32,
        shuffle=False,
        validation_split=0.25,
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    scores = model.evaluate(inputs, targets, batch_size=32, verbose=0, return_dict=True)
    scores_list = model.evaluate(inputs, targets, batch_size=32, verbose=0)
    out = model.predict(inputs, batch_size=32, verbose=0)

    # Config round trip: the same graph, names and outputs.
    config = model.get_config()
    config_summary = {
        "keys": sorted(config),
        "layers": [layer["class_name"] for layer in config["layers"]],
        "input_layers": config["input_layers"],
        "output_layers": config["output_layers"],
    }
    clone = keras.Model.from_config(config)
    clone.set_weights(model.get_weights())
    clone_out = clone.predict(inputs, verbose=0)
    for key in out:
        np.testing.assert_allclose(clone_out[key], out[key], rtol=1e-5, atol=1e-6)

    # The guide's list outputs with losses and weights given as lists.
    title_in = keras.Input(shape=(None,), name="title")
    tags_in = keras.Input(shape=(num_tags,), name="tags")
    h = layers.LSTM(4)(layers.Embedding(num_words, 4)(title_in))
    h = layers.concatenate([h, tags_in])
    list_model = keras.Model(
        inputs=[title_in, tags_in],
        outputs=[
            layers.Dense(1, name="priority")(h),
            layers.Dense(num_departments, name="department")(h),
        ],
    )
    list_model.compile(
        optimizer="rmsprop",
        loss=[
            keras.losses.BinaryCrossentropy(from_logits=True),
            keras.losses.CategoricalCrossentropy(from_logits=True),
        ],
        loss_weights=[1.0, 0.2],
        metrics=[["mae"], ["accuracy"]],
    )
    list_history = list_model.fit(
        [title_data, tags_data],
        [priority_targets, dept_targets],
        epochs=1,
        batch_size=32,
        verbose=0,
    )
    list_out = list_model.predict([title_data[:5], tags_data[:5]], verbose=0)

    # Shared layers: one Embedding encodes two inputs.
    shared_embedding = layers.Embedding(num_words, 8, name="shared_embedding")
    text_input_a = keras.Input(shape=(None,), dtype="int32", name="text_a")
    text_input_b = keras.Input(shape=(None,), dtype="int32", name="text_b")
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    pooled = layers.Average()(
        [
            layers.GlobalAveragePooling1D()(encoded_input_a),
            layers.GlobalAveragePooling1D()(encoded_input_b),
        ]
    )
    shared_model = keras.Model([text_input_a, text_input_b], pooled)
    shared_summary = []
    shared_model.summary(print_fn=lambda line, **kw: shared_summary.append(line))

    # Extract and reuse nodes in the graph of layers.
    merged = model.get_layer("merged").output
    feat_model = keras.Model(inputs=model.inputs, outputs=merged)
    features = feat_model.predict(inputs, verbose=0)
    features_list = [layer.output for layer in model.layers]
    feat_extraction_model = keras.Model(inputs=model.input, outputs=features_list)
    extracted = feat_extraction_model(
        {k: keras.ops.convert_to_tensor(v[:4]) for k, v in inputs.items()}
    )

    return {
        "same_summary": buf.getvalue().splitlines(),
        "same_shared_summary": shared_summary,
        "same_params": model.count_params(),
        "same_layer_names": [layer.name for layer in model.layers],
        "same_input_names": [t.name for t in model.inputs],
        "same_output_names": list(model.output_names),
        "same_history_keys": sorted(history.history),
        "same_eval_keys": sorted(scores),
        "same_eval_list_len": len(scores_list),
        "same_pred_keys": sorted(out),
        "same_pred_shapes": [tuple(out[k].shape) for k in sorted(out)],
        "same_config": config_summary,
        "same_clone_name": clone.name,
        "same_clone_layer_names": [layer.name for layer in clone.layers],
        "same_list_history_keys": sorted(list_history.history),
        "same_list_out": [type(list_out).__name__, [a.shape for a in list_out]],
        "same_shared": [
            len(shared_embedding._inbound_nodes),
            shared_model.count_params(),
            len(shared_model.layers),
        ],
        "same_feature_shape": features.shape,
        "same_extracted_shapes": [tuple(t.shape) for t in extracted],
        "close_pred_before_priority": pred_before["priority"],
        "close_pred_before_department": pred_before["department"],
        "close_loss": history.history["loss"],
        "close_val_loss": history.history["val_loss"],
        "close_eval": [scores[k] for k in sorted(scores)],
        "close_priority": out["priority"],
        "close_department": out["department"],
        "close_features": features,
        "loss": history.history["loss"][-1],
    }

"""Character-level text generation with LSTM (keras.io example), in small.

A short generated English paragraph, sentences of `maxlen` characters taken every
`step` characters, one-hot `x`/`y` (bool), a Sequential LSTM + softmax model trained
with RMSprop on categorical crossentropy, and the example's temperature sampling
loop that calls `model.predict(x_pred, verbose=0)` once per generated character.
"""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)

    paragraph = (
        "the quick brown fox jumps over the lazy dog. "
        "a lazy dog sleeps in the sun while the fox runs into the woods. "
        "the sun sets and the woods grow dark, so the fox goes home. "
    )
    text = (paragraph * 4).lower()
    chars = sorted(list(set(text)))
    char_indices = dict((c, i) for i, c in enumerate(chars))
    indices_char = dict((i, c) for i, c in enumerate(chars))

    maxlen = 20
    step = 3
    sentences = []
    next_chars = []
    for i in range(0, len(text) - maxlen, step):
        sentences.append(text[i : i + maxlen])
        next_chars.append(text[i + maxlen])

    x = np.zeros((len(sentences), maxlen, len(chars)), dtype="bool")
    y = np.zeros((len(sentences), len(chars)), dtype="bool")
    for i, sentence in enumerate(sentences):
        for t, char in enumerate(sentence):
            x[i, t, char_indices[char]] = 1
        y[i, char_indices[next_chars[i]]] = 1

    model = keras.Sequential(
        [
            keras.Input(shape=(maxlen, len(chars))),
            layers.LSTM(32),
            layers.Dense(len(chars), activation="softmax"),
        ]
    )
    optimizer = keras.optimizers.RMSprop(learning_rate=0.01)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer)
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))

    # Same starting weights under both libraries.
    rng = np.random.default_rng(42)
    model.set_weights(
        [
            rng.normal(scale=0.2, size=w.shape).astype("float32")
            for w in model.get_weights()
        ]
    )
    initial_preds = model.predict(x[:8], verbose=0)
    assert np.allclose(initial_preds.sum(axis=-1), 1.0, atol=1e-5)
    initial_loss = model.evaluate(x, y, batch_size=64, verbose=0)

    def sample(preds, temperature=1.0):
        # helper function to sample an index from a probability array
        preds = np.asarray(preds).astype("float64")
        preds = np.log(preds) / temperature
        exp_preds = np.exp(preds)
        preds = exp_preds / np.sum(exp_preds)
        probas = np.random.multinomial(1, preds, 1)
        return np.argmax(probas)

    epochs = 10
    batch_size = 32
    losses = []
    histories = []
    generations = {}
    for _epoch in range(epochs):
        history = model.fit(
            x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0
        )
        histories.append(history)
        losses.append(history.history["loss"][0])

    # The generation loop, once after training (the example runs it every epoch).
    keras.utils.set_random_seed(1337)
    start_index = 7
    last_preds = {}
    for diversity in [0.2, 1.0]:
        generated = ""
        sentence = text[start_index : start_index + maxlen]
        for _ in range(12):
            x_pred = np.zeros((1, maxlen, len(chars)))
            for t, char in enumerate(sentence):
                x_pred[0, t, char_indices[char]] = 1.0
            preds = model.predict(x_pred, verbose=0)[0]
            next_index = sample(preds, diversity)
            next_char = indices_char[next_index]
            sentence = sentence[1:] + next_char
            generated += next_char
        generations[diversity] = generated
        last_preds[diversity] = preds

    assert losses[-1] < initial_loss, (initial_loss, losses)
    assert all(len(g) == 12 for g in generations.values())
    assert all(c in chars for g in generations.values() for c in g)

    trained_preds = model.predict(x[:8], verbose=0)
    return {
        "same_n_chars": len(chars),
        "same_x_shape": x.shape,
        "same_x_dtype": str(x.dtype),
        "same_y_shape": y.shape,
        "same_summary": "\n".join(lines),
        "same_n_params": model.count_params(),
        "same_weight_shapes": [w.shape for w in model.get_weights()],
        "same_history_keys": [sorted(h.history) for h in histories],
        "same_history_params": sorted(histories[0].params.items()),
        "same_pred_shape": initial_preds.shape,
        "same_pred_dtype": str(initial_preds.dtype),
        "same_sample_pred_shape": last_preds[0.2].shape,
        "close_initial_preds": initial_preds,
        "close_initial_loss": initial_loss,
        "close_losses": losses,
        "close_trained_preds": trained_preds,
        "close_generation_preds": last_preds[1.0],
        "same_generated": [generations[0.2], generations[1.0]],
        "generated": generations,
        "final_loss": losses[-1],
    }

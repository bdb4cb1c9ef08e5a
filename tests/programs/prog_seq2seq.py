"""Character-level recurrent sequence-to-sequence model (keras.io example), in small.

English to French on a tiny generated parallel corpus: one-hot encoder/decoder data
built as the example does, an LSTM encoder with `return_state=True` whose states
start the LSTM decoder (teacher forcing), a Dense softmax, `fit` with
`validation_split=0.2`, `model.save` to a `.keras` file and `load_model`, then the
inference encoder/decoder models rebuilt from the loaded model's layers
(`model.input[0]`, `model.layers[2].output`, ...) and the `decode_sequence` loop.
"""

import numpy as np


def run(keras, workdir):
    keras.utils.set_random_seed(0)

    subjects = [("I", "Je"), ("You", "Tu"), ("He", "Il"), ("She", "Elle")]
    verbs = [("run", "cours"), ("eat", "mange"), ("sing", "chante"), ("swim", "nage")]
    times = [("now", "maintenant"), ("today", "auj."), ("", "")]
    lines = []
    for en_s, fr_s in subjects:
        for en_v, fr_v in verbs:
            for en_t, fr_t in times:
                en = " ".join(w for w in (en_s, en_v, en_t) if w) + "."
                fr = " ".join(w for w in (fr_s, fr_v, fr_t) if w) + "."
                lines.append(f"{en}\t{fr}\tCC-BY 2.0")
    order = np.random.default_rng(3).permutation(len(lines))
    lines = [lines[i] for i in order]

    batch_size = 8
    epochs = 15
    latent_dim = 24
    num_samples = 40

    # Vectorize the data.
    input_texts = []
    target_texts = []
    input_characters = set()
    target_characters = set()
    for line in lines[: min(num_samples, len(lines) - 1)]:
        input_text, target_text, _ = line.split("\t")
        # We use "tab" as the "start sequence" character
        # for the targets, and "\n" as "end sequence" character.
        target_text = "\t" + target_text + "\n"
        input_texts.append(input_text)
        target_texts.append(target_text)
        for char in input_text:
            if char not in input_characters:
                input_characters.add(char)
        for char in target_text:
            if char not in target_characters:
                target_characters.add(char)

    input_characters = sorted(list(input_characters))
    target_characters = sorted(list(target_characters))
    num_encoder_tokens = len(input_characters)
    num_decoder_tokens = len(target_characters)
    max_encoder_seq_length = max([len(txt) for txt in input_texts])
    max_decoder_seq_length = max([len(txt) for txt in target_texts])

    input_token_index = dict([(char, i) for i, char in enumerate(input_characters)])
    target_token_index = dict([(char, i) for i, char in enumerate(target_characters)])

    encoder_input_data = np.zeros(
        (len(input_texts), max_encoder_seq_length, num_encoder_tokens),
        dtype="float32",
    )
    decoder_input_data = np.zeros(
        (len(input_texts), max_decoder_seq_length, num_decoder_tokens),
        dtype="float32",
    )
    decoder_target_data = np.zeros(
        (len(input_texts), max_decoder_seq_length, num_decoder_tokens),
        dtype="float32",
    )

    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts)):
        for t, char in enumerate(input_text):
            encoder_input_data[i, t, input_token_index[char]] = 1.0
        encoder_input_data[i, t + 1 :, input_token_index[" "]] = 1.0
        for t, char in enumerate(target_text):
            # decoder_target_data is ahead of decoder_input_data by one timestep
            decoder_input_data[i, t, target_token_index[char]] = 1.0
            if t > 0:
                # decoder_target_data will be ahead by one timestep
                # and will not include the start character.
                decoder_target_data[i, t - 1, target_token_index[char]] = 1.0
        decoder_input_data[i, t + 1 :, target_token_index[" "]] = 1.0
        decoder_target_data[i, t:, target_token_index[" "]] = 1.0

    # Define an input sequence and process it.
    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    encoder = keras.layers.LSTM(latent_dim, return_state=True)
    encoder_outputs, state_h, state_c = encoder(encoder_inputs)
    # We discard `encoder_outputs` and only keep the states.
    encoder_states = [state_h, state_c]

    # Set up the decoder, using `encoder_states` as initial state.
    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
    decoder_lstm = keras.layers.LSTM(
        latent_dim, return_sequences=True, return_state=True
    )
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
    decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax")
    decoder_outputs = decoder_dense(decoder_outputs)

    # Define the model that will turn
    # `encoder_input_data` & `decoder_input_data` into `decoder_target_data`
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    model.compile(
        optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"]
    )
    summary = []
    model.summary(print_fn=lambda line, *args, **kwargs: summary.append(line))

    # Same starting weights under both libraries.
    rng = np.random.default_rng(7)
    model.set_weights(
        [
            rng.normal(scale=0.3, size=w.shape).astype("float32")
            for w in model.get_weights()
        ]
    )
    initial_out = model.predict(
        [encoder_input_data[:4], decoder_input_data[:4]], verbose=0
    )

    history = model.fit(
        [encoder_input_data, decoder_input_data],
        decoder_target_data,
        batch_size=batch_size,
        epochs=epochs,
        validation_split=0.2,
        shuffle=False,
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    # Save model
    path = str(workdir / "s2s_model.keras")
    model.save(path)
    trained_out = model.predict(
        [encoder_input_data[:4], decoder_input_data[:4]], verbose=0
    )

    # Restore the model and construct the encoder and decoder.
    model = keras.models.load_model(path)
    reloaded_summary = []
    model.summary(print_fn=lambda line, *args, **kwargs: reloaded_summary.append(line))
    reloaded_out = model.predict(
        [encoder_input_data[:4], decoder_input_data[:4]], verbose=0
    )
    assert np.allclose(reloaded_out, trained_out, atol=1e-6)

    encoder_inputs = model.input[0]  # input_1
    encoder_outputs, state_h_enc, state_c_enc = model.layers[2].output  # lstm_1
    encoder_states = [state_h_enc, state_c_enc]
    encoder_model = keras.Model(encoder_inputs, encoder_states)

    decoder_inputs = model.input[1]  # input_2
    decoder_state_input_h = keras.Input(shape=(latent_dim,))
    decoder_state_input_c = keras.Input(shape=(latent_dim,))
    decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
    decoder_lstm = model.layers[3]
    decoder_outputs, state_h_dec, state_c_dec = decoder_lstm(
        decoder_inputs, initial_state=decoder_states_inputs
    )
    decoder_states = [state_h_dec, state_c_dec]
    decoder_dense = model.layers[4]
    decoder_outputs = decoder_dense(decoder_outputs)
    decoder_model = keras.Model(
        [decoder_inputs] + decoder_states_inputs, [decoder_outputs] + decoder_states
    )
    decoder_summary = []
    decoder_model.summary(
        print_fn=lambda line, *args, **kwargs: decoder_summary.append(line)
    )

    # Reverse-lookup token index to decode sequences back to
    # something readable.
    reverse_target_char_index = dict(
        (i, char) for char, i in target_token_index.items()
    )

    first_steps = []

    def decode_sequence(input_seq):
        # Encode the input as state vectors.
        states_value = encoder_model.predict(input_seq, verbose=0)

        # Generate empty target sequence of length 1.
        target_seq = np.zeros((1, 1, num_decoder_tokens))
        # Populate the first character of target sequence with the start character.
        target_seq[0, 0, target_token_index["\t"]] = 1.0

        # Sampling loop for a batch of sequences
        # (to simplify, here we assume a batch of size 1).
        stop_condition = False
        decoded_sentence = ""
        while not stop_condition:
            output_tokens, h, c = decoder_model.predict(
                [target_seq] + states_value, verbose=0
            )
            if not decoded_sentence:
                first_steps.append((output_tokens, h, c))

            # Sample a token
            sampled_token_index = np.argmax(output_tokens[0, -1, :])
            sampled_char = reverse_target_char_index[sampled_token_index]
            decoded_sentence += sampled_char

            # Exit condition: either hit max length
            # or find stop character.
            if sampled_char == "\n" or len(decoded_sentence) > max_decoder_seq_length:
                stop_condition = True

            # Update the target sequence (of length 1).
            target_seq = np.zeros((1, 1, num_decoder_tokens))
            target_seq[0, 0, sampled_token_index] = 1.0

            # Update states
            states_value = [h, c]
        return decoded_sentence

    decoded = []
    states0 = None
    for seq_index in range(2):
        # Take one sequence (part of the training set)
        # for trying out decoding.
        input_seq = encoder_input_data[seq_index : seq_index + 1]
        if states0 is None:
            states0 = encoder_model.predict(input_seq, verbose=0)
        decoded.append(decode_sequence(input_seq))
    assert all(0 < len(d) <= max_decoder_seq_length + 1 for d in decoded), decoded
    out0, h0, c0 = first_steps[0]

    return {
        "same_tokens": [num_encoder_tokens, num_decoder_tokens],
        "same_max_lengths": [max_encoder_seq_length, max_decoder_seq_length],
        "same_data_shapes": [
            encoder_input_data.shape,
            decoder_input_data.shape,
            decoder_target_data.shape,
        ],
        "same_summary": "\n".join(summary),
        "same_reloaded_summary": "\n".join(reloaded_summary),
        "same_decoder_summary": "\n".join(decoder_summary),
        "same_layer_names": [layer.name for layer in model.layers],
        "same_layer_types": [type(layer).__name__ for layer in model.layers],
        "same_model_input_names": [t.name for t in model.inputs],
        "same_encoder_output_shapes": [tuple(t.shape) for t in encoder_model.outputs],
        "same_decoder_output_shapes": [tuple(t.shape) for t in decoder_model.outputs],
        "same_decoder_input_count": len(decoder_model.inputs),
        "same_history_keys": sorted(history.history),
        "same_history_len": len(history.history["loss"]),
        "same_history_params": sorted(history.params.items()),
        "same_n_params": [
            model.count_params(),
            encoder_model.count_params(),
            decoder_model.count_params(),
        ],
        "same_state_shapes": [np.shape(s) for s in states0],
        "same_step_shapes": [out0.shape, h0.shape, c0.shape],
        "close_initial_out": initial_out,
        "close_history": [history.history[k] for k in sorted(history.history)],
        "close_trained_out": trained_out,
        "close_reloaded_out": reloaded_out,
        "close_encoder_states": states0,
        "close_first_step_out": out0,
        "close_first_step_states": [h0, c0],
        "same_decoded": decoded,
        "decoded": decoded,
        "val_loss": history.history["val_loss"][-1],
    }

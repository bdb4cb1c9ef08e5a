"""The RNN API in depth: cells, `keras.layers.RNN`, states, masking, wrappers.

In the style of keras.io's "Working with RNNs" guide, past what `prog_rnn.py`
covers: `keras.layers.RNN` over the built-in cells (`SimpleRNNCell`, `GRUCell`
with `reset_after=True` and `False`, `LSTMCell`), with `return_sequences` and
`return_state` together (and `RNN(GRUCell(reset_after=False))` against
`GRU(reset_after=False)`); a list of cells (stacked) and an explicit
`StackedRNNCells`; the guide's custom cell (`MinimalRNNCell`) and a cell with a
list `state_size` and its own `output_size`, alone and stacked with built-in
cells (states come back per cell); `initial_state` given as an array, to a
`Bidirectional` (forward then backward states) and, in a Functional model, as
an `Input`, and the guide's encoder-decoder that hands the encoder's states to
the decoder; `go_backwards`; `unroll=True`; masking through `Masking` and
`Embedding(mask_zero=True)` (masked steps repeat the previous output, or are
zeros with `zero_output_for_mask=True`); `stateful=True` over an `Input` with a
fixed `batch_size` / `batch_shape`, `reset_states()` / `reset_state()`;
`Bidirectional` with every `merge_mode` (including `None`), `return_state` and
a `backward_layer`; `TimeDistributed(Dense)`; tiny `ConvLSTM1D` /
`ConvLSTM2D`; `dropout` / `recurrent_dropout` (their training values reported
only). Every weight is set from numpy, so outputs, states, and losses and
updated weights after two epochs of `fit` are compared to float tolerance;
`get_config` / `from_config` round trips and weight paths/shapes (in order)
are compared exactly.
"""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    ops = keras.ops
    keras.utils.set_random_seed(0)

    wrng = np.random.default_rng(7)

    def fill(layer_or_model, scale=0.4):
        """Set every weight from numpy; returns the arrays set."""
        ws = [
            (wrng.normal(size=w.shape) * scale).astype("float32")
            for w in layer_or_model.get_weights()
        ]
        layer_or_model.set_weights(ws)
        return ws

    def np_(t):
        return np.asarray(ops.convert_to_numpy(t))

    def flat(tensors):
        """Tensors of different shapes as one vector (for `close_` keys)."""
        return np.concatenate([np_(t).ravel() for t in tree_flatten(tensors)])

    def tree_flatten(value):
        if isinstance(value, (list, tuple)):
            return [leaf for v in value for leaf in tree_flatten(v)]
        return [value]

    def names_shapes(layer):
        return [(w.path, tuple(w.shape)) for w in layer.weights]

    def shapes(value):
        if isinstance(value, (list, tuple)):
            return [shapes(v) for v in value]
        return tuple(value.shape)

    # Every weight is set from numpy below, so the recurrent kernels skip
    # the default orthogonal initializer (a QR decomposition compiled for
    # each new shape, seconds per shape on a small CPU).
    R = {"recurrent_initializer": "zeros"}

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    out = {}

    # --- 1. keras.layers.RNN over each built-in cell, with return_sequences
    # and return_state together.
    cell_cases = {
        "simple": lambda: layers.SimpleRNNCell(3, **R),
        "gru": lambda: layers.GRUCell(3, **R),
        "gru_v1": lambda: layers.GRUCell(3, reset_after=False, **R),
        "lstm": lambda: layers.LSTMCell(3, **R),
    }
    cell_weights, cell_info, cell_values = {}, {}, []
    for key, make_cell in cell_cases.items():
        rnn = layers.RNN(
            make_cell(), return_sequences=True, return_state=True, name=f"rnn_{key}"
        )
        rnn.build(x.shape)
        cell_weights[key] = fill(rnn)
        seq, *states = rnn(x)
        # The last step of the sequence is the (first) final state.
        np.testing.assert_allclose(np_(seq)[:, -1], np_(states[0]), rtol=1e-6)
        cell_info[key] = [names_shapes(rnn), shapes([seq, *states])]
        cell_values.append(flat([seq, *states]))
    out["same_cells"] = cell_info
    out["close_cells"] = np.concatenate(cell_values)
    # RNN(GRUCell(reset_after=False)) is GRU(reset_after=False).
    gru_v1 = layers.GRU(3, reset_after=False, return_sequences=True, name="gru_v1", **R)
    gru_v1.build(x.shape)
    gru_v1.set_weights(cell_weights["gru_v1"])
    gru_v1_seq = np_(gru_v1(x))
    np.testing.assert_allclose(
        gru_v1_seq, cell_values[2][: gru_v1_seq.size].reshape(3, 5, 3), rtol=1e-5
    )
    out["close_layer_gru_v1"] = gru_v1_seq
    out["same_gru_v1_config"] = [
        gru_v1.get_config()["reset_after"],
        gru_v1.cell.reset_after,
        layers.GRU(2).get_config()["reset_after"],
    ]

    # --- 2. Stacked cells: a list of cells becomes StackedRNNCells.
    stacked = layers.RNN(
        [layers.SimpleRNNCell(4, **R), layers.GRUCell(3, **R), layers.LSTMCell(2, **R)],
        return_state=True,
        name="stacked",
    )
    stacked.build(x.shape)
    fill(stacked)
    s_res = stacked(x)
    out["same_stacked"] = [
        type(stacked.cell).__name__,
        [type(c).__name__ for c in stacked.cell.cells],
        len(s_res),
        shapes(list(s_res)),
        names_shapes(stacked),
    ]
    out["close_stacked"] = flat(s_res)
    explicit = layers.RNN(
        layers.StackedRNNCells([layers.LSTMCell(3, **R), layers.GRUCell(2, **R)]),
        return_sequences=True,
        name="explicit_stack",
    )
    cfg = explicit.get_config()
    out["same_stack_config"] = [
        cfg["cell"]["class_name"],
        [c["class_name"] for c in cfg["cell"]["config"]["cells"]],
        [c["config"]["units"] for c in cfg["cell"]["config"]["cells"]],
        [cfg[k] for k in ("return_sequences", "return_state", "go_backwards")],
        [cfg[k] for k in ("stateful", "unroll", "zero_output_for_mask")],
    ]
    twin = layers.RNN.from_config(cfg)
    twin.build(x.shape)
    explicit.build(x.shape)
    out["same_stack_config"] += [
        type(twin.cell).__name__,
        [tuple(w.shape) for w in twin.weights],
        [tuple(w.shape) for w in explicit.weights],
        twin.return_sequences,
    ]

    # --- 3. Custom cells: the guide's MinimalRNNCell and a two-state cell
    # with a list `state_size` and its own `output_size`.
    class MinimalRNNCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), name="kernel"
            )
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), name="recurrent_kernel"
            )

        def call(self, inputs, states):
            prev_output = states[0]
            h = ops.matmul(inputs, self.kernel)
            output = h + ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class TwoStateCell(layers.Layer):
        """A cell whose two states differ in size, and from its output."""

        def __init__(self, units, memory, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.memory = memory
            self.state_size = [units, memory]
            self.output_size = units + memory

        def build(self, input_shape):
            self.w_in = self.add_weight(
                shape=(input_shape[-1], self.units), name="w_in"
            )
            self.w_h = self.add_weight(shape=(self.units, self.units), name="w_h")
            self.w_m = self.add_weight(shape=(self.units, self.memory), name="w_m")

        def call(self, inputs, states):
            h, m = states
            h_new = ops.tanh(ops.matmul(inputs, self.w_in) + ops.matmul(h, self.w_h))
            m_new = 0.5 * m + ops.matmul(h_new, self.w_m)
            return ops.concatenate([h_new, m_new], axis=-1), [h_new, m_new]

        def get_config(self):
            return {**super().get_config(), "units": self.units, "memory": self.memory}

    two = layers.RNN(TwoStateCell(3, 2), return_state=True, name="two")
    two.build(x.shape)
    fill(two)
    two_res = two(x)
    two_info = [
        shapes(list(two_res)),
        [tuple(s) for s in two.compute_output_shape((None, 5, 4))],
        names_shapes(two),
    ]
    out["close_two_state"] = flat(two_res)
    two_cfg = two.get_config()
    two_info += [
        two_cfg["cell"]["class_name"],
        two_cfg["cell"]["config"]["units"],
        two_cfg["cell"]["config"]["memory"],
    ]
    two_again = layers.RNN.from_config(
        two_cfg, custom_objects={"TwoStateCell": TwoStateCell}
    )
    two_again.build(x.shape)
    out["same_two_state_cell"] = two_info + [
        type(two_again.cell).__name__,
        two_again.cell.state_size,
        two_again.cell.output_size,
        two_again.return_state,
        [tuple(w.shape) for w in two_again.weights],
    ]
    # Custom and built-in cells stacked; nested states come back per cell.
    mixed = layers.RNN(
        [MinimalRNNCell(3), TwoStateCell(3, 2), layers.GRUCell(2, **R)],
        return_sequences=True,
        return_state=True,
        name="mixed",
    )
    mixed.build(x.shape)
    fill(mixed, scale=0.3)
    mixed_res = mixed(x)
    out["same_mixed"] = [shapes(list(mixed_res)), names_shapes(mixed)]
    out["close_mixed"] = flat(mixed_res)

    # --- 4. initial_state given as an array; go_backwards; unroll=True.
    h0 = rng.normal(size=(3, 3)).astype("float32")
    gru = layers.GRU(
        3,
        return_sequences=True,
        return_state=True,
        go_backwards=True,
        name="gru_b",
        **R,
    )
    gru.build(x.shape)
    fill(gru)
    out["close_init_state_backwards"] = flat(gru(x, initial_state=h0))
    unrolled = layers.LSTM(3, unroll=True, return_sequences=True, name="unrolled", **R)
    unrolled.build(x.shape)
    fill(unrolled)
    out["close_unrolled_seq"] = np_(unrolled(x))
    out["same_loop_config"] = [
        unrolled.get_config()["unroll"],
        gru.get_config()["go_backwards"],
    ]

    # --- 5. Masking: Masking(mask_value=0.) and Embedding(mask_zero=True).
    xm = x.copy()
    xm[0, 3:] = 0.0
    xm[2, 1:3] = 0.0
    masking = layers.Masking(mask_value=0.0)
    mask_t = masking.compute_mask(xm)
    mlstm = layers.LSTM(3, return_sequences=True, return_state=True, name="mlstm", **R)
    mlstm.build(x.shape)
    fill(mlstm)
    ml_res = mlstm(masking(xm))
    seq_np = np_(ml_res[0])
    # A masked step repeats the previous output.
    np.testing.assert_allclose(seq_np[0, 4], seq_np[0, 2], rtol=1e-6)
    masks = {"masking": np_(mask_t).tolist()}
    out["close_masking"] = flat(ml_res)
    masks["rnn_outputs"] = [
        np_(m).tolist() if m is not None else None
        for m in mlstm.compute_mask(xm, mask_t)
    ]
    # zero_output_for_mask=True: masked steps output zeros instead.
    zrnn = layers.RNN(
        layers.SimpleRNNCell(2, **R), return_sequences=True, zero_output_for_mask=True
    )
    zrnn.build(x.shape)
    fill(zrnn)
    z_seq = np_(zrnn(masking(xm)))
    assert np.all(z_seq[0, 3:] == 0.0) and np.all(z_seq[2, 1:3] == 0.0)
    out["close_zero_output_for_mask"] = z_seq
    tokens = np.array([[3, 5, 7, 0, 0], [2, 9, 4, 6, 1], [8, 0, 0, 0, 0]], "int32")
    emb = layers.Embedding(10, 4, mask_zero=True, name="emb")
    masks["embedding"] = np_(emb.compute_mask(tokens)).tolist()
    out["same_masks"] = masks

    # An RNN given the mask *and* an `initial_state` in a Functional model:
    # Keras fills `mask` only for a call with one tensor argument, so here
    # (as in an eager call) the LSTM does not see the mask.
    fm_x = keras.Input(shape=(5, 4))
    fm_h = keras.Input(shape=(3,))
    fm_c = keras.Input(shape=(3,))
    fm_lstm = layers.LSTM(3, name="fm_lstm", **R)
    fm_model = keras.Model(
        [fm_x, fm_h, fm_c],
        fm_lstm(layers.Masking(0.0)(fm_x), initial_state=[fm_h, fm_c]),
    )
    fm_lstm.set_weights(mlstm.get_weights())
    out["close_functional_mask_with_initial_state"] = np_(fm_model([xm, h0, h0]))
    out["close_eager_mask_with_initial_state"] = np_(
        fm_lstm(masking(xm), initial_state=[h0, h0])
    )

    # --- 6. Stateful RNNs over a fixed batch size.
    st_in = keras.Input(batch_size=2, shape=(3, 4), name="st_in")
    st_layer = layers.LSTM(3, stateful=True, return_sequences=True, name="st_lstm", **R)
    st_model = keras.Model(
        st_in, layers.TimeDistributed(layers.Dense(1), name="st_head")(st_layer(st_in))
    )
    fill(st_model)
    chunks = rng.normal(size=(2, 2, 3, 4)).astype("float32")
    # The guide's loop: feed consecutive chunks, then reset.
    p1 = np_(st_model(chunks[0]))
    p2 = np_(st_model(chunks[1]))
    states_after = [np_(v) for v in st_layer.states]
    st_layer.reset_states()
    reset_states_zero = bool(all(not np.any(np_(v)) for v in st_layer.states))
    out["same_stateful"] = [
        reset_states_zero,
        len(st_layer.states),
        [tuple(v.shape) for v in st_layer.states],
        len(st_model.weights),
        st_model.count_params(),
    ]
    out["close_stateful"] = flat([p1, p2, *states_after])
    # predict() from zero states agrees; a second predict() depends on
    # whether predict carries the states (see the note below).
    predict_first = st_model.predict(chunks[0], batch_size=2, verbose=0)
    np.testing.assert_allclose(predict_first, p1, rtol=1e-5, atol=1e-6)
    out["close_stateful_predict_first"] = predict_first
    # Keras 3 on JAX keeps RNN states out of the tracked variables, so
    # predict()/fit() start every call from the states held before the call
    # and never write them back; kerasish tracks them as non-trainable
    # variables and carries them through the compiled step, as `stateful`
    # promises (a deliberate difference: reported only).
    out["stateful_predict_second"] = st_model.predict(
        chunks[1], batch_size=2, verbose=0
    )
    out["stateful_non_trainable"] = len(st_model.non_trainable_variables)
    st_layer.reset_state()
    out["same_stateful"].append(bool(all(not np.any(np_(v)) for v in st_layer.states)))
    # batch_shape spelling on a Sequential model, eager calls.
    bs_model = keras.Sequential(
        [
            keras.Input(batch_shape=(3, 5, 4)),
            layers.GRU(2, stateful=True, reset_after=False, name="bs_gru", **R),
        ]
    )
    fill(bs_model)
    first = np_(bs_model(x))
    second = np_(bs_model(x))
    assert not np.allclose(first, second)
    bs_model.layers[0].reset_states()
    out["close_batch_shape_stateful"] = [
        first,
        second,
        np_(bs_model.layers[0].states[0]),
    ]

    # --- 7. Bidirectional: merge modes, return_state, initial_state,
    # backward_layer.
    merged = {}
    bi_w = None
    for mode in ["concat", "sum", "mul", "ave", None]:
        bi = layers.Bidirectional(
            layers.SimpleRNN(3, return_sequences=True, **R),
            merge_mode=mode,
            name=f"bi_{mode}",
        )
        bi.build(x.shape)
        if bi_w is None:
            bi_w = fill(bi)
            bi_info = {"weights": names_shapes(bi)}
        else:
            bi.set_weights(bi_w)
        merged[str(mode)] = bi(x)
        bi_info[str(mode)] = shapes(merged[str(mode)])
    fwd_half, bwd_half = (np_(t) for t in merged["None"])
    np.testing.assert_allclose(
        np_(merged["concat"]), np.concatenate([fwd_half, bwd_half], -1), rtol=1e-6
    )
    np.testing.assert_allclose(
        np_(merged["ave"]), (fwd_half + bwd_half) / 2, rtol=1e-5, atol=1e-6
    )
    out["close_bi_merge_modes"] = flat(list(merged.values()))

    bi_state = layers.Bidirectional(
        layers.GRU(3, return_state=True, **R), merge_mode="ave", name="bi_state"
    )
    bi_state.build(x.shape)
    fill(bi_state)
    g0 = rng.normal(size=(3, 3)).astype("float32")
    bs_res = bi_state(x, initial_state=[h0, g0])
    bi_info["state"] = shapes(list(bs_res))
    out["same_bi"] = bi_info
    out["close_bi_state_init"] = flat(bs_res)

    custom_bwd = layers.Bidirectional(
        layers.LSTM(3, return_sequences=True, name="fwd_lstm", **R),
        backward_layer=layers.GRU(
            3, return_sequences=True, go_backwards=True, name="bwd_gru", **R
        ),
        merge_mode="mul",
        name="bi_custom",
    )
    custom_bwd.build(x.shape)
    fill(custom_bwd)
    cb_out = np_(custom_bwd(x))
    cb_cfg = custom_bwd.get_config()
    cb_summary = [
        cb_cfg["merge_mode"],
        cb_cfg["layer"]["class_name"],
        cb_cfg["backward_layer"]["class_name"],
        cb_cfg["backward_layer"]["config"]["go_backwards"],
    ]
    cb_twin = layers.Bidirectional.from_config(cb_cfg)
    cb_twin.build(x.shape)
    out["same_backward_layer"] = [
        type(custom_bwd.backward_layer).__name__,
        custom_bwd.forward_layer.name,
        custom_bwd.backward_layer.name,
        cb_summary,
        names_shapes(custom_bwd),
        [type(cb_twin.forward_layer).__name__, type(cb_twin.backward_layer).__name__],
        [tuple(w.shape) for w in cb_twin.weights],
    ]
    out["close_backward_layer"] = cb_out

    # --- 8. TimeDistributed(Dense) keeps the time axis and passes the mask.
    td = layers.TimeDistributed(layers.Dense(2), name="td")
    td.build(x.shape)
    fill(td)
    out["close_time_distributed"] = np_(td(x))
    out["same_td_weights"] = [names_shapes(td)]
    out["same_td_weights"].append(np_(td.compute_mask(xm, mask_t)).tolist())

    # --- 9. ConvLSTM1D / ConvLSTM2D (tiny).
    c1 = layers.ConvLSTM1D(2, 3, padding="same", return_sequences=True, name="c1", **R)
    x1 = rng.normal(size=(2, 3, 6, 2)).astype("float32")
    c1.build(x1.shape)
    fill(c1, scale=0.3)
    c1_out = np_(c1(x1))
    conv_info = [names_shapes(c1), c1_out.shape, c1.count_params()]
    out["close_convlstm1d"] = c1_out
    c2 = layers.ConvLSTM2D(2, (2, 2), return_state=True, name="c2", **R)
    x2 = rng.normal(size=(2, 3, 4, 4, 1)).astype("float32")
    c2.build(x2.shape)
    fill(c2, scale=0.3)
    c2_res = c2(x2)
    out["same_convlstm"] = conv_info + [
        names_shapes(c2),
        shapes(list(c2_res)),
        c2.count_params(),
    ]
    out["close_convlstm2d"] = flat(c2_res)

    # --- 10. The guide's encoder-decoder, with the decoder's initial state
    # partly an Input of the Functional model, masking and wrappers, trained
    # a couple of steps.
    enc_in = keras.Input(shape=(None,), dtype="int32", name="enc_in")
    enc_emb = layers.Embedding(10, 4, mask_zero=True, name="enc_emb")(enc_in)
    # A list of cells as the encoder: its states come back per cell.
    enc_res = layers.RNN(
        [layers.SimpleRNNCell(3, **R), layers.LSTMCell(4, **R)],
        return_state=True,
        name="encoder",
    )(enc_emb)
    st_h, st_c = enc_res[-1]
    dec_in = keras.Input(shape=(5, 4), name="dec_in")
    h_in = keras.Input(shape=(4,), name="h_in")
    d = layers.Masking(0.0, name="dec_mask")(dec_in)
    d = layers.Bidirectional(
        layers.GRU(3, return_sequences=True, reset_after=False, **R),
        merge_mode="sum",
        name="dec_bi",
    )(d)
    d = layers.TimeDistributed(layers.Dense(4, activation="tanh"), name="dec_td")(d)
    # A layer called with more than one tensor argument (here the sequences
    # and `initial_state`) gets no `mask` filled in, so this LSTM runs over
    # the padded steps (see `close_functional_mask_with_initial_state`). The
    # decoder returns its sequence, and the stacked RNN after it (one tensor
    # argument: the mask reaches it) reads each sample's last unmasked step.
    d = layers.LSTM(4, return_sequences=True, name="decoder", **R)(
        d, initial_state=[h_in, st_c]
    )
    d = layers.RNN(
        [layers.LSTMCell(3, **R), layers.SimpleRNNCell(2, **R)], name="dec_top"
    )(d)
    s2s = keras.Model([enc_in, dec_in, h_in], layers.Dense(3, name="cls")(d))
    fill(s2s)
    n = 8
    enc_x = rng.integers(1, 10, size=(n, 6)).astype("int32")
    enc_x[1, 4:] = 0
    enc_x[6, 2:] = 0
    dec_x = rng.normal(size=(n, 5, 4)).astype("float32")
    dec_x[2, 3:] = 0.0
    dec_x[5, 1:] = 0.0
    h_x = rng.normal(size=(n, 4)).astype("float32") * 0.5
    s2s_y = rng.integers(0, 3, size=(n,))
    s2s.compile(
        optimizer=keras.optimizers.Adam(0.02),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    feed = [enc_x, dec_x, h_x]
    hist = s2s.fit(feed, s2s_y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    s2s_info = [
        sorted(hist.history),
        [tuple(t.shape) for t in s2s.inputs],
        [(w.path, tuple(w.shape)) for w in s2s.weights],
        s2s.count_params(),
    ]
    out["close_s2s_loss"] = hist.history["loss"]
    out["close_s2s_weights"] = flat(s2s.get_weights())
    s2s_twin = keras.Model.from_config(s2s.get_config())
    out["same_s2s"] = s2s_info + [
        [type(layer).__name__ for layer in s2s_twin.layers],
        [tuple(w.shape) for w in s2s_twin.weights],
    ]

    # --- 11. dropout / recurrent_dropout: configs compared, values reported.
    drop = layers.LSTM(3, dropout=0.25, recurrent_dropout=0.5, name="drop", **R)
    drop.build(x.shape)
    fill(drop)
    d_cfg = drop.get_config()
    out["same_dropout_config"] = [
        d_cfg["dropout"],
        d_cfg["recurrent_dropout"],
        drop.cell.dropout,
        drop.cell.recurrent_dropout,
    ]
    out["dropout_train_out"] = np_(drop(x, training=True))
    return out

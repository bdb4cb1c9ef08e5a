"""`ConvLSTM2D`: a convolutional LSTM over sequences of 2-D inputs."""

from kerasish.layers.rnn.conv_lstm import ConvLSTM
from kerasish.serialization import register_builtin


@register_builtin("layers")
class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM: an LSTM whose transforms are 2D convolutions.

    See `kerasish.layers.rnn.conv_lstm` for the step's formula.

    Args:
        filters: Positive int, channels of the output and of the states.
        kernel_size: Int or tuple of 2 ints, the convolution window.
        strides: Int or tuple of 2 ints, strides of the input convolution
            (`> 1` is incompatible with `dilation_rate > 1`).
        padding: "valid" (default) or "same", for the input convolution.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: Int or tuple of 2 ints, of the input convolution.
        activation: Defaults to "tanh".
        recurrent_activation: Defaults to "sigmoid" (the gates).
        use_bias: Whether to add `bias`.
        kernel_initializer: Defaults to "glorot_uniform".
        recurrent_initializer: Defaults to "orthogonal".
        bias_initializer: Defaults to "zeros".
        unit_forget_bias: Add 1 to the forget gate's bias at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
            activity_regularizer: Penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: Projections.
        dropout: Fraction of the inputs dropped (one mask per gate per sequence).
        recurrent_dropout: Fraction of `h` dropped in the recurrent convolution.
        seed: Integer seed for the dropout masks.
        return_sequences: Return every timestep's output, not only the last.
        return_state: Also return the final states `h, c`.
        go_backwards: Process the sequence backwards.
        stateful: Carry the final states over to the next batch.

    Input shape: `(batch, time, rows, cols, channels)` (channels_last).
    Output shape: `(batch, *new_spatial, filters)`, or with `return_sequences`
    `(batch, time, *new_spatial, filters)`, where `new_spatial` is the input
    convolution's output size.

    Example:
    >>> layer = kerasish.layers.ConvLSTM2D(8, 3)
    >>> layer(np.ones((2, 4, 6, 6, 3), "float32")).shape
    (2, 4, 4, 8)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        **kwargs,
    ):
        super().__init__(
            rank=2,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            **kwargs,
        )

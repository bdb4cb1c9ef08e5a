"""Making new layers via subclassing: weights, build, add_loss, config, training arg."""

import numpy as np


def run(keras, workdir):
    ops = keras.ops

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="zeros", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {"units": self.units}

    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(
                initializer="zeros", shape=(input_dim,), trainable=False
            )

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    class ActivityRegularizationLayer(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = keras.activations.relu(self.linear_1(inputs))
            x = keras.activations.relu(self.linear_2(x))
            return self.linear_3(x)

    class CustomDropout(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs, training=None):
            if training:
                return keras.random.dropout(
                    inputs, rate=self.rate, seed=self.seed_generator
                )
            return inputs

    x = np.ones((2, 2), dtype="float32")
    linear = Linear(4)
    w = np.arange(8, dtype="float32").reshape(2, 4) / 10
    linear(x)
    linear.set_weights([w, np.ones(4, dtype="float32")])
    y = linear(x)

    my_sum = ComputeSum(2)
    my_sum(x)
    total = my_sum(x)

    mlp = MLPBlock()
    mlp(ops.ones(shape=(3, 64)))
    layer = ActivityRegularizationLayer()
    layer(np.full((2, 2), 3.0, dtype="float32"))

    config = Linear(64).get_config()
    new_layer = Linear.from_config(config)

    dropout = CustomDropout(0.5)
    eval_out = dropout(np.ones((4, 4), dtype="float32"), training=False)
    train_out = np.asarray(dropout(np.ones((4, 4), dtype="float32"), training=True))
    assert set(np.unique(train_out)) <= {0.0, 2.0}
    return {
        "close_linear": np.asarray(y),
        "close_total": np.asarray(total),
        "same_mlp_weights": len(mlp.weights),
        "same_mlp_trainable": len(mlp.trainable_weights),
        "same_sum_trainable": len(my_sum.trainable_weights),
        "close_losses": [float(v) for v in layer.losses],
        "same_from_config_units": new_layer.units,
        "close_eval_dropout": np.asarray(eval_out),
    }

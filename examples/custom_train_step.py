"""Custom training in the Keras 3 JAX style: a custom loss, then a tiny GAN.

`compute_loss` and `train_step` are pure functions of the train state; kerasish
compiles them like the built-in ones.

    python examples/custom_train_step.py
"""

import numpy as np

import kerasish as keras
from kerasish import layers, ops
from kerasish.engine import get_engine

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)


# 1. A custom loss: override compute_loss (here a Huber-like loss plus a penalty).
class RobustRegressor(keras.Sequential):
    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        error = ops.abs(y_pred - y)
        huber = ops.where(error < 1.0, 0.5 * error**2, error - 0.5)
        return ops.mean(huber) + 1e-4 * ops.sum(ops.square(self.layers[0].kernel))


x = rng.normal(size=(512, 4)).astype("float32")
y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]]) + 0.1).astype("float32")
y[::50] += 20.0  # outliers the robust loss shrugs off
model = RobustRegressor([keras.Input((4,)), layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(0.05))
model.fit(x, y, epochs=30, batch_size=64, verbose=0)
print("robust fit, learned weights:", np.round(model.get_weights()[0].ravel(), 2))


# 2. A small GAN: override train_step; two models, two optimizers, one pure step.
class GAN(keras.Model):
    def __init__(self, latent_dim=2):
        super().__init__()
        self.latent_dim = latent_dim
        self.generator = keras.Sequential(
            [
                keras.Input((latent_dim,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(2),
            ]
        )
        self.discriminator = keras.Sequential(
            [keras.Input((2,)), layers.Dense(16, activation="relu"), layers.Dense(1)]
        )
        self.seed_generator = keras.random.SeedGenerator(1)

    def call(self, z):
        return self.generator(z)

    def train_step(self, state, data):
        engine = get_engine()
        real = data.x
        batch = real.shape[0]
        n_gen = len(self.generator.trainable_variables)
        noise = keras.random.normal((batch, self.latent_dim), seed=0)
        noise = noise + ops.cast(state.optimizer.iterations, "float32") * 0.0

        def bce(logits, target):
            return ops.mean(ops.binary_crossentropy(target, logits, from_logits=True))

        def d_loss(trainable):
            fake, _ = self.stateless_call(trainable, state.non_trainable, noise)
            disc = (
                lambda v: self.discriminator.stateless_call(  # noqa: E731
                    trainable[n_gen:], [], v
                )[0]
            )
            return bce(disc(real), ops.ones((batch, 1))) + bce(
                disc(ops.stop_gradient(fake)), ops.zeros((batch, 1))
            )

        def g_loss(trainable):
            fake, _ = self.stateless_call(trainable, state.non_trainable, noise)
            logits, _ = self.discriminator.stateless_call(trainable[n_gen:], [], fake)
            return bce(logits, ops.ones((batch, 1)))

        dl, d_grads = engine.value_and_grad(d_loss)(state.trainable)
        gl, g_grads = engine.value_and_grad(g_loss)(state.trainable)
        # Each network is updated by its own loss.
        grads = list(g_grads[:n_gen]) + list(d_grads[n_gen:])
        trainable, opt = self.optimizer.stateless_apply(
            state.optimizer, grads, state.trainable
        )
        trackers, compiled = state.metrics
        mask_count = ops.sum(data.mask)
        trackers = tuple(
            m.update(s, v, sample_weight=mask_count)
            for (_, m), s, v in zip(self._loss_trackers, trackers, [dl + gl])
        )
        return state._replace(
            trainable=trainable, optimizer=opt, metrics=(trackers, compiled)
        )


real_points = (rng.normal(size=(1024, 2)) * 0.3 + np.array([2.0, -1.0])).astype(
    "float32"
)
gan = GAN()
gan.compile(optimizer=keras.optimizers.Adam(2e-3))
gan.fit(real_points, epochs=20, batch_size=128, verbose=0)
samples = gan.predict(rng.normal(size=(500, 2)).astype("float32"), verbose=0)
print(
    "GAN samples mean:",
    np.round(samples.mean(axis=0), 2),
    "(real data mean: [2.0, -1.0])",
)

"""CycleGAN with four optimizers, a packaged Functional subclass, and a Trainer.

In the style of keras.io's "CycleGAN" example, the Keras recipe "Packaging Keras
models for wide distribution using Functional Subclassing" and the recipe
"Trainer pattern", on tiny synthetic 8x8x3 images, written for Keras 3 on JAX:

CycleGAN: two ResNet-style Functional generators (a custom `ReflectionPadding2D`
layer using `ops.pad(mode="reflect")`, Conv2D/Conv2DTranspose, instance norm as
`GroupNormalization(groups=-1)` with a seeded `RandomNormal` gamma initializer,
and one `Activation` layer shared by several blocks) and two PatchGAN
discriminators (a custom `InstanceNormalization` layer, LeakyReLU). A
`CycleGan(keras.Model)` overrides `compile(gen_G_optimizer=..., gen_F_optimizer=...,
disc_X_optimizer=..., disc_Y_optimizer=..., gen_loss_fn=..., disc_loss_fn=...)`
and a JAX `train_step(state, data)` that generalizes the guide's two-optimizer
stateless GAN step to four: `stateless_call` of the four models, adversarial,
cycle and identity losses, all gradients at the same weights (as the example's
persistent GradientTape): the two generators' from one `jax.vjp` pulled back
once per loss, the two discriminators' from one `jax.value_and_grad` of their
summed (independent) losses; then four `optimizer.stateless_apply`. The pure
part is `jax.jit`-compiled, the outer step runs with `jit_compile=False` and
writes the optimizers' variables back; it returns a dict of losses. Kernels
come from a numpy-backed custom Initializer. It is fitted with a weights-only
ModelCheckpoint, a monitor callback and a per-batch loss recorder; the weights
are then scrambled and the first checkpoint loaded back with `load_weights`.

Packaging: `class MyModel(keras.Model)` whose `__init__(num_classes, **kwargs)`
builds a Functional graph and calls `super().__init__(inputs=..., outputs=...)`,
with `get_config`/`from_config`; one subclass relying on auto-config; summary
lines; `.keras` save/load with `custom_objects` and through
`keras.saving.register_keras_serializable`; the missing-class error; and the
subclass called as a layer inside another Functional model, saved and reloaded.

Trainer pattern: `MyTrainer(keras.Model)` wrapping a model (a compiled
Functional subclass and a Sequential), with its own loss and metric objects, a
`compute_loss` override (plus an L2 term read from the wrapped model's weights
inside the stateless step) and `compute_metrics` override, fitted with
validation data and evaluated; the wrapped model is then saved on its own and
reloaded.

All weights compared with `close_` come from numpy seeds.
"""

import io
from contextlib import redirect_stdout

import numpy as np

PKG = "cyclegan_packaging"
IMG = (8, 8, 3)


def _summary_lines(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines).splitlines()


def _seed_weights(model, seed):
    """Sets every weight of `model` from a numpy rng, by the weight's role."""
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        shape = tuple(weight.shape)
        name = weight.name
        if name == "gamma":
            value = 1.0 + 0.1 * rng.normal(size=shape)
        elif name in ("beta", "bias"):
            value = 0.05 * rng.normal(size=shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            value = rng.normal(size=shape) / np.sqrt(fan_in)
        values.append(value.astype("float32"))
    model.set_weights(values)


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error type is the result
        return type(e).__name__
    return "no error"


def _images(seed, n, shift):
    rng = np.random.default_rng(seed)
    base = rng.uniform(-1.0, 1.0, size=(n, *IMG))
    return np.tanh(base + shift).astype("float32")


# --- CycleGAN -------------------------------------------------------------------
def _cyclegan(keras, workdir, jax):
    layers, ops = keras.layers, keras.ops

    class NumpyNormal(keras.initializers.Initializer):
        """The example's RandomNormal(0, 0.02) kernels, drawn with numpy (one
        jax.random compile per kernel shape made building slow)."""

        def __init__(self, stddev=0.02, seed=0):
            self.stddev = stddev
            self.rng = np.random.default_rng(seed)

        def __call__(self, shape, dtype=None):
            value = self.rng.normal(0.0, self.stddev, size=shape)
            return ops.convert_to_tensor(value, dtype=dtype or "float32")

        def get_config(self):
            return {"stddev": self.stddev}

    kernel_init = NumpyNormal(stddev=0.02, seed=1)
    gamma_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02, seed=2)

    class ReflectionPadding2D(layers.Layer):
        """Implements Reflection Padding as a layer."""

        def __init__(self, padding=(1, 1), **kwargs):
            self.padding = tuple(padding)
            super().__init__(**kwargs)

        def call(self, input_tensor, mask=None):
            padding_width, padding_height = self.padding
            padding_tensor = [
                [0, 0],
                [padding_height, padding_height],
                [padding_width, padding_width],
                [0, 0],
            ]
            return ops.pad(input_tensor, padding_tensor, mode="reflect")

        def get_config(self):
            config = super().get_config()
            config.update({"padding": self.padding})
            return config

    class InstanceNormalization(layers.Layer):
        def __init__(self, epsilon=1e-5, gamma_initializer="ones", **kwargs):
            super().__init__(**kwargs)
            self.epsilon = epsilon
            self.gamma_initializer = keras.initializers.get(gamma_initializer)

        def build(self, input_shape):
            channels = input_shape[-1]
            self.gamma = self.add_weight(
                shape=(channels,), initializer=self.gamma_initializer, name="gamma"
            )
            self.beta = self.add_weight(
                shape=(channels,), initializer="zeros", name="beta"
            )

        def call(self, x):
            mean, variance = ops.moments(x, axes=[1, 2], keepdims=True)
            normalized = (x - mean) * ops.rsqrt(variance + self.epsilon)
            return self.gamma * normalized + self.beta

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "epsilon": self.epsilon,
                    "gamma_initializer": keras.initializers.serialize(
                        self.gamma_initializer
                    ),
                }
            )
            return config

    def instance_norm():
        return layers.GroupNormalization(groups=-1, gamma_initializer=gamma_init)

    def residual_block(x, activation, kernel_size=(3, 3)):
        dim = x.shape[-1]
        input_tensor = x
        x = ReflectionPadding2D()(input_tensor)
        x = layers.Conv2D(
            dim, kernel_size, kernel_initializer=kernel_init, use_bias=False
        )(x)
        x = instance_norm()(x)
        x = activation(x)
        x = ReflectionPadding2D()(x)
        x = layers.Conv2D(
            dim, kernel_size, kernel_initializer=kernel_init, use_bias=False
        )(x)
        x = instance_norm()(x)
        return layers.add([input_tensor, x])

    def downsample(x, filters, activation, norm, kernel_size=(3, 3), strides=(2, 2)):
        x = layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            kernel_initializer=kernel_init,
            padding="same",
            use_bias=False,
        )(x)
        x = norm()(x)
        if activation:
            x = activation(x)
        return x

    def upsample(x, filters, activation, kernel_size=(3, 3), strides=(2, 2)):
        x = layers.Conv2DTranspose(
            filters,
            kernel_size,
            strides=strides,
            padding="same",
            kernel_initializer=kernel_init,
            use_bias=False,
        )(x)
        x = instance_norm()(x)
        if activation:
            x = activation(x)
        return x

    def get_resnet_generator(filters=8, num_residual_blocks=2, name=None):
        img_input = layers.Input(shape=IMG, name=name + "_img_input")
        x = ReflectionPadding2D(padding=(3, 3))(img_input)
        x = layers.Conv2D(
            filters, (7, 7), kernel_initializer=kernel_init, use_bias=False
        )(x)
        x = instance_norm()(x)
        x = layers.Activation("relu")(x)
        filters *= 2
        x = downsample(
            x, filters=filters, activation=layers.Activation("relu"), norm=instance_norm
        )
        # As in the example, one activation layer is shared by the blocks.
        shared_relu = layers.Activation("relu")
        for _ in range(num_residual_blocks):
            x = residual_block(x, activation=shared_relu)
        filters //= 2
        x = upsample(x, filters, activation=layers.Activation("relu"))
        x = ReflectionPadding2D(padding=(3, 3))(x)
        x = layers.Conv2D(3, (7, 7), padding="valid", kernel_initializer=kernel_init)(x)
        x = layers.Activation("tanh")(x)
        return keras.models.Model(img_input, x, name=name)

    def get_discriminator(filters=8, name=None):
        img_input = layers.Input(shape=IMG, name=name + "_img_input")
        x = layers.Conv2D(
            filters,
            (4, 4),
            strides=(2, 2),
            padding="same",
            kernel_initializer=kernel_init,
        )(img_input)
        x = layers.LeakyReLU(0.2)(x)
        num_filters = filters
        for num_downsample_block in range(2):
            num_filters *= 2
            x = downsample(
                x,
                filters=num_filters,
                activation=layers.LeakyReLU(0.2),
                norm=lambda: InstanceNormalization(gamma_initializer=gamma_init),
                kernel_size=(4, 4),
                strides=(2, 2) if num_downsample_block == 0 else (1, 1),
            )
        x = layers.Conv2D(
            1, (4, 4), strides=(1, 1), padding="same", kernel_initializer=kernel_init
        )(x)
        return keras.models.Model(inputs=img_input, outputs=x, name=name)

    def make_models(seed):
        gen_G = get_resnet_generator(name="generator_G")
        gen_F = get_resnet_generator(name="generator_F")
        disc_X = get_discriminator(name="discriminator_X")
        disc_Y = get_discriminator(name="discriminator_Y")
        for i, model in enumerate((gen_G, gen_F, disc_X, disc_Y)):
            _seed_weights(model, seed + i)
        return gen_G, gen_F, disc_X, disc_Y

    loss_names = ("G_loss", "F_loss", "D_X_loss", "D_Y_loss")

    class CycleGan(keras.Model):
        def __init__(
            self,
            generator_G,
            generator_F,
            discriminator_X,
            discriminator_Y,
            lambda_cycle=10.0,
            lambda_identity=0.5,
        ):
            super().__init__()
            self.gen_G = generator_G
            self.gen_F = generator_F
            self.disc_X = discriminator_X
            self.disc_Y = discriminator_Y
            self.lambda_cycle = lambda_cycle
            self.lambda_identity = lambda_identity

        def call(self, inputs):
            return (
                self.disc_X(inputs),
                self.disc_Y(inputs),
                self.gen_G(inputs),
                self.gen_F(inputs),
            )

        def compile(
            self,
            gen_G_optimizer,
            gen_F_optimizer,
            disc_X_optimizer,
            disc_Y_optimizer,
            gen_loss_fn,
            disc_loss_fn,
        ):
            # The step applies the four optimizers itself and writes their
            # variables back, so the outer step runs without jit; the pure part
            # is compiled with jax.jit below.
            super().compile(jit_compile=False)
            self.gen_G_optimizer = gen_G_optimizer
            self.gen_F_optimizer = gen_F_optimizer
            self.disc_X_optimizer = disc_X_optimizer
            self.disc_Y_optimizer = disc_Y_optimizer
            self.generator_loss_fn = gen_loss_fn
            self.discriminator_loss_fn = disc_loss_fn
            self.cycle_loss_fn = keras.losses.MeanAbsoluteError()
            self.identity_loss_fn = keras.losses.MeanAbsoluteError()
            for optimizer, model in zip(self._optimizers(), self._models()):
                optimizer.build(model.trainable_variables)
            self._jitted_step = jax.jit(self.cycle_step)

        def _models(self):
            return (self.gen_G, self.gen_F, self.disc_X, self.disc_Y)

        def _optimizers(self):
            return (
                self.gen_G_optimizer,
                self.gen_F_optimizer,
                self.disc_X_optimizer,
                self.disc_Y_optimizer,
            )

        @staticmethod
        def _run(model, values, x):
            out, _ = model.stateless_call(values[0], values[1], x, training=True)
            return out

        def generator_losses(
            self, g_trainable, f_trainable, model_vars, real_x, real_y
        ):
            """The generators' losses, differentiable in both generators."""
            g = (g_trainable, model_vars[0][1])
            f = (f_trainable, model_vars[1][1])
            dx, dy = model_vars[2], model_vars[3]
            run = self._run
            # Horse to fake zebra, zebra to fake horse.
            fake_y = run(self.gen_G, g, real_x)
            fake_x = run(self.gen_F, f, real_y)
            # Cycle: fake zebra back to horse, fake horse back to zebra.
            cycled_x = run(self.gen_F, f, fake_y)
            cycled_y = run(self.gen_G, g, fake_x)
            # Identity mapping.
            same_x = run(self.gen_F, f, real_x)
            same_y = run(self.gen_G, g, real_y)
            # The discriminators on the fakes.
            disc_fake_x = run(self.disc_X, dx, fake_x)
            disc_fake_y = run(self.disc_Y, dy, fake_y)

            gen_G_loss = self.generator_loss_fn(disc_fake_y)
            gen_F_loss = self.generator_loss_fn(disc_fake_x)
            cycle_loss_G = self.cycle_loss_fn(real_y, cycled_y) * self.lambda_cycle
            cycle_loss_F = self.cycle_loss_fn(real_x, cycled_x) * self.lambda_cycle
            id_weight = self.lambda_cycle * self.lambda_identity
            id_loss_G = self.identity_loss_fn(real_y, same_y) * id_weight
            id_loss_F = self.identity_loss_fn(real_x, same_x) * id_weight
            total_loss_G = gen_G_loss + cycle_loss_G + id_loss_G
            total_loss_F = gen_F_loss + cycle_loss_F + id_loss_F
            aux = {
                "fake_x": fake_x,
                "fake_y": fake_y,
                "cycle_loss": cycle_loss_G + cycle_loss_F,
                "identity_loss": id_loss_G + id_loss_F,
            }
            return (total_loss_G, total_loss_F), aux

        def discriminator_losses(self, d_trainables, model_vars, data):
            """Each discriminator's loss depends only on its own weights, so the
            gradient of the sum gives each one its own gradient."""
            real_x, real_y, fake_x, fake_y = data
            dx = (d_trainables[0], model_vars[2][1])
            dy = (d_trainables[1], model_vars[3][1])
            run = self._run
            disc_X_loss = self.discriminator_loss_fn(
                run(self.disc_X, dx, real_x), run(self.disc_X, dx, fake_x)
            )
            disc_Y_loss = self.discriminator_loss_fn(
                run(self.disc_Y, dy, real_y), run(self.disc_Y, dy, fake_y)
            )
            return disc_X_loss + disc_Y_loss, (disc_X_loss, disc_Y_loss)

        def cycle_step(self, model_vars, opt_vars, real_x, real_y):
            trainables = [values[0] for values in model_vars]
            # One forward pass of the generators, pulled back once per loss:
            # the four-model version of the guide's value_and_grad.
            (loss_G, loss_F), pullback, aux = jax.vjp(
                lambda g, f: self.generator_losses(g, f, model_vars, real_x, real_y),
                trainables[0],
                trainables[1],
                has_aux=True,
            )
            one, zero = ops.ones_like(loss_G), ops.zeros_like(loss_G)
            grads_G = pullback((one, zero))[0]
            grads_F = pullback((zero, one))[1]
            # The discriminators see the fakes as constants.
            fakes = (aux["fake_x"], aux["fake_y"])
            (_, (disc_X_loss, disc_Y_loss)), (grads_X, grads_Y) = jax.value_and_grad(
                self.discriminator_losses, has_aux=True
            )(trainables[2:], model_vars, (real_x, real_y, *fakes))

            new_vars, new_opt_vars = [], []
            all_grads = (grads_G, grads_F, grads_X, grads_Y)
            for i, optimizer in enumerate(self._optimizers()):
                trainable, opt = optimizer.stateless_apply(
                    opt_vars[i], all_grads[i], trainables[i]
                )
                new_vars.append((trainable, model_vars[i][1]))
                new_opt_vars.append(opt)
            logs = {
                "G_loss": loss_G,
                "F_loss": loss_F,
                "D_X_loss": disc_X_loss,
                "D_Y_loss": disc_Y_loss,
                "cycle_loss": aux["cycle_loss"],
                "identity_loss": aux["identity_loss"],
            }
            return logs, new_vars, new_opt_vars

        def train_step(self, state, data):
            trainable, non_trainable, optimizer_variables, metrics_variables = state
            trainable, non_trainable = list(trainable), list(non_trainable)
            real_x, real_y = data
            t_pos = {id(v): i for i, v in enumerate(self.trainable_variables)}
            n_pos = {id(v): i for i, v in enumerate(self.non_trainable_variables)}
            slots = [
                (
                    [t_pos[id(v)] for v in model.trainable_variables],
                    [n_pos[id(v)] for v in model.non_trainable_variables],
                )
                for model in self._models()
            ]
            model_vars = [
                ([trainable[i] for i in t], [non_trainable[i] for i in n])
                for t, n in slots
            ]
            opt_vars = [
                [v.value for v in optimizer.variables]
                for optimizer in self._optimizers()
            ]
            logs, new_vars, new_opt_vars = self._jitted_step(
                model_vars, opt_vars, real_x, real_y
            )
            for (t, n), (t_values, n_values) in zip(slots, new_vars):
                for i, value in zip(t, t_values):
                    trainable[i] = value
                for i, value in zip(n, n_values):
                    non_trainable[i] = value
            for optimizer, values in zip(self._optimizers(), new_opt_vars):
                for variable, value in zip(optimizer.variables, values):
                    variable.assign(value)
            return logs, (
                trainable,
                non_trainable,
                optimizer_variables,
                metrics_variables,
            )

    # Loss function for evaluating adversarial loss.
    adv_loss_fn = keras.losses.MeanSquaredError()

    def generator_loss_fn(fake):
        return adv_loss_fn(ops.ones_like(fake), fake)

    def discriminator_loss_fn(real, fake):
        real_loss = adv_loss_fn(ops.ones_like(real), real)
        fake_loss = adv_loss_fn(ops.zeros_like(fake), fake)
        return (real_loss + fake_loss) * 0.5

    class GANMonitor(keras.callbacks.Callback):
        """Records what gen_G makes of a fixed image after each epoch."""

        def __init__(self, image):
            super().__init__()
            self.image = image
            self.outputs = []

        def on_epoch_end(self, epoch, logs=None):
            prediction = self.model.gen_G.predict(self.image, verbose=0)
            self.outputs.append(np.asarray(prediction))

    class BatchLosses(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.losses = []

        def on_train_batch_end(self, batch, logs=None):
            self.losses.append([float(logs[name]) for name in loss_names])

    out = {}
    x_images = _images(10, 8, -0.3)
    # Domain Y: brighter and channel-swapped.
    y_images = _images(11, 8, 0.4)[..., ::-1].copy()
    probe = _images(12, 1, 0.0)

    gen_G, gen_F, disc_X, disc_Y = make_models(100)
    out["same_gen_summary"] = _summary_lines(gen_G)
    out["same_disc_summary"] = _summary_lines(disc_X)
    out["same_gen_params"] = (gen_G.count_params(), disc_X.count_params())
    out["same_gen_weight_paths"] = [w.path for w in gen_F.weights]
    out["same_pad_config"] = {
        k: v
        for k, v in gen_G.layers[1].get_config().items()
        if k in ("padding", "name", "trainable")
    }
    out["same_disc_out_shape"] = tuple(disc_Y.output.shape)
    out["same_gen_config"] = gen_G.get_config()
    norms = [
        layer
        for layer in disc_X.layers + gen_G.layers
        if type(layer).__name__ in ("InstanceNormalization", "GroupNormalization")
    ]
    out["same_norm_configs"] = [
        (type(layer).__name__, layer.get_config()) for layer in (norms[0], norms[-1])
    ]
    out["close_gen_G_forward"] = np.asarray(gen_G.predict(probe, verbose=0))
    out["close_disc_X_forward"] = np.asarray(disc_X.predict(x_images[:2], verbose=0))

    cycle_gan_model = CycleGan(
        generator_G=gen_G,
        generator_F=gen_F,
        discriminator_X=disc_X,
        discriminator_Y=disc_Y,
    )
    optimizers = [keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5) for _ in "GFXY"]
    cycle_gan_model.compile(
        gen_G_optimizer=optimizers[0],
        gen_F_optimizer=optimizers[1],
        disc_X_optimizer=optimizers[2],
        disc_Y_optimizer=optimizers[3],
        gen_loss_fn=generator_loss_fn,
        disc_loss_fn=discriminator_loss_fn,
    )
    ckpt = str(workdir / "cyclegan_checkpoints.{epoch:03d}.weights.h5")
    monitor = GANMonitor(probe)
    batch_losses = BatchLosses()
    history = cycle_gan_model.fit(
        x_images,
        y_images,
        batch_size=4,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[
            monitor,
            batch_losses,
            keras.callbacks.ModelCheckpoint(filepath=ckpt, save_weights_only=True),
        ],
    )
    losses = np.array(batch_losses.losses)
    assert losses.shape == (4, 4) and np.all(np.isfinite(losses))
    # The generators' total (cycle-dominated) losses go down in four steps.
    assert losses[-1, 0] < losses[0, 0] and losses[-1, 1] < losses[0, 1]
    out["same_history_keys"] = sorted(history.history)
    out["close_batch_losses"] = losses
    out["close_history_cycle_identity"] = [
        history.history["cycle_loss"],
        history.history["identity_loss"],
    ]
    out["same_optimizer_iterations"] = [int(o.iterations) for o in optimizers]
    out["close_monitor_outputs"] = np.stack(monitor.outputs)
    out["close_disc_Y_after"] = np.asarray(disc_Y.predict(y_images[:2], verbose=0))
    out["same_checkpoints"] = sorted(p.name for p in workdir.glob("cyclegan_*"))

    # Scramble the weights, then load the first epoch's checkpoint back, as the
    # example reloads its checkpoints.
    for i, model in enumerate((gen_G, gen_F, disc_X, disc_Y)):
        _seed_weights(model, 200 + i)
    scrambled = gen_G.predict(probe, verbose=0)
    cycle_gan_model.load_weights(str(workdir / "cyclegan_checkpoints.001.weights.h5"))
    restored_out = gen_G.predict(probe, verbose=0)
    assert not np.allclose(scrambled, restored_out)
    np.testing.assert_allclose(restored_out, monitor.outputs[0], atol=1e-5)
    out["close_restored_gen_G"] = np.asarray(restored_out)
    return out


# --- Functional subclassing -------------------------------------------------------
def _packaging(keras, workdir):
    layers = keras.layers
    register = keras.saving.register_keras_serializable

    def build_graph(num_classes, hidden):
        inputs = keras.Input(shape=IMG, name="image")
        x = layers.Conv2D(8, 3, activation="relu", name="conv")(inputs)
        x = layers.GlobalAveragePooling2D(name="pool")(x)
        x = layers.Dense(hidden, activation="relu", name="hidden")(x)
        outputs = layers.Dense(num_classes, activation="softmax", name="probs")(x)
        return inputs, outputs

    class MyModel(keras.Model):
        """Functional subclass, not registered: loading needs custom_objects."""

        def __init__(self, num_classes, hidden=16, **kwargs):
            inputs, outputs = build_graph(num_classes, hidden)
            super().__init__(inputs=inputs, outputs=outputs, **kwargs)
            self.num_classes = num_classes
            self.hidden = hidden

        def get_config(self):
            return {
                "num_classes": self.num_classes,
                "hidden": self.hidden,
                "name": self.name,
            }

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    @register(package=PKG, name="RegisteredModel")
    class RegisteredModel(keras.Model):
        def __init__(self, num_classes, hidden=16, **kwargs):
            inputs, outputs = build_graph(num_classes, hidden)
            super().__init__(inputs=inputs, outputs=outputs, **kwargs)
            self.num_classes = num_classes
            self.hidden = hidden

        def get_config(self):
            return {
                "num_classes": self.num_classes,
                "hidden": self.hidden,
                "name": self.name,
            }

    class AutoConfigModel(keras.Model):
        """No get_config: the constructor's plain arguments are captured."""

        def __init__(self, num_classes, hidden=16, **kwargs):
            inputs, outputs = build_graph(num_classes, hidden)
            super().__init__(inputs=inputs, outputs=outputs, **kwargs)

    out = {}
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, size=(32, *IMG)).astype("float32")
    y = (x[..., 0].mean(axis=(1, 2)) > x[..., 1].mean(axis=(1, 2))).astype("int32")
    y = y + (x[..., 2].mean(axis=(1, 2)) > 0.05).astype("int32")

    model = MyModel(num_classes=3, name="packaged")
    _seed_weights(model, 7)
    out["same_summary"] = _summary_lines(model)
    out["same_params"] = model.count_params()
    out["same_layer_names"] = [layer.name for layer in model.layers]
    out["same_config"] = model.get_config()
    out["same_io_shapes"] = (tuple(model.input.shape), tuple(model.output.shape))
    probs = model.predict(x[:4], verbose=0)
    out["close_predict"] = np.asarray(probs)

    clone = MyModel.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    out["same_clone"] = (type(clone).__name__, clone.name, clone.num_classes)
    out["close_clone_predict"] = np.asarray(clone.predict(x[:4], verbose=0))

    auto = AutoConfigModel(num_classes=2, hidden=4, name="auto")
    # Keras captures no constructor argument of a Functional subclass, so the
    # config lacks num_classes and from_config fails: hence the recipe's
    # get_config/from_config.
    auto_config = auto.get_config()
    out["same_auto_config_keys"] = sorted(auto_config)
    out["same_auto_from_config"] = _error(
        lambda: AutoConfigModel.from_config(auto_config)
    )

    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    out["close_fit_loss"] = history.history["loss"]
    out["same_fit_keys"] = sorted(history.history)

    # Save and load with custom_objects.
    path = workdir / "packaged.keras"
    model.save(path)
    try:
        keras.saving.load_model(path)
        out["same_load_without_custom_objects"] = "no error"
    except TypeError as error:  # Keras's type for a class it cannot locate
        out["same_load_without_custom_objects"] = ("TypeError", "MyModel" in str(error))
    loaded = keras.saving.load_model(path, custom_objects={"MyModel": MyModel})
    out["same_loaded"] = (type(loaded).__name__, loaded.name, loaded.num_classes)
    out["close_loaded_predict"] = np.asarray(loaded.predict(x[:4], verbose=0))
    np.testing.assert_allclose(
        out["close_loaded_predict"], model.predict(x[:4], verbose=0), rtol=1e-6
    )
    out["same_loaded_compiled"] = (
        loaded.compiled,
        type(loaded.optimizer).__name__,
    )

    # Registered: loads without custom_objects.
    registered = RegisteredModel(num_classes=3, name="registered")
    _seed_weights(registered, 8)
    out["same_registered_name"] = keras.saving.get_registered_name(RegisteredModel)
    reg_path = workdir / "registered.keras"
    registered.save(reg_path)
    reg_loaded = keras.saving.load_model(reg_path)
    out["same_reg_loaded"] = (type(reg_loaded).__name__, reg_loaded.name)
    out["close_reg_loaded_predict"] = np.asarray(reg_loaded.predict(x[:4], verbose=0))
    serialized = keras.saving.serialize_keras_object(registered)
    out["same_reg_serialized"] = (
        serialized["class_name"],
        serialized.get("registered_name"),
        serialized["config"],
    )

    # The packaged model called as a layer in another Functional model.
    inputs = keras.Input(shape=IMG, name="outer_image")
    features = registered(inputs)
    score = layers.Dense(1, name="score")(features)
    outer = keras.Model(inputs, [features, score], name="outer")
    outer.get_layer("score").set_weights(
        [np.array([[0.5], [-1.0], [2.0]], "float32"), np.array([0.1], "float32")]
    )
    out["same_outer_summary"] = _summary_lines(outer)
    out["same_outer_layers"] = [
        (layer.name, type(layer).__name__) for layer in outer.layers
    ]
    out["same_outer_config"] = outer.get_config()
    out["same_registered_lookup"] = keras.saving.get_registered_object(
        "cyclegan_packaging>RegisteredModel"
    ).__name__
    outer_out = outer.predict(x[:4], verbose=0)
    out["close_outer_predict_features"] = np.asarray(outer_out[0])
    out["close_outer_predict_score"] = np.asarray(outer_out[1])
    outer_path = workdir / "outer.keras"
    outer.save(outer_path)
    outer_loaded = keras.saving.load_model(outer_path)
    out["same_outer_loaded_layers"] = [
        (layer.name, type(layer).__name__) for layer in outer_loaded.layers
    ]
    outer_loaded_out = outer_loaded.predict(x[:4], verbose=0)
    out["close_outer_loaded_predict_score"] = np.asarray(outer_loaded_out[1])
    return out, model, (x, y)


# --- Trainer pattern ---------------------------------------------------------------
def _trainer(keras, workdir, packaged_model, data):
    layers, ops = keras.layers, keras.ops
    x, y = data

    class MyTrainer(keras.Model):
        def __init__(self, model, l2=1e-3, **kwargs):
            super().__init__(**kwargs)
            self.model = model
            self.l2 = l2
            # Create loss and metrics here.
            self.loss_fn = keras.losses.SparseCategoricalCrossentropy()
            self.accuracy_metric = keras.metrics.SparseCategoricalAccuracy(
                name="trainer_accuracy"
            )

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            loss = self.loss_fn(y, y_pred, sample_weight)
            penalty = sum(
                ops.sum(ops.square(w))
                for w in self.model.trainable_weights
                if w.name == "kernel"
            )
            return loss + self.l2 * penalty

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            self.accuracy_metric.update_state(y, y_pred, sample_weight)
            return super().compute_metrics(x, y, y_pred, sample_weight)

        def call(self, x):
            # Equivalent to `call()` of the wrapped keras.Model
            return self.model(x)

    out = {}
    x_val, y_val = x[24:], y[24:]

    # Trainer 1 wraps the (already compiled and fitted) packaged model.
    weights_before = packaged_model.get_weights()
    trainer_1 = MyTrainer(packaged_model, name="trainer_1")
    trainer_1.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    out["known_trainer_metrics_before_fit"] = [m.name for m in trainer_1.metrics]
    history = trainer_1.fit(
        x[:24],
        y[:24],
        batch_size=8,
        epochs=3,
        shuffle=False,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    out["same_trainer_keys"] = sorted(history.history)
    out["close_trainer_history"] = [
        [float(v) for v in vs] for _, vs in sorted(history.history.items())
    ]
    out["same_trainer_metrics"] = [m.name for m in trainer_1.metrics]
    evaluated = trainer_1.evaluate(
        x_val, y_val, batch_size=8, verbose=0, return_dict=True
    )
    out["same_trainer_evaluate_keys"] = sorted(evaluated)
    out["close_trainer_evaluate"] = [float(evaluated[k]) for k in sorted(evaluated)]
    out["same_trainer_weights_shared"] = len(trainer_1.weights) == len(
        packaged_model.weights
    ) and all(
        not np.array_equal(a, b)
        for a, b in zip(weights_before, packaged_model.get_weights())
    )

    # Trainer 2 wraps a Sequential model.
    model_b = keras.Sequential(
        [
            keras.Input(shape=IMG),
            layers.Flatten(),
            layers.Dense(8, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ],
        name="model_b",
    )
    _seed_weights(model_b, 9)
    trainer_2 = MyTrainer(model_b, l2=0.0, name="trainer_2")
    trainer_2.compile(optimizer=keras.optimizers.Adam(1e-2))
    history_2 = trainer_2.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    out["same_trainer_2_keys"] = sorted(history_2.history)
    out["close_trainer_2_history"] = [
        [float(v) for v in vs] for _, vs in sorted(history_2.history.items())
    ]
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        trainer_2.summary()
    out["same_trainer_2_summary"] = buffer.getvalue().splitlines()

    # The wrapped model is saved on its own (not the trainer) and reloaded.
    path = workdir / "wrapped_model_b.keras"
    trainer_2.model.save(path)
    reloaded = keras.saving.load_model(path)
    out["same_reloaded_b"] = (
        type(reloaded).__name__,
        reloaded.name,
        [layer.name for layer in reloaded.layers],
    )
    out["close_reloaded_b_predict"] = np.asarray(reloaded.predict(x[:4], verbose=0))
    np.testing.assert_allclose(
        out["close_reloaded_b_predict"],
        trainer_2.predict(x[:4], verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )
    return out


def run(keras, workdir):
    import jax

    keras.utils.set_random_seed(0)
    out = {}
    out.update(_cyclegan(keras, workdir, jax))
    packaging_out, packaged_model, data = _packaging(keras, workdir)
    out.update(packaging_out)
    out.update(_trainer(keras, workdir, packaged_model, data))
    return out

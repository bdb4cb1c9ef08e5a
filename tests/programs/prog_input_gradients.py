"""keras.io's examples that differentiate with respect to the input image, in their
JAX form (jax.grad / jax.value_and_grad over a function that calls the model).

Neural style transfer: a VGG16 (weights=None, include_top=False, any input size)
turned into a feature extractor `keras.Model(inputs=base.inputs, outputs={name:
layer.output})`, Gram matrices, content/style/total-variation losses, the image a
`keras.Variable` optimized by SGD with an ExponentialDecay schedule through
`optimizer.apply_gradients`, then `optimizer.apply`. DeepDream: a small convnet's
dict-output extractor, gradient ascent with normalized gradients, octaves through
`ops.image.resize` and lost-detail re-injection. Integrated gradients (zero and
random baselines, trapezoidal mean of the gradients), vanilla/SmoothGrad
saliency. Filter visualization: activation maximization with l2-normalized
gradients under `jax.jit`. Images go through save_img/load_img/img_to_array/
array_to_img in workdir; the applications' preprocess_input modes are compared,
including their in-place edit of float numpy input and their errors.
"""

import io

import numpy as np


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error itself is the result
        return type(e).__name__, str(e)
    return None


def _seed_weights(model, rng, gain=2.0):
    """He-like normal kernels and small biases, from a numpy RNG."""
    new = []
    for w in model.get_weights():
        if w.ndim >= 2:
            scale = np.sqrt(gain / np.prod(w.shape[:-1]))
            new.append((scale * rng.standard_normal(size=w.shape)).astype("float32"))
        else:
            new.append((0.05 * rng.standard_normal(size=w.shape)).astype("float32"))
    model.set_weights(new)


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *a, **k: lines.append(line))
    return "\n".join(lines)


def _synthetic_photo(rng, h, w, kind):
    """A 'photo' (uint8 RGB) with gradients, stripes or blobs."""
    yy, xx = np.mgrid[0:h, 0:w].astype("float32")
    if kind == "content":
        r = 255 * xx / (w - 1)
        g = 255 * yy / (h - 1)
        b = 128 + 100 * np.sin(xx / 3.0) * np.cos(yy / 4.0)
    else:
        r = 128 + 120 * np.sin((xx + yy) / 2.0)
        g = 128 + 120 * np.cos(xx / 1.5)
        b = 128 + 120 * np.sin(yy / 2.5)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 8, size=(h, w, 3))
    return np.clip(img, 0, 255).astype("uint8")


# --------------------------------------------------------------------------
# Neural style transfer
# --------------------------------------------------------------------------
def _style_transfer(keras, workdir, out):
    import jax

    ops, vgg16 = keras.ops, keras.applications.vgg16
    rng = np.random.default_rng(0)
    base_image_path = str(workdir / "paris.png")
    style_reference_image_path = str(workdir / "starry_night.jpg")
    result_prefix = str(workdir / "paris_generated")
    keras.utils.save_img(base_image_path, _synthetic_photo(rng, 48, 64, "content"))
    keras.utils.save_img(
        style_reference_image_path, _synthetic_photo(rng, 40, 40, "style")
    )

    # Weights of the different loss components
    total_variation_weight = 1e-6
    style_weight = 1e-6
    content_weight = 2.5e-8

    # Dimensions of the generated picture.
    width, height = keras.utils.load_img(base_image_path).size
    img_nrows = 32
    img_ncols = int(width * img_nrows / height)
    out["same_nst_sizes"] = [width, height, img_nrows, img_ncols]

    def preprocess_image(image_path):
        # Util function to open, resize and format pictures into appropriate tensors
        img = keras.utils.load_img(image_path, target_size=(img_nrows, img_ncols))
        img = keras.utils.img_to_array(img)
        img = np.expand_dims(img, axis=0)
        img = vgg16.preprocess_input(img)
        return ops.convert_to_tensor(img)

    def deprocess_image(x):
        # Util function to convert a tensor into a valid image
        x = np.array(x).reshape((img_nrows, img_ncols, 3))
        # Remove zero-center by mean pixel
        x[:, :, 0] += 103.939
        x[:, :, 1] += 116.779
        x[:, :, 2] += 123.68
        # 'BGR'->'RGB'
        x = x[:, :, ::-1]
        x = np.clip(x, 0, 255).astype("uint8")
        return x

    def gram_matrix(x):
        x = ops.transpose(x, (2, 0, 1))
        features = ops.reshape(x, (ops.shape(x)[0], -1))
        gram = ops.matmul(features, ops.transpose(features))
        return gram

    def style_loss(style, combination):
        S = gram_matrix(style)
        C = gram_matrix(combination)
        channels = 3
        size = img_nrows * img_ncols
        return ops.sum(ops.square(S - C)) / (4.0 * (channels**2) * (size**2))

    def content_loss(base, combination):
        return ops.sum(ops.square(combination - base))

    def total_variation_loss(x):
        a = ops.square(
            x[:, : img_nrows - 1, : img_ncols - 1, :] - x[:, 1:, : img_ncols - 1, :]
        )
        b = ops.square(
            x[:, : img_nrows - 1, : img_ncols - 1, :] - x[:, : img_nrows - 1, 1:, :]
        )
        return ops.sum(ops.power(a + b, 1.25))

    # Build a VGG16 model (weights=None here, set from a seeded RNG instead).
    model = vgg16.VGG16(weights=None, include_top=False)
    _seed_weights(model, np.random.default_rng(1))
    # Get the symbolic outputs of each "key" layer (we gave them unique names).
    outputs_dict = dict([(layer.name, layer.output) for layer in model.layers])
    # Set up a model that returns the activation values for every layer in
    # VGG16 (as a dict).
    feature_extractor = keras.Model(inputs=model.inputs, outputs=outputs_dict)
    out["same_nst_model_input"] = tuple(model.input.shape)
    out["same_nst_extractor_outputs"] = {
        k: tuple(v.shape) for k, v in feature_extractor.output.items()
    }
    out["same_nst_extractor_params"] = feature_extractor.count_params()
    out["same_nst_extractor_summary"] = _summary(feature_extractor)

    # List of layers to use for the style loss (the first three blocks: on a
    # CPU, compiling the gradient through blocks 4-5 takes far longer).
    style_layer_names = [
        "block1_conv1",
        "block2_conv1",
        "block3_conv1",
    ]
    # The layer to use for the content loss.
    content_layer_name = "block3_conv2"

    trainable_variables = [v.value for v in feature_extractor.trainable_variables]
    non_trainable_variables = [
        v.value for v in feature_extractor.non_trainable_variables
    ]

    def compute_loss(combination_image, base_image, style_reference_image):
        input_tensor = ops.concatenate(
            [base_image, style_reference_image, combination_image], axis=0
        )
        features, _ = feature_extractor.stateless_call(
            trainable_variables, non_trainable_variables, input_tensor
        )
        # Initialize the loss
        loss = ops.zeros(shape=())
        # Add content loss
        layer_features = features[content_layer_name]
        base_image_features = layer_features[0, :, :, :]
        combination_features = layer_features[2, :, :, :]
        loss = loss + content_weight * content_loss(
            base_image_features, combination_features
        )
        # Add style loss
        for layer_name in style_layer_names:
            layer_features = features[layer_name]
            style_reference_features = layer_features[1, :, :, :]
            combination_features = layer_features[2, :, :, :]
            sl = style_loss(style_reference_features, combination_features)
            loss += (style_weight / len(style_layer_names)) * sl
        # Add total variation loss
        loss += total_variation_weight * total_variation_loss(combination_image)
        return loss

    compute_loss_and_grads = jax.jit(jax.value_and_grad(compute_loss))

    optimizer = keras.optimizers.SGD(
        keras.optimizers.schedules.ExponentialDecay(
            initial_learning_rate=100.0, decay_steps=2, decay_rate=0.5
        )
    )
    base_image = preprocess_image(base_image_path)
    style_reference_image = preprocess_image(style_reference_image_path)
    combination_image = keras.Variable(preprocess_image(base_image_path))
    out["same_nst_variable"] = [
        tuple(combination_image.shape),
        str(combination_image.dtype),
        bool(combination_image.trainable),
    ]
    out["close_nst_base_image"] = ops.convert_to_numpy(base_image)[0, :4, :4]

    # Each term of the loss at the start (the combination is the base image).
    features = feature_extractor(
        ops.concatenate([base_image, style_reference_image], axis=0)
    )
    out["close_nst_gram_block1"] = ops.convert_to_numpy(
        gram_matrix(features["block1_conv1"][1])
    )[:4, :4]
    out["close_nst_style_terms"] = [
        float(style_loss(features[name][1], features[name][0]))
        for name in style_layer_names
    ]
    out["close_nst_tv_loss"] = float(total_variation_loss(base_image))

    losses = []
    iterations = 3
    for i in range(1, iterations + 1):
        loss, grads = compute_loss_and_grads(
            combination_image.value, base_image, style_reference_image
        )
        if i == 1:
            out["close_nst_first_grads"] = ops.convert_to_numpy(grads)[0, 10:13, 10:13]
        optimizer.apply_gradients([(grads, combination_image)])
        losses.append(float(loss))
        if i % 2 == 0:
            img = deprocess_image(ops.convert_to_numpy(combination_image))
            fname = result_prefix + f"_at_iteration_{i}.png"
            keras.utils.save_img(fname, img)
    assert losses[-1] < losses[0], losses
    out["close_nst_losses"] = losses
    out["close_nst_combination"] = ops.convert_to_numpy(combination_image)[0, 5:8, 5:8]
    out["close_nst_learning_rate"] = float(
        ops.convert_to_numpy(optimizer.learning_rate)
    )
    out["same_nst_iterations"] = int(ops.convert_to_numpy(optimizer.iterations))
    config = optimizer.get_config()
    out["same_nst_optimizer_config"] = {
        k: config[k] for k in ("name", "learning_rate", "momentum", "nesterov")
    }
    reloaded = keras.utils.load_img(result_prefix + "_at_iteration_2.png")
    out["same_nst_result_image"] = keras.utils.img_to_array(reloaded, dtype="uint8")[
        :3, :3
    ].tolist()

    # `optimizer.apply` takes the gradients and the variables separately.
    opt2 = keras.optimizers.SGD(learning_rate=0.5, momentum=0.9)
    image = keras.Variable(np.zeros((1, 4, 4, 3), "float32"), name="image")
    target = np.linspace(-1, 1, 48, dtype="float32").reshape(1, 4, 4, 3)
    sq_losses = []
    for _ in range(3):
        loss, grads = jax.value_and_grad(lambda x: ops.mean(ops.square(x - target)))(
            image.value
        )
        opt2.apply([grads], [image])
        sq_losses.append(float(loss))
    out["close_apply_losses"] = sq_losses
    out["close_apply_image"] = ops.convert_to_numpy(image)[0, 0]
    out["same_apply_variable"] = [image.name, image.path, len(opt2.variables)]
    out["same_apply_wrong_shape"] = _error(
        lambda: image.assign(np.zeros((1, 4, 4), "float32"))
    )[0]
    return feature_extractor


# --------------------------------------------------------------------------
# A small convnet classifier (DeepDream, integrated gradients, saliency)
# --------------------------------------------------------------------------
def _small_convnet(keras):
    # The weights are set from a seeded RNG below: zeros initializers skip
    # building random initializers for nothing.
    layers = keras.layers
    init = {"kernel_initializer": "zeros"}
    inputs = keras.Input(shape=(None, None, 3), name="image")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale")(inputs)
    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="mixed0", **init)(x)
    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="mixed1", **init)(x)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="mixed2", **init)(
        x
    )
    x = layers.Conv2D(16, 3, padding="same", activation="tanh", name="mixed3", **init)(
        x
    )
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(4, activation="softmax", name="predictions", **init)(x)
    model = keras.Model(inputs, outputs, name="small_convnet")
    _seed_weights(model, np.random.default_rng(2))
    return model


def _deep_dream(keras, workdir, model, out):
    import jax

    ops, inception_v3 = keras.ops, keras.applications.inception_v3
    rng = np.random.default_rng(4)
    base_image_path = str(workdir / "sky.jpg")
    keras.utils.save_img(base_image_path, _synthetic_photo(rng, 40, 40, "content"))
    result_prefix = str(workdir / "sky_dream")

    # These are the names of the layers for which we try to maximize activation,
    # as well as their weight in the final loss we try to maximize.
    layer_settings = {"mixed1": 1.0, "mixed2": 1.5, "mixed3": 2.0}

    # Playing with these hyperparameters will also allow you to achieve new effects
    step = 0.01  # Gradient ascent step size
    num_octave = 3  # Number of scales at which to run gradient ascent
    octave_scale = 1.4  # Size ratio between scales
    iterations = 4  # Number of ascent steps per scale
    max_loss = 15.0

    def preprocess_image(image_path):
        # Util function to open, resize and format pictures
        # into appropriate arrays.
        img = keras.utils.load_img(image_path)
        img = keras.utils.img_to_array(img)
        img = np.expand_dims(img, axis=0)
        img = inception_v3.preprocess_input(img)
        return img

    def deprocess_image(x):
        # Util function to convert a NumPy array into a valid image.
        x = x.reshape((x.shape[1], x.shape[2], 3))
        # Undo inception v3 preprocessing
        x /= 2.0
        x += 0.5
        x *= 255.0
        # Convert to uint8 and clip to the valid range [0, 255]
        x = np.clip(x, 0, 255).astype("uint8")
        return x

    # The model expects pixels in [0, 255]: undo the [-1, 1] scaling first.
    inputs = keras.Input(shape=(None, None, 3))
    pixels = keras.layers.Rescaling(127.5, offset=127.5, name="to_pixels")(inputs)
    dream_model = keras.Model(inputs, model(pixels), name="dream_model")
    # Get the symbolic outputs of each "key" layer (we gave them unique names).
    outputs_dict = dict(
        [
            (layer.name, layer.output)
            for layer in [model.get_layer(name) for name in layer_settings.keys()]
        ]
    )
    # Set up a model that returns the activation values for every target layer
    # (as a dict)
    feature_extractor = keras.Model(inputs=model.inputs, outputs=outputs_dict)
    out["same_dd_extractor_layers"] = [layer.name for layer in feature_extractor.layers]
    layer_errors = [
        _error(lambda: model.get_layer("mixed9")),
        _error(lambda: model.get_layer(index=20)),
        _error(lambda: model.get_layer()),
    ]
    out["same_dd_get_layer_error_types"] = [e[0] for e in layer_errors]
    out["same_dd_get_layer_error_messages"] = [e[1] for e in layer_errors]
    out["same_dd_dream_model_layers"] = [
        type(layer).__name__ for layer in dream_model.layers
    ]

    def compute_loss(input_image):
        features = feature_extractor(input_image * 127.5 + 127.5)
        # Initialize the loss
        loss = ops.zeros(shape=())
        for name in features.keys():
            coeff = layer_settings[name]
            activation = features[name]
            # We avoid border artifacts by only involving non-border pixels
            # in the loss.
            scaling = ops.prod(ops.cast(ops.shape(activation), "float32"))
            loss += coeff * ops.sum(ops.square(activation[:, 2:-2, 2:-2, :])) / scaling
        return loss

    @jax.jit
    def gradient_ascent_step(img, learning_rate):
        loss, grads = jax.value_and_grad(compute_loss)(img)
        # Normalize gradients.
        grads /= ops.maximum(ops.mean(ops.abs(grads)), 1e-6)
        img += learning_rate * grads
        return loss, img

    losses = []

    def gradient_ascent_loop(img, iterations, learning_rate, max_loss=None):
        for _ in range(iterations):
            loss, img = gradient_ascent_step(img, learning_rate)
            if max_loss is not None and loss > max_loss:
                break
            losses.append(float(loss))
        return img

    original_img = preprocess_image(base_image_path)
    original_shape = original_img.shape[1:3]

    successive_shapes = [original_shape]
    for i in range(1, num_octave):
        shape = tuple([int(dim / (octave_scale**i)) for dim in original_shape])
        successive_shapes.append(shape)
    successive_shapes = successive_shapes[::-1]
    out["same_dd_shapes"] = [tuple(int(d) for d in s) for s in successive_shapes]
    shrunk_original_img = ops.image.resize(original_img, successive_shapes[0])

    img = ops.convert_to_tensor(np.copy(original_img))
    octave_losses = []
    for shape in successive_shapes:
        img = ops.image.resize(img, shape)
        start = len(losses)
        img = gradient_ascent_loop(
            img, iterations=iterations, learning_rate=step, max_loss=max_loss
        )
        octave_losses.append(losses[start:])
        upscaled_shrunk_original_img = ops.image.resize(shrunk_original_img, shape)
        same_size_original = ops.image.resize(original_img, shape)
        lost_detail = same_size_original - upscaled_shrunk_original_img

        img += lost_detail
        shrunk_original_img = ops.image.resize(original_img, shape)
    for octave in octave_losses:
        assert len(octave) == iterations and octave[-1] > octave[0], octave_losses

    keras.utils.save_img(
        result_prefix + ".png", deprocess_image(np.array(ops.convert_to_numpy(img)))
    )
    dream = keras.utils.img_to_array(keras.utils.load_img(result_prefix + ".png"))
    out["close_dd_octave_losses"] = octave_losses
    out["close_dd_image"] = ops.convert_to_numpy(img)[0, 18:21, 18:21]
    out["same_dd_result_shape"] = dream.shape
    out["close_dd_resize_methods"] = [
        ops.convert_to_numpy(
            ops.image.resize(original_img[:, :8, :8], (5, 5), interpolation=m)
        )[0, :2, :2]
        for m in ("bilinear", "nearest", "bicubic", "lanczos3")
    ]
    out["close_dd_dream_model_scores"] = ops.convert_to_numpy(dream_model(img))


def _integrated_gradients(keras, model, out):
    import jax

    ops = keras.ops
    rng = np.random.default_rng(6)
    img_size = (24, 24, 3)
    img = _synthetic_photo(rng, 24, 24, "style").astype("float32")
    img_array = np.expand_dims(img, axis=0)
    preds = model.predict(img_array, verbose=0)
    top_pred_idx = int(np.argmax(preds[0]))
    out["close_ig_preds"] = preds

    @jax.jit
    @jax.grad
    def class_gradients(images, class_index):
        preds = model(images)
        return ops.sum(preds[:, class_index])

    def get_gradients(img_input, top_pred_idx):
        """Gradients of the top class score with respect to the images."""
        images = ops.convert_to_tensor(img_input, "float32")
        return class_gradients(images, top_pred_idx)

    def get_integrated_gradients(img_input, top_pred_idx, baseline=None, num_steps=20):
        # If baseline is not provided, start with a black image
        # having same size as the input image.
        if baseline is None:
            baseline = np.zeros(img_size).astype(np.float32)
        else:
            baseline = baseline.astype(np.float32)

        # 1. Do interpolation.
        img_input = img_input.astype(np.float32)
        interpolated_image = [
            baseline + (step / num_steps) * (img_input - baseline)
            for step in range(num_steps + 1)
        ]
        interpolated_image = np.array(interpolated_image).astype(np.float32)

        # 2. Get the gradients (the whole path as one batch).
        grads = get_gradients(interpolated_image, top_pred_idx=top_pred_idx)

        # 3. Approximate the integral using the trapezoidal rule
        grads = (grads[:-1] + grads[1:]) / 2.0
        avg_grads = ops.mean(grads, axis=0)

        # 4. Calculate integrated gradients and return
        integrated_grads = (img_input - baseline) * avg_grads
        return integrated_grads

    def random_baseline_integrated_gradients(
        img_input, top_pred_idx, num_steps=20, num_runs=2
    ):
        # 1. List to keep track of Integrated Gradients (IG) for all the images
        integrated_grads = []
        # 2. Get the integrated gradients for all the baselines
        for _ in range(num_runs):
            baseline = rng.random(img_size) * 255
            igrads = get_integrated_gradients(
                img_input=img_input,
                top_pred_idx=top_pred_idx,
                baseline=baseline,
                num_steps=num_steps,
            )
            integrated_grads.append(igrads)
        # 3. Return the average integrated gradients for the image
        integrated_grads = ops.stack(integrated_grads)
        return ops.mean(integrated_grads, axis=0)

    ig_black = get_integrated_gradients(img, top_pred_idx)
    ig_random = random_baseline_integrated_gradients(img, top_pred_idx)
    # Completeness: the attributions add up to f(x) - f(baseline).
    black_pred = model.predict(np.zeros((1,) + img_size, "float32"), verbose=0)
    gap = float(preds[0, top_pred_idx] - black_pred[0, top_pred_idx])
    total = float(ops.sum(ig_black))
    assert abs(total - gap) < 0.05 * abs(gap) + 1e-3, (total, gap)
    out["close_ig_gap_and_total"] = [gap, total]
    # The attribution mask the guide draws: sum over channels, clip, normalize.
    attributions = np.abs(ops.convert_to_numpy(ig_random)).sum(axis=-1)
    attributions = np.clip(attributions / attributions.max(), 0, 1)
    out["close_ig_black"] = ops.convert_to_numpy(ig_black)[8:11, 8:11].ravel()
    out["close_ig_random_mask"] = attributions[::6, ::6]

    # Vanilla gradients, gradient x input and SmoothGrad.
    grads = get_gradients(img_array, top_pred_idx)
    saliency = ops.max(ops.abs(grads), axis=-1)[0]
    noise = rng.normal(0, 10.0, size=(21,) + img_size).astype("float32")
    smooth = ops.mean(get_gradients(img_array + noise, top_pred_idx), axis=0)
    out["close_saliency"] = ops.convert_to_numpy(saliency)[::4, ::4]
    out["close_grad_x_input"] = float(ops.sum(grads * img_array))
    out["close_smoothgrad"] = ops.convert_to_numpy(ops.mean(smooth, axis=-1))[::6, ::6]
    out["same_grads_dtype_shape"] = [str(grads.dtype), tuple(grads.shape)]
    # The guides edit `x.numpy()` / `convert_to_numpy(x)` results in place.
    out["same_convert_to_numpy_writeable"] = [
        bool(ops.convert_to_numpy(grads).flags.writeable),
        bool(ops.convert_to_numpy(model.weights[0]).flags.writeable),
    ]


def _filter_visualization(keras, workdir, vgg_extractor, out):
    import jax

    ops = keras.ops
    # The dimensions of our input image
    img_width = 32
    img_height = 32
    # Our target layer: we will visualize the filters from this layer.
    layer_name = "block3_conv1"
    # Set up a model that returns the activation values for our target layer
    layer = vgg_extractor.get_layer(name=layer_name)
    feature_extractor = keras.Model(inputs=vgg_extractor.inputs, outputs=layer.output)
    out["same_fv_extractor"] = [
        len(feature_extractor.layers),
        tuple(feature_extractor.output.shape),
    ]

    def compute_loss(input_image, filter_index):
        activation = feature_extractor(input_image)
        # We avoid border artifacts by only involving non-border pixels in the loss.
        filter_activation = activation[:, 2:-2, 2:-2, filter_index]
        return ops.mean(filter_activation)

    @jax.jit
    def gradient_ascent_step(img, filter_index, learning_rate):
        loss, grads = jax.value_and_grad(compute_loss)(img, filter_index)
        # Normalize gradients.
        grads = grads / ops.sqrt(ops.maximum(ops.sum(ops.square(grads)), 1e-12))
        img += learning_rate * grads
        return loss, img

    rng = np.random.default_rng(8)

    def initialize_image():
        # We start from a gray image with some random noise
        img = rng.uniform(size=(1, img_width, img_height, 3)).astype("float32")
        # The VGG expects inputs in the range [-128, 128] (caffe preprocessing);
        # we scale our random inputs to [-0.125, +0.125] * 255
        return (img - 0.5) * 0.25 * 255

    def visualize_filter(filter_index):
        # We run gradient ascent for 8 steps
        iterations = 8
        learning_rate = 100.0
        img = initialize_image()
        first = None
        for _ in range(iterations):
            loss, img = gradient_ascent_step(img, filter_index, learning_rate)
            first = float(loss) if first is None else first
        # Decode the resulting input image
        img = deprocess_image(np.array(ops.convert_to_numpy(img[0])))
        return [first, float(loss)], img

    def deprocess_image(img):
        # Normalize array: center on 0., ensure variance is 0.15
        img -= img.mean()
        img /= img.std() + 1e-5
        img *= 0.15
        # Center crop
        img = img[4:-4, 4:-4, :]
        # Clip to [0, 1]
        img += 0.5
        img = np.clip(img, 0, 1)
        # Convert to RGB array
        img *= 255
        img = np.clip(img, 0, 255).astype("uint8")
        return img

    all_losses = []
    all_imgs = []
    for filter_index in range(4):
        losses, img = visualize_filter(filter_index)
        assert losses[1] > losses[0], losses
        all_losses.append(losses)
        all_imgs.append(img)
    # Build a black picture with enough space for our 2 x 2 filters of size
    # 24 x 24, with a 2px margin in between
    margin = 2
    n = 2
    cropped_width = img_width - 4 * 2
    cropped_height = img_height - 4 * 2
    width = n * cropped_width + (n - 1) * margin
    height = n * cropped_height + (n - 1) * margin
    stitched_filters = np.zeros((width, height, 3))
    # Fill the picture with our saved filters
    for i in range(n):
        for j in range(n):
            img = all_imgs[i * n + j]
            stitched_filters[
                (cropped_width + margin) * i : (cropped_width + margin) * i
                + cropped_width,
                (cropped_height + margin) * j : (cropped_height + margin) * j
                + cropped_height,
                :,
            ] = img
    keras.utils.save_img(str(workdir / "stitched_filters.png"), stitched_filters)
    out["close_fv_losses"] = all_losses
    out["same_fv_stitched"] = keras.utils.img_to_array(
        keras.utils.load_img(str(workdir / "stitched_filters.png"))
    ).shape
    out["fv_pixels"] = [int(im.astype("int64").sum()) for im in all_imgs]


def _image_utils(keras, workdir, out):
    utils = keras.utils
    rng = np.random.default_rng(9)
    photo = _synthetic_photo(rng, 12, 16, "content")
    path = str(workdir / "photo.png")
    utils.save_img(path, photo)
    img = utils.load_img(path)
    out["same_img_mode_size"] = [img.mode, img.size]
    array = utils.img_to_array(img)
    assert np.array_equal(array, photo.astype("float32"))
    out["same_img_to_array"] = [str(array.dtype), array.shape]
    out["same_img_channels_first"] = utils.img_to_array(
        img, data_format="channels_first", dtype="uint8"
    ).shape
    gray = utils.load_img(path, color_mode="grayscale", target_size=(6, 8))
    out["same_img_gray"] = utils.img_to_array(gray).astype("int64").tolist()
    rgba = utils.load_img(path, color_mode="rgba")
    out["same_img_rgba"] = [rgba.mode, utils.img_to_array(rgba).shape]
    for interpolation in ("nearest", "bilinear", "bicubic"):
        resized = utils.load_img(path, target_size=(5, 7), interpolation=interpolation)
        out[f"same_img_resized_{interpolation}"] = (
            utils.img_to_array(resized).astype("int64").sum(axis=(0, 1)).tolist()
        )
    kept = utils.load_img(path, target_size=(8, 8), keep_aspect_ratio=True)
    out["same_img_keep_aspect"] = utils.img_to_array(kept)[0].astype("int64").tolist()
    # array_to_img scales a float image to [0, 255] unless scale=False.
    floats = rng.uniform(-1, 1, size=(4, 4, 3)).astype("float32")
    scaled = utils.img_to_array(utils.array_to_img(floats))
    out["same_array_to_img_scaled"] = scaled.astype("int64").tolist()
    unscaled = utils.array_to_img(photo.astype("float32"), scale=False)
    out["same_array_to_img_unscaled"] = [unscaled.mode, unscaled.size]
    single = utils.array_to_img(photo[..., :1].astype("float32"))
    out["same_array_to_img_single_channel"] = single.mode
    utils.save_img(str(workdir / "photo.jpg"), photo, scale=False)
    jpg = utils.load_img(str(workdir / "photo.jpg"))
    out["same_img_jpg_roundtrip_shape"] = utils.img_to_array(jpg).shape
    out["same_array_to_img_2d_error"] = _error(
        lambda: utils.array_to_img(np.zeros((4, 4), "float32"))
    )


def _preprocess_inputs(keras, out):
    apps, ops = keras.applications, keras.ops
    rng = np.random.default_rng(10)
    batch = rng.uniform(0, 255, size=(2, 4, 4, 3)).astype("float32")
    modules = {
        "vgg16": apps.vgg16,
        "resnet50": apps.resnet50,
        "inception_v3": apps.inception_v3,
        "xception": apps.xception,
        "densenet": apps.densenet,
        "mobilenet_v3": apps.mobilenet_v3,
        "mobilenet_v2": apps.mobilenet_v2,
        "efficientnet": apps.efficientnet,
        "resnet_v2": apps.resnet_v2,
    }
    for name, module in modules.items():
        copy = batch.copy()
        result = module.preprocess_input(copy)
        out[f"close_preprocess_{name}"] = np.asarray(result)[0, 0]
        # Keras edits float numpy input in place (except for the identity ones).
        out[f"same_preprocess_{name}_edits_input"] = bool(
            not np.array_equal(copy, batch)
        )
    tensor_result = apps.vgg16.preprocess_input(ops.convert_to_tensor(batch))
    out["close_preprocess_vgg16_tensor"] = ops.convert_to_numpy(tensor_result)[0, 0]
    ints = apps.imagenet_utils.preprocess_input(batch.astype("uint8")[0], mode="torch")
    out["same_preprocess_uint8_dtype"] = str(ints.dtype)
    out["close_preprocess_torch_single"] = ints[0]
    first = apps.vgg16.preprocess_input(
        np.transpose(batch, (0, 3, 1, 2)).copy(), data_format="channels_first"
    )
    out["close_preprocess_channels_first"] = first[0, :, 0, 0]
    out["same_preprocess_bad_mode"] = _error(
        lambda: apps.imagenet_utils.preprocess_input(batch.copy(), mode="bogus")
    )
    out["same_preprocess_bad_format"] = _error(
        lambda: apps.vgg16.preprocess_input(batch.copy(), data_format="nhwc")
    )
    out["same_decode_predictions_error"] = _error(
        lambda: apps.vgg16.decode_predictions(np.zeros((2, 10), "float32"))
    )


def run(keras, workdir):
    keras.utils.set_random_seed(0)
    out = {}
    vgg_extractor = _style_transfer(keras, workdir, out)
    _filter_visualization(keras, workdir, vgg_extractor, out)
    model = _small_convnet(keras)
    out["same_convnet_summary"] = _summary(model)
    _deep_dream(keras, workdir, model, out)
    _integrated_gradients(keras, model, out)
    _image_utils(keras, workdir, out)
    _preprocess_inputs(keras, out)

    # The feature extractor with dict outputs survives config and .keras round trips.
    extractor = keras.Model(
        inputs=model.input,
        outputs={name: model.get_layer(name).output for name in ("mixed0", "mixed3")},
    )
    probe = np.random.default_rng(12).uniform(0, 255, (1, 12, 12, 3)).astype("float32")
    expected = {k: keras.ops.convert_to_numpy(v) for k, v in extractor(probe).items()}
    clone = keras.Model.from_config(extractor.get_config())
    clone.set_weights(extractor.get_weights())
    path = workdir / "extractor.keras"
    extractor.save(path)
    loaded = keras.saving.load_model(path)
    for other in (clone, loaded):
        got = other(probe)
        assert sorted(got) == sorted(expected), sorted(got)
        for k in expected:
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(got[k]), expected[k], rtol=1e-5, atol=1e-6
            )
    config = extractor.get_config()
    out["same_extractor_config_outputs"] = config["output_layers"]
    out["same_extractor_loaded_outputs"] = {
        k: tuple(v.shape) for k, v in loaded.output.items()
    }
    out["close_extractor_mixed3"] = expected["mixed3"][0, :3, :3, 0]
    buf = io.StringIO()
    buf.write(_summary(loaded))
    out["same_extractor_loaded_summary"] = buf.getvalue()
    return out

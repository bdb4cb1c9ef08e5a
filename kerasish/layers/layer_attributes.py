"""Keras `Layer` attributes that user code reads, beside the core in `layer.py`.

`Layer` inherits them from `LayerAttributes`; anything `Layer` itself defines
wins, so this module only fills gaps in the surface Keras 3 offers.
"""

import inspect


class LayerAttributes:
    """Keras's public `Layer` attributes that the core class does not define."""

    supports_jit = True  # every kerasish layer can run inside `jit`

    @property
    def path(self):
        """The layer's path once built (`None` before), the prefix of its
        variables' paths (`"dense"` -> `"dense/kernel"`)."""
        return self.name if self.built else None

    @property
    def input_dtype(self):
        """The dtype inputs are converted to: the compute dtype."""
        return self.compute_dtype

    @property
    def activity_regularizer(self):
        """The regularizer applied to the outputs, or `None`."""
        return self.__dict__.get("_activity_regularizer")

    @activity_regularizer.setter
    def activity_regularizer(self, value):
        from kerasish import regularizers

        self._activity_regularizer = regularizers.get(value)

    @property
    def call_signature_parameters(self):
        """Names of `call`'s parameters, as Keras lists them."""
        return [n for n in inspect.signature(self.call).parameters if n != "self"]

    @property
    def metrics(self):
        """Metric objects held as attributes by this layer and its sublayers."""
        from kerasish.metrics.metric import Metric

        found = []
        for layer in self._flatten_layers():
            for value in vars(layer).values():
                values = value if isinstance(value, list | tuple) else [value]
                found += [m for m in values if isinstance(m, Metric) and m not in found]
        return found

    @property
    def metrics_variables(self):
        """The variables of `metrics`."""
        return [v for m in self.metrics for v in m.variables]

    def add_metric(self, *args, **kwargs):
        raise NotImplementedError(
            f"Layer '{self.name}': `add_metric()` was removed in Keras 3. Create a "
            "metric in `__init__`/`build` and call `metric.update_state()` in "
            "`call`, or pass it to `Model.compile(metrics=[...])`."
        )

    def symbolic_call(self, *args, **kwargs):
        """The output spec for symbolic inputs (`compute_output_spec`)."""
        return self.compute_output_spec(*args, **kwargs)

    def get_build_config(self):
        """`{"input_shape": ...}` (or `{"shapes_dict": ...}`) the layer was built
        with, or `None` if it was never built."""
        shapes = getattr(self, "_build_shapes_dict", None)
        if not shapes:
            return None
        if len(shapes) == 1:
            return {"input_shape": tuple(shapes.values())[0]}
        return {"shapes_dict": dict(shapes)}

    def build_from_config(self, config):
        """Builds the layer from `get_build_config()`'s dict."""
        if not config:
            return
        if "input_shape" in config:
            self.build(config["input_shape"])
        elif "shapes_dict" in config:
            self.build(**config["shapes_dict"])

    def save_own_variables(self, store):
        """Writes this layer's own variables into `store` under "0", "1", ..."""
        own = self._trainable_variables + self._non_trainable_variables
        for i, variable in enumerate(own):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Assigns this layer's own variables from `store` ("0", "1", ...)."""
        own = self._trainable_variables + self._non_trainable_variables
        if len(store.keys()) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} variables, received "
                f"{len(store.keys())} while loading. Expected: "
                f"{[v.name for v in own]}."
            )
        for i, variable in enumerate(own):
            variable.assign(store[str(i)])

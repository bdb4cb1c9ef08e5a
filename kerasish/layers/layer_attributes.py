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

    def symbolic_call(self, *args, **kwargs):
        """The output spec for symbolic inputs (`compute_output_spec`)."""
        return self.compute_output_spec(*args, **kwargs)

"""Keras's subclassing API for optimizers, run as a pure update rule.

A Keras user writes an optimizer as

```python
class MySGD(kerasish.optimizers.Optimizer):
    def build(self, variables):
        super().build(variables)
        self.momentums = [
            self.add_variable_from_reference(v, name="momentum") for v in variables
        ]

    def update_step(self, gradient, variable, learning_rate):
        m = self.momentums[self._get_variable_index(variable)]
        self.assign(m, m * 0.9 - gradient * learning_rate)
        self.assign_add(variable, m)
```

kerasish keeps its state as data, so such an optimizer becomes one more rule of the
engine's pipeline (`RULES["callback"]`): the variables made in `build` are its
slots, and each step runs `update_step` for every weight inside a
`StatelessScope` that maps the model's weights and the slot variables to the
traced values, then reads back what `assign` recorded. Clipping, weight decay,
EMA, gradient accumulation and the learning-rate schedule stay the pipeline's,
as in Keras's `BaseOptimizer.apply`.
"""

from kerasish import initializers
from kerasish.engine import get_engine
from kerasish.variables import StatelessScope, Variable


class SlotVariable(Variable):
    """A variable made by `add_variable`: its initial value until the optimizer's
    state exists, then a live view of its slot in `optimizer.state`."""

    def __init__(self, optimizer, index, *args, **kwargs):
        self._optimizer = optimizer
        self._index = index
        self._initial = None
        super().__init__(*args, **kwargs)

    def _slots(self):
        state = self._optimizer._state
        if state is None:
            return None
        return self._optimizer._lr_state().slots

    @property
    def _value(self):
        slots = self._slots()
        if slots is None:
            return self._initial
        return slots["variables"][self._index]

    @_value.setter
    def _value(self, value):
        slots = self._slots()
        if slots is None:
            self._initial = value
            return
        new = list(slots["variables"])
        new[self._index] = value
        state = self._optimizer._lr_state()
        slots = {**slots, "variables": new}
        self._optimizer._set_lr_state(state._replace(slots=slots))


class KerasSubclassing:
    """The `Optimizer` methods a Keras subclass calls: `add_variable`,
    `add_variable_from_reference`, `add_optimizer_variables`,
    `_get_variable_index`, and the `update_step` it overrides."""

    def update_step(self, gradient, variable, learning_rate):
        """Override to write an optimizer the Keras way: update `variable` (and
        the slots made in `build`) with `self.assign`/`assign_add`/`assign_sub`."""
        raise NotImplementedError(
            f"{type(self).__name__}.update_step is not implemented. A custom "
            "optimizer overrides `build(variables)` (creating slots with "
            "`add_variable_from_reference`) and `update_step(gradient, variable, "
            "learning_rate)`."
        )

    @classmethod
    def _is_subclassed(cls):
        """Whether the class defines its math through Keras's `update_step`."""
        return cls._rule_name is None and cls.update_step is not (
            KerasSubclassing.update_step
        )

    def _var_key(self, variable):
        return id(variable)

    def _get_variable_index(self, variable):
        """The position of `variable` in the list the optimizer was built for."""
        try:
            return self._trainable_variables_indices[self._var_key(variable)]
        except KeyError:
            raise ValueError(
                f"Optimizer '{self.name}': unknown variable "
                f"{getattr(variable, 'path', variable)!r}; it was not in the list "
                "passed to `build`."
            ) from None

    def add_variable(
        self,
        shape,
        initializer="zeros",
        dtype=None,
        aggregation="none",
        layout=None,
        name=None,
    ):
        """Adds a slot variable (part of the optimizer's state) and returns it."""
        if not self._is_subclassed():
            raise ValueError(
                f"Optimizer '{self.name}' ({type(self).__name__}): `add_variable` "
                "is for optimizers that override `update_step`; built-in "
                "optimizers keep their slots in `optimizer.state`."
            )
        if self._state is not None:
            raise ValueError(
                f"Optimizer '{self.name}': `add_variable` can only be called in "
                "`build`, before the optimizer's state is created."
            )
        name = name or "variable"
        variable = SlotVariable(
            self,
            len(self._slot_variables),
            initializers.get(initializer),
            shape=tuple(shape),
            dtype=dtype,
            trainable=False,
            aggregation=aggregation,
            layout=layout,
            name=name,
            path=f"{self.name}/{name}",
        )
        self._slot_variables.append(variable)
        return variable

    def add_variable_from_reference(
        self, reference_variable, name=None, initializer="zeros"
    ):
        """A slot variable shaped like `reference_variable`, named
        `"{reference path with _}_{name}"` as in Keras."""
        name = name or "var"
        path = getattr(reference_variable, "path", None)
        if path is not None:
            prefix = path.replace("/", "_")
        else:
            prefix = str(reference_variable.name).replace("/", "_").replace(":", "_")
        return self.add_variable(
            shape=reference_variable.shape,
            initializer=initializer,
            dtype=reference_variable.dtype,
            name=f"{prefix}_{name}",
        )

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable for `name` (a string), or a tuple of lists for a
        list of names (interleaved per variable, as Keras creates them)."""
        names = [name] if isinstance(name, str) else list(name)
        inits = (
            [initializer] * len(names)
            if isinstance(initializer, str) or not isinstance(initializer, list)
            else list(initializer)
        )
        if len(inits) != len(names):
            raise ValueError(
                f"Optimizer '{self.name}': {len(names)} names but {len(inits)} "
                "initializers were given to `add_optimizer_variables`; pass one "
                "initializer or one per name."
            )
        lists = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, (n, init) in enumerate(zip(names, inits)):
                lists[i].append(
                    self.add_variable_from_reference(variable, n, initializer=init)
                )
        return lists[0] if isinstance(name, str) else lists

    # -- the rule ----------------------------------------------------------------
    def _subclass_rule(self):
        def init_slots(params):
            del params
            return [v._initial for v in self._slot_variables]

        rule = get_engine().optimizers.RULES["callback"]
        return rule(self._run_update_steps, init_slots)

    def _run_update_steps(self, grads, slots, params, *, learning_rate, count):
        variables = self._trainable_variables
        mapping = [*zip(variables, params), *zip(self._slot_variables, slots)]
        self._traced = {"iterations": count, "learning_rate": learning_rate}
        try:
            with StatelessScope(mapping) as scope:
                for gradient, variable in zip(grads, variables):
                    self.update_step(gradient, variable, learning_rate)
                new_params = [scope.get(v) for v in variables]
                new_slots = [scope.get(v) for v in self._slot_variables]
        finally:
            self._traced = None
        return new_params, new_slots

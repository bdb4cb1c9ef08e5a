"""A recurrent cell's non-trainable state, carried through the time loop.

A cell whose sub-layers write state while they run (a `MultiHeadAttention`
with dropout advances its seed generator, a `BatchNormalization` updates its
moving statistics) would write it inside the loop's traced body, where the
values cannot leave (Keras 3 fails there with a leaked tracer). Here the
cell's non-trainable variables ride in the loop's carry: each step reads them
from the carry and hands on what it wrote, and the variables take the last
step's values after the loop.
"""

from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.variables import StatelessScope, current_scope


def _current(variable):
    """The variable's value where the loop starts (an outer step's value)."""
    scope = current_scope()
    value = None if scope is None else scope.get(variable)
    return variable._value if value is None else value


def carry_cell_state(cell, body, carry, xs):
    """`(body, carry, finish)`: `body` and `carry` with the cell's
    non-trainable values added to the carry, and `finish(final_carry)`, which
    assigns what the steps wrote and returns the loop's own final carry.

    Sub-layers first built by the cell's call are built before the loop, by
    one abstract step whose writes are dropped, so their state is carried from
    the first call on."""
    if any(not layer.built for layer in cell._flatten_layers()):
        first = tree.map_structure(lambda a: a[0], xs)
        with StatelessScope():
            get_engine().eval_shape(body, carry, first)
    variables = list({id(v): v for v in cell.non_trainable_variables}.values())
    if not variables:
        return body, carry, lambda final: final
    reads = [(v, _current(v)) for v in cell.trainable_variables]
    written = set()

    def threaded(full_carry, x):
        inner, values = full_carry
        with StatelessScope(reads + list(zip(variables, values))) as scope:
            new_inner, out = body(inner, x)
        written.update(scope.assigned)
        new_values = tuple(scope.get(v) for v in variables)
        return (new_inner, new_values), out

    def finish(final):
        inner, values = final
        for variable, value in zip(variables, values):
            if id(variable) in written:
                variable.assign(value)
        return inner

    start = tuple(_current(v) for v in variables)
    return threaded, (carry, start), finish

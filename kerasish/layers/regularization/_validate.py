"""Argument checks shared by the regularization layers."""


def check_rate(layer: str, name: str, value, allow_one: bool = False):
    """`value` as a float in [0, 1) (or [0, 1] when `allow_one`)."""
    ok = not isinstance(value, bool) and isinstance(value, int | float)
    if ok:
        ok = 0 <= value <= 1 if allow_one else 0 <= value < 1
    if not ok:
        interval = "[0, 1]" if allow_one else "[0, 1)"
        raise ValueError(
            f"{layer}: `{name}` must be a float in {interval}, got {value!r}."
        )
    return float(value)


def check_seed(layer: str, seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"{layer}: `seed` must be an int or None, got {seed!r}.")
    return seed

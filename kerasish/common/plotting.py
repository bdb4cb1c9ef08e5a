"""`plot_history`: loss and metric curves of a `fit`, train vs validation."""

import os


def _pyplot_free_figure():
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            "plot_history needs matplotlib. Install it with "
            '`pip install "kerasish[plot]"` (or `pip install matplotlib`).'
        ) from e
    return Figure


def _history_dict(history):
    if isinstance(history, dict):
        return history
    values = getattr(history, "history", None)
    if isinstance(values, dict):
        return values
    raise TypeError(
        "plot_history expects the `History` returned by `model.fit` (or its "
        f"`.history` dict), got {type(history).__name__}: {history!r}."
    )


def plot_history(
    history,
    metrics=None,
    to_file=None,
    figsize=None,
    dpi=100,
    title=None,
):
    """Draws one panel per metric: the training curve and its `val_` twin.

    Args:
        history: The `History` returned by `fit`, or its `.history` dict.
        metrics: Names to draw (without `val_`), e.g. `["loss", "accuracy"]`.
            Defaults to every training metric in the history.
        to_file: If given, the figure is saved there (format from the
            extension: `.png`, `.pdf`, `.svg`).
        figsize: `(width, height)` in inches; defaults to 5 x 3.5 per panel.
        dpi: Resolution of the saved file.
        title: A title above the panels.

    Returns:
        The matplotlib `Figure` (no window is opened).

    Example:
    >>> history = model.fit(x, y, validation_split=0.2, epochs=10)  # doctest: +SKIP
    >>> kerasish.utils.plot_history(history, to_file="history.png")  # doctest: +SKIP
    """
    Figure = _pyplot_free_figure()
    logs = _history_dict(history)
    available = [k for k in logs if not k.startswith("val_")]
    if metrics is None:
        metrics = available or [k.removeprefix("val_") for k in logs]
    elif isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    if not metrics:
        raise ValueError(
            "plot_history: the history is empty; train with `fit` (epochs >= 1) "
            "before plotting."
        )
    for name in metrics:
        if name not in logs and f"val_{name}" not in logs:
            raise ValueError(
                f"plot_history: no metric {name!r} in the history. Available "
                f"metrics: {sorted(k for k in logs if not k.startswith('val_'))}."
            )
    if figsize is None:
        figsize = (5.0 * len(metrics), 3.5)
    figure = Figure(figsize=figsize, dpi=dpi)
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    for ax, name in zip(axes, metrics):
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            values = logs.get(key)
            if values:
                epochs = range(1, len(values) + 1)
                ax.plot(epochs, [float(v) for v in values], marker=".", label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    if to_file is not None:
        directory = os.path.dirname(os.fspath(to_file))
        if directory:
            os.makedirs(directory, exist_ok=True)
        figure.savefig(to_file, dpi=dpi)
    return figure

"""`kerasish.common`: internal helpers that every package may import.

The bottom of kerasish's own code, just above the engine, the ops and the
serialization registry: automatic names (`naming`), plain nested structures
(`tree`), identifier lookup (`identifiers`), the progress bar and logging
switches (`progbar`, `io_utils`), seeding, numeric and graph helpers, packing of
`(x, y, sample_weight)`, `Config` and `plot_history`.

Nothing here imports a layer, a model, the trainer or `kerasish.utils`. The public
`kerasish.utils` (Keras's `keras.utils`) sits high in the package order and
re-exports the public names defined here; import them from there in user code.
"""

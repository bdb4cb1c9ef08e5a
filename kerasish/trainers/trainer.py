"""Placeholder: the trainer mixin (compile/fit/evaluate/predict)."""


class Trainer:
    def __init__(self):
        self.compiled = False
        self.optimizer = None

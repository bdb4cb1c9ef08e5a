"""Neural-network functions of `kerasish.ops`, forwarded to the active engine."""

from kerasish.ops._forward import forward_all

NN_OPS = (
    "average_pool",
    "binary_crossentropy",
    "categorical_crossentropy",
    "conv",
    "conv_transpose",
    "depthwise_conv",
    "dot_product_attention",
    "elu",
    "gelu",
    "hard_sigmoid",
    "hard_silu",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "max_pool",
    "mish",
    "multi_hot",
    "normalize",
    "one_hot",
    "relu",
    "relu6",
    "selu",
    "separable_conv",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "sparse_categorical_crossentropy",
    "swish",
    "tanh",
    "resize",
    "affine_transform",
)

globals().update(forward_all("nn", NN_OPS))
__all__ = list(NN_OPS)

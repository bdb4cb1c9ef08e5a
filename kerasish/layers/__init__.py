"""`kerasish.layers`: the layer classes, with Keras's names."""

from kerasish.layers import op_node  # noqa: F401  (ops on KerasTensors)
from kerasish.layers.activations import (
    ELU,
    LeakyReLU,
    PReLU,
    ReLU,
    Softmax,
)
from kerasish.layers.attention import (
    AdditiveAttention,
    Attention,
    EinsumDense,
    GroupedQueryAttention,
    GroupQueryAttention,
    MultiHeadAttention,
)
from kerasish.layers.convolutional import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Convolution1D,
    Convolution1DTranspose,
    Convolution2D,
    Convolution2DTranspose,
    Convolution3D,
    Convolution3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from kerasish.layers.core.activation import (
    Activation,
)
from kerasish.layers.core.dense import (
    Dense,
)
from kerasish.layers.core.embedding import (
    Embedding,
)
from kerasish.layers.core.identity import (
    Identity,
)
from kerasish.layers.core.jax_layer import (
    FlaxLayer,
    JaxLayer,
)
from kerasish.layers.core.lambda_layer import (
    Lambda,
)
from kerasish.layers.core.reversible_embedding import (
    ReversibleEmbedding,
)
from kerasish.layers.core.wrapper import (
    Wrapper,
)
from kerasish.layers.input_layer import (
    Input,
    InputLayer,
)
from kerasish.layers.input_spec import (
    InputSpec,
)
from kerasish.layers.layer import (
    Layer,
)
from kerasish.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from kerasish.layers.normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    RMSNormalization,
    SpectralNormalization,
    UnitNormalization,
)
from kerasish.layers.pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from kerasish.layers.preprocessing import (
    CategoryEncoding,
    CenterCrop,
    Discretization,
    IntegerLookup,
    Normalization,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
    StringLookup,
    TextVectorization,
)
from kerasish.layers.preprocessing.hashed_crossing import (
    HashedCrossing,
)
from kerasish.layers.preprocessing.hashing import (
    Hashing,
)
from kerasish.layers.preprocessing.image_preprocessing.aug_mix import (
    AugMix,
)
from kerasish.layers.preprocessing.image_preprocessing.auto_contrast import (
    AutoContrast,
)
from kerasish.layers.preprocessing.image_preprocessing.clahe import (
    ContrastLimitedAdaptiveHistogramEqualization,
)
from kerasish.layers.preprocessing.image_preprocessing.cut_mix import (
    CutMix,
)
from kerasish.layers.preprocessing.image_preprocessing.equalization import (
    Equalization,
)
from kerasish.layers.preprocessing.image_preprocessing.max_num_bounding_boxes import (
    MaxNumBoundingBoxes,
)
from kerasish.layers.preprocessing.image_preprocessing.mix_up import (
    MixUp,
)
from kerasish.layers.preprocessing.image_preprocessing.rand_augment import (
    RandAugment,
)
from kerasish.layers.preprocessing.image_preprocessing.random_brightness import (
    RandomBrightness,
)
from kerasish.layers.preprocessing.image_preprocessing.random_color_degeneration import (  # noqa: E501
    RandomColorDegeneration,
)
from kerasish.layers.preprocessing.image_preprocessing.random_color_jitter import (
    RandomColorJitter,
)
from kerasish.layers.preprocessing.image_preprocessing.random_crop import RandomCrop
from kerasish.layers.preprocessing.image_preprocessing.random_elastic_transform import (
    RandomElasticTransform,
)
from kerasish.layers.preprocessing.image_preprocessing.random_erasing import (
    RandomErasing,
)
from kerasish.layers.preprocessing.image_preprocessing.random_gaussian_blur import (
    RandomGaussianBlur,
)
from kerasish.layers.preprocessing.image_preprocessing.random_grayscale import (
    RandomGrayscale,
)
from kerasish.layers.preprocessing.image_preprocessing.random_hue import (
    RandomHue,
)
from kerasish.layers.preprocessing.image_preprocessing.random_invert import (
    RandomInvert,
)
from kerasish.layers.preprocessing.image_preprocessing.random_perspective import (
    RandomPerspective,
)
from kerasish.layers.preprocessing.image_preprocessing.random_posterization import (
    RandomPosterization,
)
from kerasish.layers.preprocessing.image_preprocessing.random_saturation import (
    RandomSaturation,
)
from kerasish.layers.preprocessing.image_preprocessing.random_sharpness import (
    RandomSharpness,
)
from kerasish.layers.preprocessing.image_preprocessing.random_shear import RandomShear
from kerasish.layers.preprocessing.image_preprocessing.solarization import (
    Solarization,
)
from kerasish.layers.preprocessing.mel_spectrogram import (
    MelSpectrogram,
)
from kerasish.layers.preprocessing.pipeline import Pipeline
from kerasish.layers.preprocessing.stft_spectrogram import (
    STFTSpectrogram,
)
from kerasish.layers.regularization import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from kerasish.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Masking,
    Permute,
    RepeatVector,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from kerasish.layers.reshaping.flatten import (
    Flatten,
)
from kerasish.layers.reshaping.reshape import (
    Reshape,
)
from kerasish.layers.rnn import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    ConvLSTM1D,
    ConvLSTM2D,
    ConvLSTM3D,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
    TimeDistributed,
)
from kerasish.layers.serialization import (
    deserialize,
    serialize,
)

__all__ = [
    "Softmax",
    "ReLU",
    "PReLU",
    "LeakyReLU",
    "ELU",
    "Activation",
    "ActivityRegularization",
    "Add",
    "add",
    "AdditiveAttention",
    "AlphaDropout",
    "Attention",
    "Average",
    "average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "BatchNormalization",
    "Bidirectional",
    "CategoryEncoding",
    "CenterCrop",
    "Concatenate",
    "concatenate",
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Convolution1D",
    "Convolution1DTranspose",
    "Convolution2D",
    "Convolution2DTranspose",
    "Convolution3D",
    "Convolution3DTranspose",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Dense",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "Discretization",
    "Dot",
    "dot",
    "Dropout",
    "EinsumDense",
    "Embedding",
    "Flatten",
    "GaussianDropout",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GroupedQueryAttention",
    "GroupNormalization",
    "GroupQueryAttention",
    "GRU",
    "GRUCell",
    "Identity",
    "Input",
    "InputLayer",
    "InputSpec",
    "IntegerLookup",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "LSTM",
    "LSTMCell",
    "Masking",
    "Maximum",
    "maximum",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "Minimum",
    "minimum",
    "MultiHeadAttention",
    "Multiply",
    "multiply",
    "Normalization",
    "Permute",
    "RandomContrast",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "RepeatVector",
    "Rescaling",
    "Reshape",
    "Resizing",
    "RMSNormalization",
    "RNN",
    "SeparableConv1D",
    "SeparableConv2D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
    "SimpleRNN",
    "SimpleRNNCell",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "StackedRNNCells",
    "StringLookup",
    "Subtract",
    "subtract",
    "TextVectorization",
    "TimeDistributed",
    "UnitNormalization",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    # Issue 11: the rest of Keras's catalogue.
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D",
    "ReversibleEmbedding",
    "SpectralNormalization",
    "Wrapper",
    "deserialize",
    "serialize",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "Hashing",
    "HashedCrossing",
    "MelSpectrogram",
    "STFTSpectrogram",
    "FlaxLayer",
    "JaxLayer",
    # Issue 11: the color, intensity and mixing image augmentations.
    "AutoContrast",
    "AugMix",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix",
    "Equalization",
    "MixUp",
    "RandAugment",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPosterization",
    "RandomSaturation",
    "RandomSharpness",
    "Solarization",
    # Image augmentation, geometric (issue 11).
    "MaxNumBoundingBoxes",
    "Pipeline",
    "RandomCrop",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomPerspective",
    "RandomShear",
]

"""Recurrent layers: the cells, the generic `RNN`, and the wrappers."""

from kerasish.layers.rnn.bidirectional import Bidirectional
from kerasish.layers.rnn.conv_lstm import ConvLSTM, ConvLSTMCell
from kerasish.layers.rnn.conv_lstm1d import ConvLSTM1D
from kerasish.layers.rnn.conv_lstm2d import ConvLSTM2D
from kerasish.layers.rnn.conv_lstm3d import ConvLSTM3D
from kerasish.layers.rnn.gru import GRU, GRUCell
from kerasish.layers.rnn.lstm import LSTM, LSTMCell
from kerasish.layers.rnn.rnn import RNN
from kerasish.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from kerasish.layers.rnn.stacked_rnn_cells import StackedRNNCells
from kerasish.layers.rnn.time_distributed import TimeDistributed

__all__ = [
    "ConvLSTM",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "ConvLSTMCell",
    "GRU",
    "LSTM",
    "RNN",
    "Bidirectional",
    "GRUCell",
    "LSTMCell",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "TimeDistributed",
]

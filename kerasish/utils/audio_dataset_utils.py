"""`audio_dataset_from_directory`: labelled `.wav` batches from class folders."""

import wave

import numpy as np

from kerasish.utils import dataset_utils

ALLOWED_FORMATS = (".wav",)


def read_wav(path, output_sequence_length=None, sampling_rate=None):
    """A PCM `.wav` file -> float32 `(samples, channels)` in `[-1, 1)`.

    16-bit samples are divided by 32768 (as `tf.audio.decode_wav`); 8-bit
    (unsigned) and 32-bit files are scaled to the same range. With
    `output_sequence_length`, the audio is cut or zero-padded to that length.
    """
    with wave.open(str(path), "rb") as f:
        channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
        frames = f.readframes(f.getnframes())
    if sampling_rate is not None and rate != sampling_rate:
        raise ValueError(
            f"{path} has a sampling rate of {rate} Hz, not sampling_rate="
            f"{sampling_rate}; kerasish does not resample audio. Resample the files "
            "or pass sampling_rate=None."
        )
    if width == 1:
        audio = (np.frombuffer(frames, np.uint8).astype("float32") - 128) / 128
    elif width == 2:
        audio = np.frombuffer(frames, "<i2").astype("float32") / 32768
    elif width == 4:
        audio = np.frombuffer(frames, "<i4").astype("float32") / 2147483648
    else:
        raise ValueError(f"{path}: unsupported sample width of {width} bytes.")
    audio = audio.reshape(-1, channels)
    if output_sequence_length is not None:
        out = np.zeros((output_sequence_length, channels), dtype="float32")
        n = min(output_sequence_length, len(audio))
        out[:n] = audio[:n]
        audio = out
    return audio


def audio_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    sampling_rate=None,
    output_sequence_length=None,
    ragged=False,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    verbose=True,
):
    """Batches of audio (float32 `(batch, samples, channels)`) and labels.

    With `labels="inferred"`, each sub-directory holds the `.wav` files of one
    class; files are read with the standard library's `wave` module.
    Without `output_sequence_length`, each batch is zero-padded to its longest
    clip (`ragged=True` gives an object array of unpadded clips instead).

    Args: as `image_dataset_from_directory`, plus
        sampling_rate: Expected sampling rate; files at another rate raise
            (kerasish does not resample).
        output_sequence_length: Cut or zero-pad every clip to this length.
        ragged: Keep clips unpadded (an object array per batch).

    Returns:
        A `Dataset` with a `class_names` attribute, or a list of two for
        `subset="both"`.
    """
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, int):
            raise ValueError(
                "`sampling_rate` should have an integer value. "
                f"Received: sampling_rate={sampling_rate}"
            )
        if sampling_rate <= 0:
            raise ValueError(
                "`sampling_rate` should be higher than 0. "
                f"Received: sampling_rate={sampling_rate}"
            )

    def load_batch(paths):
        clips = [read_wav(p, output_sequence_length, sampling_rate) for p in paths]
        if ragged:
            out = np.empty(len(clips), dtype=object)
            out[:] = clips
            return out
        length = max(len(c) for c in clips)
        batch = np.zeros((len(clips), length, clips[0].shape[1]), dtype="float32")
        for i, clip in enumerate(clips):
            batch[i, : len(clip)] = clip
        return batch

    return dataset_utils.make_directory_datasets(
        directory,
        labels,
        label_mode,
        class_names,
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
        ALLOWED_FORMATS,
        "audio files",
        load_batch,
        file_paths_attr=False,
    )

"""Image augmentation layers built on `BaseImagePreprocessingLayer` (Keras 3's
image preprocessing family), with bounding boxes and segmentation masks."""

"""Bounding box utilities: formats, conversions, transforms and IoU."""

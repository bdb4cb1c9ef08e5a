"""`kerasish.export`: a model's forward pass as a file that serves without its code.

`model.export("m.kerasish_export")` writes it; `kerasish.export.load(path)` returns
a callable (`ExportedModel`) with a symbolic batch dimension.
"""

from kerasish.export.export_archive import ExportArchive
from kerasish.export.export_lib import ExportedModel, export_model, load

__all__ = ["ExportArchive", "ExportedModel", "export_model", "load"]

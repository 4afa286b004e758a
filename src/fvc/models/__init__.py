"""Models: a registry keyed by ``train.model`` and the torch models registered in it.

Importing this package registers every model: importing a model module runs its ``@register`` decorator.
"""

from fvc.models import origin_5e, torchvision_video, variable_ar_cnn  # noqa: F401  (registrations)
from fvc.models.registry import build_model, list_models, register

__all__ = ["build_model", "list_models", "register"]

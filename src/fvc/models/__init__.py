"""Models: a registry keyed by ``train.model``, the torch models and the feature baselines registered in it.

Importing this package registers every model: importing a model module runs its ``@register`` decorator.
"""

from fvc.models import baselines, origin_5e, torchvision_video, variable_ar_cnn  # noqa: F401  (registrations)
from fvc.models.registry import (
    build_feature_model,
    build_model,
    check_trainable,
    list_models,
    model_kind,
    register,
)

__all__ = ["build_feature_model", "build_model", "check_trainable", "list_models", "model_kind", "register"]

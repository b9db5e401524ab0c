"""Amazon Titan Image Generator tasks on Bedrock, with an offline preview engine.

The public surface: `TitanClient` and its result, the error tree, the model table and
the image/mask helpers a caller needs. Everything else is private to the package.
"""

from __future__ import annotations

from .client import GenerationResult, TitanClient
from .errors import (
    TitanAccessDeniedError,
    TitanBudgetError,
    TitanContentFilteredError,
    TitanCredentialsError,
    TitanEngineUnavailableError,
    TitanError,
    TitanModelUnavailableError,
    TitanServiceError,
    TitanThrottledError,
    TitanTimeoutError,
    TitanValidationError,
)
from .images import ImageInput, pad_for_outpaint
from .masks import binarize_mask, invert_mask, painted_to_titan_mask
from .models import MODELS, ModelSpec, Task, get_model

__all__ = [
    "MODELS",
    "GenerationResult",
    "ImageInput",
    "ModelSpec",
    "Task",
    "TitanAccessDeniedError",
    "TitanBudgetError",
    "TitanClient",
    "TitanContentFilteredError",
    "TitanCredentialsError",
    "TitanEngineUnavailableError",
    "TitanError",
    "TitanModelUnavailableError",
    "TitanServiceError",
    "TitanThrottledError",
    "TitanTimeoutError",
    "TitanValidationError",
    "binarize_mask",
    "get_model",
    "invert_mask",
    "pad_for_outpaint",
    "painted_to_titan_mask",
]

"""Amazon Bedrock image models behind one typed request per task, with an offline preview engine.

The one door to the package: everything a caller (the playground UI included) uses is
re-exported here; the modules behind it are private.

Running tasks
    TitanClient, Plan, GenerationResult        run typed requests on an engine
    TASKS, Request, request_type, request_types  the tasks and their request classes
    TextImageRequest, InpaintRequest, ...       one request class per task
    BodyImage                                   an image ready for a request body

Models, engines, families
    MODELS, ModelSpec, get_model, DEFAULT_MODEL_ID, SERVICES, service_model
    Engine, FunctionEngine, make_engine, engine_names
    family_for, Price, Call
    Kind, Option, Range                         how options are declared (labels, limits)

The playground's services
    Playground, Person, Delivered, random_seed  fit, price, budget, run and store a request for a person
    Budget, open_ledger                         spending limits, kept in a file or DynamoDB
    History, Run, open_store, read_png_metadata every result kept, with its settings
    lifecycle                                   which models this account can use now
    PROMPT_TIPS, prompt_warnings, install_log_redaction

Images and masks
    ImageInput, pad_for_outpaint, painted_to_titan_mask, invert_mask, binarize_mask

Errors: TitanError and its tree (see `titan.errors`).
"""

from __future__ import annotations

from . import lifecycle
from .budget import Budget, open_ledger
from .client import GenerationResult, Plan, TitanClient
from .engines import Engine, FunctionEngine, engine_names, make_engine
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
from .families import Call, Price, family_for
from .fields import Kind, Option, Range
from .gate import Gate, Ticket
from .history import (
    History,
    HistoryError,
    Run,
    Signer,
    default_data_dir,
    default_history_dir,
    metadata_request,
    new_run_id,
    open_store,
    read_png_metadata,
)
from .history_index import default_index_dir
from .images import ImageInput, load_image, pad_for_outpaint, peek_size
from .masks import binarize_mask, invert_mask, painted_to_titan_mask
from .metadata import describe_foreign, read_foreign_settings
from .models import DEFAULT_MODEL_ID, MODELS, SERVICES, ModelSpec, get_model, service_model
from .playground import Delivered, Person, Playground, random_seed
from .prompting import PROMPT_TIPS, prompt_warnings
from .redact import install_log_redaction
from .tasks import TASKS, BodyImage, Request, request_type, request_types
from .tasks.background_removal import BackgroundRemovalRequest
from .tasks.color_guided import ColorGuidedRequest
from .tasks.inpaint import InpaintRequest
from .tasks.outpaint import OutpaintRequest
from .tasks.search_recolor import SearchRecolorRequest
from .tasks.style_guide import StyleGuideRequest
from .tasks.style_transfer import StyleTransferRequest
from .tasks.text_image import TextImageRequest
from .tasks.upscale import UpscaleRequest
from .tasks.variation import VariationRequest

__all__ = [
    "DEFAULT_MODEL_ID",
    "MODELS",
    "PROMPT_TIPS",
    "SERVICES",
    "TASKS",
    "BackgroundRemovalRequest",
    "BodyImage",
    "Budget",
    "Call",
    "ColorGuidedRequest",
    "Delivered",
    "Engine",
    "FunctionEngine",
    "Gate",
    "GenerationResult",
    "History",
    "HistoryError",
    "ImageInput",
    "InpaintRequest",
    "Kind",
    "ModelSpec",
    "Option",
    "OutpaintRequest",
    "Person",
    "Plan",
    "Playground",
    "Price",
    "Range",
    "Request",
    "Run",
    "SearchRecolorRequest",
    "Signer",
    "StyleGuideRequest",
    "StyleTransferRequest",
    "TextImageRequest",
    "Ticket",
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
    "UpscaleRequest",
    "VariationRequest",
    "binarize_mask",
    "default_data_dir",
    "default_history_dir",
    "default_index_dir",
    "describe_foreign",
    "engine_names",
    "family_for",
    "get_model",
    "install_log_redaction",
    "invert_mask",
    "lifecycle",
    "load_image",
    "make_engine",
    "metadata_request",
    "new_run_id",
    "open_ledger",
    "open_store",
    "pad_for_outpaint",
    "painted_to_titan_mask",
    "peek_size",
    "prompt_warnings",
    "random_seed",
    "read_foreign_settings",
    "read_png_metadata",
    "request_type",
    "request_types",
    "service_model",
]

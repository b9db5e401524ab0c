"""Metadata that other tools read: AUTOMATIC1111 `parameters`, IPTC source type, C2PA.

Our own `titan:run` JSON chunk restores a run exactly, but only this app reads it. This
module adds what the rest of the ecosystem looks for:

- AUTOMATIC1111's `parameters` text chunk (prompt, `Negative prompt:` line, a last line of
  `key: value` pairs), read by A1111's PNG Info, Civitai, ComfyUI's loader, SD Prompt Reader
  and sd-parsers;
- the IPTC Digital Source Type in an XMP packet, which marks an image as AI-generated;
- an optional signed C2PA manifest (needs `c2pa-python`, imported only when used).

It also reads settings back from PNGs other tools made (A1111, ComfyUI, InvokeAI), so
"restore settings" can fill what maps onto this app and say what it could not map.

Chunks are spliced into the PNG byte stream: pixels are never decoded or re-encoded.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from PIL import Image

from .errors import TitanEngineUnavailableError, TitanValidationError
from .images import check_image_bytes, load_image

DIGITAL_SOURCE_GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
DIGITAL_SOURCE_COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
TOOL_NAME = "Titan Image Playground"

A1111_KEY = "parameters"
XMP_KEY = "XML:com.adobe.xmp"
#: Readers need `Steps:` (Civitai: the line must *start* with it) and sd-parsers needs `Sampler:`.
DEFAULT_STEPS = 1
DEFAULT_SAMPLER = "Bedrock"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_CHUNKS = (b"tEXt", b"iTXt", b"zTXt")
_C2PA_CHUNK = b"caBX"
# AUTOMATIC1111's own reader (modules/infotext_utils.py): key, then a JSON-quoted or bare value.
_A1111_PAIR = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_A1111_KEY = re.compile(r"\w[\w \-/]+")
_NEGATIVE_PREFIX = "Negative prompt:"
_SIZE = re.compile(r"^(\d+)x(\d+)$")


# --- AUTOMATIC1111 "parameters" -------------------------------------------------------------


def a1111_parameters(*, prompt: str, negative_prompt: str | None, settings: Mapping[str, object]) -> str:
    """The AUTOMATIC1111 infotext for one image: prompt, negative prompt, settings line.

    `settings` keeps its order after `Steps` and `Sampler`, which always come first (added
    with `DEFAULT_STEPS`/`DEFAULT_SAMPLER` when missing): Civitai takes the line starting
    with `Steps: ` and sd-parsers reads nothing without `Sampler:` plus two more of
    `Steps`, `CFG scale`, `Seed`, so pass a seed or a CFG scale too.

    Values containing `,`, `:` or a newline are JSON-quoted as A1111 does (and those with a
    `"`, so a value that starts with a quote is not unquoted on reading). A1111 and SD
    Prompt Reader read those back, but sd-parsers 0.6 drops any value with a colon and
    Civitai reads a quoted colon as a nested pair, so prefer colon-free values (a model's
    display name rather than its `…:0` id); the exact id lives in our JSON chunk.
    """
    ordered = {"Steps": DEFAULT_STEPS, "Sampler": DEFAULT_SAMPLER}
    ordered.update(settings)
    for key in ordered:
        if not _A1111_KEY.fullmatch(key):
            raise TitanValidationError(
                "settings", key, "letters, digits, spaces, '-' and '/', at least two characters", problem="bad key"
            )
    lines = [prompt] if prompt else []
    if negative_prompt:
        lines.append(f"{_NEGATIVE_PREFIX} {negative_prompt}")
    lines.append(", ".join(f"{key}: {_a1111_quote(value)}" for key, value in ordered.items()))
    return "\n".join(lines)


def _a1111_quote(value: object) -> str:
    text = str(value)
    if any(mark in text for mark in ',:\n"'):
        return json.dumps(text, ensure_ascii=False)
    return text


def _a1111_unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return str(json.loads(value))
        except ValueError:
            return value
    return value


# --- XMP ------------------------------------------------------------------------------------


def xmp_packet(digital_source_type: str, *, tool: str = TOOL_NAME) -> str:
    """An XMP packet stating how the image was made (IPTC Digital Source Type) and by what tool."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        f"    Iptc4xmpExt:DigitalSourceType={quoteattr(digital_source_type)}\n"
        f"    xmp:CreatorTool={quoteattr(tool)}/>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    )


# --- PNG chunks -----------------------------------------------------------------------------


def png_with_chunks(
    png: bytes,
    *,
    text: Mapping[str, str] | None = None,
    itxt: Mapping[str, str] | None = None,
    xmp: str | None = None,
) -> bytes:
    """The same PNG with text chunks and an XMP packet added; pixels and other chunks untouched.

    `text` goes in `tEXt` chunks, or `iTXt` (UTF-8) when a value is not Latin-1, as Pillow
    and so A1111 do; `itxt` always in `iTXt`; `xmp` in the `XML:com.adobe.xmp` iTXt chunk.
    A chunk already carrying one of these keywords is replaced, so adding twice does not
    duplicate. New chunks go before the first IDAT, where Pillow, A1111 and ComfyUI put
    theirs and where streaming readers find them first. Non-PNG input (a JPEG answer) is
    converted to PNG first. A C2PA-signed PNG is refused: any change breaks its signature,
    so write text before signing.
    """
    if not png.startswith(_PNG_SIGNATURE):
        png = _to_png(png)
    new = [_text_chunk(key, value) for key, value in (text or {}).items()]
    new += [_itxt_chunk(key, value) for key, value in (itxt or {}).items()]
    if xmp is not None:
        new.append(_itxt_chunk(XMP_KEY, xmp))
    replaced = {*(text or {}), *(itxt or {}), *([XMP_KEY] if xmp is not None else [])}
    kept: list[bytes] = []
    inserted = False
    for kind, chunk in _chunks(png):
        if kind == _C2PA_CHUNK:
            raise TitanValidationError(
                "png", "a C2PA-signed PNG", "an unsigned PNG", problem="adding metadata would break its signature"
            )
        if kind in (b"IDAT", b"IEND") and not inserted:
            kept.extend(new)
            inserted = True
        if kind in _TEXT_CHUNKS and _chunk_keyword(chunk) in replaced:
            continue
        kept.append(chunk)
    return _PNG_SIGNATURE + b"".join(kept)


def _to_png(data: bytes) -> bytes:
    buffer = io.BytesIO()
    load_image(data).save(buffer, format="PNG")
    return buffer.getvalue()


def _chunks(png: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, whole chunk bytes) for each chunk of a PNG, up to and including IEND."""
    offset = len(_PNG_SIGNATURE)
    while offset + 12 <= len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        end = offset + 12 + length
        if end > len(png):
            break
        kind = png[offset + 4 : offset + 8]
        yield kind, png[offset:end]
        if kind == b"IEND":
            return
        offset = end
    raise TitanValidationError("png", f"{len(png)} bytes", "a complete PNG file", problem="the PNG is cut short")


def _chunk_keyword(chunk: bytes) -> str:
    return chunk[8 : chunk.find(b"\0", 8)].decode("latin-1")


def _text_chunk(keyword: str, value: str) -> bytes:
    try:
        return _chunk(b"tEXt", _keyword_bytes(keyword) + b"\0" + value.encode("latin-1"))
    except UnicodeEncodeError:
        return _itxt_chunk(keyword, value)


def _itxt_chunk(keyword: str, value: str) -> bytes:
    # keyword, compression flag 0, method 0, empty language tag, empty translated keyword
    return _chunk(b"iTXt", _keyword_bytes(keyword) + b"\0\0\0\0\0" + value.encode("utf-8"))


def _keyword_bytes(keyword: str) -> bytes:
    try:
        raw = keyword.encode("latin-1")
    except UnicodeEncodeError:
        raw = b""
    if not 1 <= len(raw) <= 79 or b"\0" in raw or keyword != keyword.strip():
        raise TitanValidationError("keyword", keyword, "1–79 Latin-1 characters without leading or trailing spaces")
    return raw


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


# --- C2PA -----------------------------------------------------------------------------------


def c2pa_available() -> bool:
    """Whether `c2pa-python` is installed (signing and reading manifests need it)."""
    try:
        _import_c2pa()
    except TitanEngineUnavailableError:
        return False
    return True


def sign_c2pa(
    png: bytes,
    *,
    cert_pem: bytes,
    key_pem: bytes,
    digital_source_type: str,
    title: str,
    parent: bytes | None = None,
) -> bytes:
    """The PNG with a signed C2PA manifest embedded; write every text chunk before this.

    Generated images get the CREATE intent (a `c2pa.created` action with
    `trainedAlgorithmicMedia`); edits (`DIGITAL_SOURCE_COMPOSITE`) the EDIT intent plus a
    `c2pa.edited` action with `compositeWithTrainedAlgorithmicMedia`. `parent`, the image
    that was edited, becomes the parent ingredient; without it C2PA records the output
    itself as the opened parent. The algorithm follows the key (ES256/384/512 for EC
    P-256/384/521, PS256 for RSA, Ed25519). No timestamp authority, no thumbnails, no
    network. `cert_pem` is the chain, signer first; C2PA refuses self-signed certificates.
    """
    c2pa = _import_c2pa()
    if digital_source_type not in (DIGITAL_SOURCE_GENERATED, DIGITAL_SOURCE_COMPOSITE):
        raise TitanValidationError("digital_source_type", digital_source_type, "the generated or composite IPTC type")
    if not png.startswith(_PNG_SIGNATURE):
        raise TitanValidationError("png", f"{len(png)} bytes", "a PNG file")
    edit = digital_source_type == DIGITAL_SOURCE_COMPOSITE
    manifest: dict[str, Any] = {"title": title, "claim_generator_info": [{"name": TOOL_NAME}]}
    if edit:
        action = {"action": "c2pa.edited", "digitalSourceType": DIGITAL_SOURCE_COMPOSITE}
        manifest["assertions"] = [{"label": "c2pa.actions.v2", "data": {"actions": [action]}}]
    info = c2pa.C2paSignerInfo(_signing_alg(key_pem), cert_pem, key_pem, None)
    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    signed = io.BytesIO()
    try:
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest, context=context) as builder:
            if edit:
                builder.set_intent(c2pa.C2paBuilderIntent.EDIT)
                if parent is not None:
                    check_image_bytes(parent, field="parent")
                    parent_format = f"image/{Image.open(io.BytesIO(parent)).format.lower()}"
                    builder.add_ingredient(
                        {"title": "input image", "relationship": "parentOf"}, parent_format, io.BytesIO(parent)
                    )
            else:
                builder.set_intent(c2pa.C2paBuilderIntent.CREATE, c2pa.C2paDigitalSourceType.TRAINED_ALGORITHMIC_MEDIA)
            builder.sign(signer, "image/png", io.BytesIO(png), signed)
    except c2pa.C2paError as exc:
        raise TitanValidationError(
            "c2pa_cert",
            None,
            "a PEM chain (signer first) issued by a CA, not self-signed, with the digitalSignature key usage "
            "and an extended key usage such as emailProtection, matching the key",
            problem=f"C2PA signing failed ({exc})",
            hint="check that --c2pa-cert and --c2pa-key belong together",
        ) from exc
    return signed.getvalue()


def check_c2pa_credentials(cert_pem: bytes, key_pem: bytes) -> None:
    """Sign a 1×1 PNG to prove the certificate and key work; raises `TitanValidationError` if not.

    Meant for start-up, so a bad `--c2pa-cert` fails at once rather than at the first image.
    """
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, format="PNG")
    sign_c2pa(
        buffer.getvalue(),
        cert_pem=cert_pem,
        key_pem=key_pem,
        digital_source_type=DIGITAL_SOURCE_GENERATED,
        title="check",
    )


def read_c2pa(png: bytes) -> dict | None:
    """The C2PA manifest store of an image as a dict (with `validation_state`), or None.

    None when the image has no manifest or it cannot be read; needs `c2pa-python`.
    """
    c2pa = _import_c2pa()
    try:
        reader = c2pa.Reader.try_create("image/png" if png.startswith(_PNG_SIGNATURE) else None, io.BytesIO(png))
        if reader is None:
            return None
        with reader:
            return json.loads(reader.json())
    except Exception:  # damaged or foreign data: no readable manifest
        return None


def _import_c2pa() -> Any:
    try:
        import c2pa
    except ImportError as exc:
        raise TitanEngineUnavailableError(
            "C2PA signing needs the c2pa-python package: pip install c2pa-python"
        ) from exc
    return c2pa


def _signing_alg(key_pem: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    allowed = "an unencrypted PEM private key: EC P-256/P-384/P-521, RSA or Ed25519"
    try:
        key = load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise TitanValidationError("c2pa_key", None, allowed, problem="not a readable private key") from exc
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        curve_algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name in curve_algs:
            return curve_algs[key.curve.name]
    raise TitanValidationError("c2pa_key", type(key).__name__, allowed)


# --- Settings from other tools --------------------------------------------------------------


@dataclass
class ForeignSettings:
    """Settings found in an image another tool made, as far as they map onto this app.

    `unmapped` names settings that were found but have no counterpart here (sampler, steps,
    CFG scale, the foreign checkpoint...), so the UI can say what it left out.
    """

    source: str  # "AUTOMATIC1111" | "ComfyUI" | "InvokeAI"
    prompt: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    model: str | None = None
    unmapped: list[str] = field(default_factory=list)
    file_format: str = "PNG"


def read_foreign_settings(png: bytes | str | os.PathLike) -> ForeignSettings | None:
    """Prompt, negative prompt, seed, size and model from an A1111, ComfyUI or InvokeAI image.

    Reads A1111's `parameters` (PNG text, or EXIF UserComment in a JPEG/WebP), ComfyUI's
    `prompt` graph and InvokeAI's `invokeai_metadata`. None when none is found; never
    raises, whatever the input.
    """
    try:
        data = png if isinstance(png, bytes) else Path(png).read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            chunks = _image_text(image)
            file_format = image.format or "image"
    except Exception:
        return None
    for reader in (_from_a1111, _from_comfyui, _from_invokeai):
        try:
            found = reader(chunks)
        except Exception:  # a malformed foreign chunk means "not this format", never a crash
            found = None
        if found is not None:
            found.file_format = file_format
            return found
    return None


def describe_foreign(settings: ForeignSettings) -> str:
    """One sentence for the UI: what was restored from which tool, and what was not mapped."""
    restored = [
        name
        for name, value in (
            ("prompt", settings.prompt),
            ("negative prompt", settings.negative_prompt),
            ("seed", settings.seed is not None),
            ("size", settings.width and settings.height),
        )
        if value
    ]
    article = "an" if settings.source[0] in "AEIOU" else "a"
    origin = f"{article} {settings.source} {settings.file_format}"
    sentence = f"Restored {_and_list(restored)} from {origin}" if restored else f"Nothing to restore from {origin}"
    if settings.unmapped:
        sentence += f"; not mapped: {', '.join(settings.unmapped)}"
    return sentence + "."


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _image_text(image: Image.Image) -> dict[str, str]:
    """Text chunks of a PNG, or A1111's EXIF UserComment of a JPEG/WebP as `parameters`.

    Chunks before IDAT come from the header; reading the rest decodes the pixels, which a
    damaged file may not survive, so what the header gave is kept either way.
    """
    text = dict(image.info)
    with contextlib.suppress(Exception):
        text.update(getattr(image, "text", None) or {})
    if image.format != "PNG":
        comment = image.getexif().get_ifd(0x8769).get(0x9286)
        if isinstance(comment, bytes) and len(comment) > 8:
            codec = "utf-16-be" if comment.startswith(b"UNICODE\0") else "utf-8"
            text[A1111_KEY] = comment[8:].decode(codec, errors="replace")
        elif isinstance(comment, str) and comment:
            text[A1111_KEY] = comment
    return {key: value for key, value in text.items() if isinstance(value, str)}


def _from_a1111(chunks: Mapping[str, str]) -> ForeignSettings | None:
    """AUTOMATIC1111's `parse_generation_parameters`, reduced to what we can use."""
    raw = chunks.get(A1111_KEY)
    if not raw or not raw.strip():
        return None
    *lines, last = raw.strip().split("\n")
    pairs = _A1111_PAIR.findall(last)
    if len(pairs) < 3:
        lines.append(last)
        pairs = []
    prompt, negative = _a1111_prompts(lines)
    result = ForeignSettings("AUTOMATIC1111", prompt=prompt or None, negative_prompt=negative or None)
    for key, value in pairs:
        _apply_a1111_pair(result, key, _a1111_unquote(value.strip()))
    return result


def _a1111_prompts(lines: list[str]) -> tuple[str, str]:
    prompt: list[str] = []
    negative: list[str] = []
    for line in lines:
        if line.strip().startswith(_NEGATIVE_PREFIX) and not negative:
            negative.append(line.strip()[len(_NEGATIVE_PREFIX) :].strip())
        else:
            (negative if negative else prompt).append(line)
    return "\n".join(prompt).strip(), "\n".join(negative).strip()


def _apply_a1111_pair(result: ForeignSettings, key: str, value: str) -> None:
    size = _SIZE.match(value)
    if key == "Seed" and value.lstrip("-").isdigit() and int(value) >= 0:
        result.seed = int(value)
    elif key == "Size" and size:
        result.width, result.height = int(size.group(1)), int(size.group(2))
    else:
        if key == "Model":
            result.model = value
        result.unmapped.append(key)


# ComfyUI "prompt" (API graph): {node_id: {"class_type": ..., "inputs": {name: value or [node_id, slot]}}}
_COMFY_SAMPLERS = ("KSampler", "KSamplerAdvanced")
_COMFY_UNMAPPED = {
    "sampler_name": "Sampler",
    "scheduler": "Scheduler",
    "steps": "Steps",
    "cfg": "CFG scale",
    "denoise": "Denoise",
}
_COMFY_TEXT = ("text", "text_g", "prompt", "string", "value", "conditioning")


def _from_comfyui(chunks: Mapping[str, str]) -> ForeignSettings | None:
    graph = json.loads(chunks["prompt"]) if "prompt" in chunks else None
    if not isinstance(graph, dict):
        return None
    graph = {str(node_id): node for node_id, node in graph.items() if isinstance(node, dict)}
    sampler = next((node for node in graph.values() if node.get("class_type") in _COMFY_SAMPLERS), None)
    if sampler is None:
        return None
    inputs = sampler.get("inputs", {})

    def find(input_name: str, names: tuple[str, ...], kind: type) -> Any:
        return _typed(_comfy_value(graph, inputs.get(input_name), names), kind)

    result = ForeignSettings(
        "ComfyUI",
        prompt=find("positive", (*_COMFY_TEXT, "positive"), str) or None,
        negative_prompt=find("negative", (*_COMFY_TEXT, "negative"), str) or None,
        seed=find("seed" if "seed" in inputs else "noise_seed", ("seed", "noise_seed", "value"), int),
        width=find("latent_image", ("width", "value", "samples"), int),
        height=find("latent_image", ("height", "value", "samples"), int),
        model=find("model", ("ckpt_name", "unet_name", "model"), str),
    )
    result.unmapped = [label for key, label in _COMFY_UNMAPPED.items() if key in inputs]
    if result.model:
        result.unmapped.insert(0, "Model")
    if any(node.get("class_type", "").startswith("LoraLoader") for node in graph.values()):
        result.unmapped.append("LoRA")
    return result


def _comfy_value(graph: Mapping[str, Any], value: Any, names: tuple[str, ...]) -> Any:
    """Follow links ([node_id, slot]) through the first input in `names` until a plain value."""
    for _ in range(32):  # graphs are acyclic, but a bad file must not loop forever
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str | int)):
            return value
        inputs = graph.get(str(value[0]), {}).get("inputs", {})
        name = next((name for name in names if name in inputs), None)
        if name is None:
            return None
        value = inputs[name]
    return None


def _typed(value: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, kind):
        return None
    return value


_INVOKE_UNMAPPED = {
    "steps": "Steps",
    "cfg_scale": "CFG scale",
    "scheduler": "Scheduler",
    "strength": "Denoising strength",
    "loras": "LoRA",
    "vae": "VAE",
}


def _from_invokeai(chunks: Mapping[str, str]) -> ForeignSettings | None:
    data = json.loads(chunks["invokeai_metadata"]) if "invokeai_metadata" in chunks else None
    if not isinstance(data, dict):
        return None
    model = data.get("model")
    model_name = (model.get("name") or model.get("model_name")) if isinstance(model, dict) else model
    result = ForeignSettings(
        "InvokeAI",
        prompt=_typed(data.get("positive_prompt"), str) or None,
        negative_prompt=_typed(data.get("negative_prompt"), str) or None,
        seed=_typed(data.get("seed"), int),
        width=_typed(data.get("width"), int),
        height=_typed(data.get("height"), int),
        model=_typed(model_name, str),
    )
    result.unmapped = (["Model"] if result.model else []) + [
        label for key, label in _INVOKE_UNMAPPED.items() if data.get(key) not in (None, "", [])
    ]
    return result

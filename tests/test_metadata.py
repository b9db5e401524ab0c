"""Metadata other tools read: A1111 `parameters` (checked with sd-parsers), IPTC XMP, C2PA,
and settings read back from A1111, ComfyUI and InvokeAI images."""

from __future__ import annotations

import datetime
import io
import json
import struct
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from titan.errors import TitanEngineUnavailableError, TitanValidationError
from titan.metadata import (
    A1111_KEY,
    DIGITAL_SOURCE_COMPOSITE,
    DIGITAL_SOURCE_GENERATED,
    XMP_KEY,
    ForeignSettings,
    a1111_parameters,
    c2pa_available,
    check_c2pa_credentials,
    describe_foreign,
    png_with_chunks,
    read_c2pa,
    read_foreign_settings,
    sign_c2pa,
    xmp_packet,
)

IPTC_EXT = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}"
SETTINGS = {"CFG scale": 8, "Seed": 42, "Size": "1024x1024", "Model": "Titan Image Generator v2", "Task": "inpaint"}


def png_bytes(image: Image.Image, **text: str) -> bytes:
    """Encode as another tool would: Pillow with text chunks (A1111, ComfyUI and InvokeAI do this)."""
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def chunk_list(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, parsed independently of the module under test."""
    chunks, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        chunks.append((png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def parameters_png(prompt: str, negative: str | None = "blurry, low quality", **extra: object) -> bytes:
    text = a1111_parameters(prompt=prompt, negative_prompt=negative, settings={**SETTINGS, **extra})
    return png_with_chunks(png_bytes(Image.new("RGB", (32, 32), "teal")), text={A1111_KEY: text})


@pytest.fixture
def noise_png() -> bytes:
    """A noisy picture carrying chunks of its own: gAMA, pHYs and a Software tEXt."""
    pixels = np.random.default_rng(7).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Bedrock")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", pnginfo=info, dpi=(72, 72), gamma=0.45455)
    return buffer.getvalue()


def sd_parse(png: bytes):
    sd_parsers = pytest.importorskip("sd_parsers", reason="sd-parsers is a test dependency (requirements.txt)")
    found = sd_parsers.ParserManager().parse(io.BytesIO(png))
    assert found is not None, "sd-parsers read nothing"
    return found


# --- AUTOMATIC1111 parameters, read by sd-parsers ---------------------------------------------


def test_sd_parsers_reads_prompt_negative_seed_size_and_model():
    found = sd_parse(parameters_png("a lighthouse at dawn"))
    sampler = found.samplers[0]
    assert found.generator.value == "AUTOMATIC1111"
    assert found.full_prompt == "a lighthouse at dawn"
    assert found.full_negative_prompt == "blurry, low quality"
    assert sampler.parameters["seed"] == "42"
    assert found.metadata["Size"] == "1024x1024"
    assert sampler.model.name == "Titan Image Generator v2"
    assert sampler.name == "Bedrock"


def test_settings_line_starts_with_steps_and_sampler():
    text = a1111_parameters(prompt="p", negative_prompt=None, settings={"Seed": 1, "Steps": 4, "CFG scale": 5})
    assert text.split("\n")[-1] == "Steps: 4, Sampler: Bedrock, Seed: 1, CFG scale: 5"
    assert "Negative prompt:" not in text


@pytest.mark.parametrize(
    ("prompt", "negative"),
    [
        ("portrait: a cat, oil painting, (detailed:1.2)", "text: watermark, logo"),
        ("a quiet harbour\nboats at anchor\n\nlate evening light", "fog\nrain"),
        ("富士山と桜、油絵 — Ёлка", "ぼやけた"),
        ("café crème, naïve style", None),
    ],
    ids=["colon-and-comma", "multi-line", "non-latin", "latin-1"],
)
def test_prompts_survive_sd_parsers_and_our_reader(prompt, negative):
    png = parameters_png(prompt, negative=negative)
    found = sd_parse(png)
    assert (found.full_prompt, found.full_negative_prompt) == (prompt, negative or "")
    assert found.samplers[0].parameters["seed"] == "42"
    ours = read_foreign_settings(png)
    assert (ours.prompt, ours.negative_prompt, ours.seed) == (prompt, negative, 42)


@pytest.mark.parametrize(("prompt", "chunk"), [("富士山と桜", b"iTXt"), ("café crème", b"tEXt")])
def test_parameters_chunk_type_follows_the_text_as_a1111_writes_it(prompt, chunk):
    kinds = {
        data.split(b"\0", 1)[0]: kind for kind, data in chunk_list(parameters_png(prompt)) if kind in (b"tEXt", b"iTXt")
    }
    assert kinds[b"parameters"] == chunk


def test_values_with_a_colon_are_quoted_and_read_back_exactly():
    text = a1111_parameters(
        prompt="p", negative_prompt=None, settings={"Seed": 3, "Model ID": "amazon.titan-image-generator-v2:0"}
    )
    assert 'Model ID: "amazon.titan-image-generator-v2:0"' in text
    png = png_with_chunks(png_bytes(Image.new("RGB", (8, 8))), text={A1111_KEY: text})
    assert read_foreign_settings(png).seed == 3
    # sd-parsers 0.6 splits on every colon, so it drops such a value but still reads the rest
    assert sd_parse(png).samplers[0].parameters["seed"] == "3"


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1).filter(lambda value: value == value.strip()))
def test_any_setting_value_round_trips_through_a1111_quoting(value):
    text = a1111_parameters(prompt="p", negative_prompt=None, settings={"Seed": 1, "Model": value})
    png = png_with_chunks(png_bytes(Image.new("RGB", (4, 4))), text={A1111_KEY: text})
    assert read_foreign_settings(png).model == value


def test_bad_settings_key_is_refused():
    with pytest.raises(TitanValidationError, match="settings"):
        a1111_parameters(prompt="p", negative_prompt=None, settings={"Seed: 1, Steps": 2})


# --- XMP and the PNG splice -------------------------------------------------------------------


@pytest.mark.parametrize("source_type", [DIGITAL_SOURCE_GENERATED, DIGITAL_SOURCE_COMPOSITE])
def test_xmp_packet_in_png_parses_with_the_iptc_source_type(noise_png, source_type):
    png = png_with_chunks(noise_png, xmp=xmp_packet(source_type, tool='Titan "Playground" <test>'))
    packet = Image.open(io.BytesIO(png)).text[XMP_KEY]
    root = ET.fromstring(packet)
    description = root.find(".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description")
    assert description.get(f"{IPTC_EXT}DigitalSourceType") == source_type
    assert description.get("{http://ns.adobe.com/xap/1.0/}CreatorTool") == 'Titan "Playground" <test>'
    assert packet.startswith('<?xpacket begin="\ufeff"')


def test_pixels_and_original_chunks_are_kept(noise_png):
    before = chunk_list(noise_png)
    png = png_with_chunks(
        noise_png,
        text={A1111_KEY: "a prompt\nSteps: 1, Sampler: Bedrock, Seed: 1"},
        itxt={"titan:run": json.dumps({"seed": 1})},
        xmp=xmp_packet(DIGITAL_SOURCE_GENERATED),
    )
    after = chunk_list(png)
    assert [chunk for chunk in after if chunk in before] == before
    assert len(after) == len(before) + 3
    assert [kind for kind, _ in after].index(b"IDAT") > max(
        index for index, (kind, _) in enumerate(after) if kind == b"iTXt"
    )
    original = np.asarray(Image.open(io.BytesIO(noise_png)))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), original)
    image = Image.open(io.BytesIO(png))
    assert image.text["Software"] == "Bedrock"
    assert image.text["titan:run"] == '{"seed": 1}'


def test_adding_the_same_keys_again_replaces_them(noise_png):
    once = png_with_chunks(noise_png, text={A1111_KEY: "first"}, xmp=xmp_packet(DIGITAL_SOURCE_GENERATED))
    twice = png_with_chunks(once, text={A1111_KEY: "second"}, xmp=xmp_packet(DIGITAL_SOURCE_COMPOSITE))
    assert len(chunk_list(twice)) == len(chunk_list(once))
    text = Image.open(io.BytesIO(twice)).text
    assert text[A1111_KEY] == "second"
    assert "compositeWithTrainedAlgorithmicMedia" in text[XMP_KEY]


def test_jpeg_input_becomes_png_with_the_chunks():
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "orange").save(buffer, format="JPEG")
    png = png_with_chunks(buffer.getvalue(), text={"parameters": "x"})
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size, image.text["parameters"]) == ("PNG", (16, 16), "x")


def test_cut_short_png_is_refused(noise_png):
    with pytest.raises(TitanValidationError, match="cut short"):
        png_with_chunks(noise_png[:-20], text={"a": "b"})


# --- C2PA ---------------------------------------------------------------------------------------


def make_chain(key_kind: str = "ec") -> tuple[bytes, bytes]:
    """A throwaway CA and a signing certificate it issued (C2PA refuses self-signed ones).

    The leaf carries what C2PA's certificate profile asks for: digitalSignature key usage,
    an extended key usage (emailProtection), not a CA, key identifiers.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common: str) -> x509.Name:
        return x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, common), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test")]
        )

    def key_usage(*, sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(not sign, False, False, False, False, sign, sign, False, False)

    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject, issuer, public_key, signing_key, *, ca: bool):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(key_usage(sign=ca), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        if not ca:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            ).add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False
            )
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = rsa.generate_private_key(65537, 2048) if key_kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
    ca = certificate(name("Test CA"), name("Test CA"), ca_key.public_key(), ca_key, ca=True)
    leaf = certificate(name("Test signer"), name("Test CA"), key.public_key(), ca_key, ca=False)
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return leaf.public_bytes(pem) + ca.public_bytes(pem), key_pem


@pytest.fixture(scope="module")
def chain() -> tuple[bytes, bytes]:
    pytest.importorskip("c2pa", reason="c2pa-python is optional at run time; the tests need it")
    return make_chain()


def actions_of(store: dict) -> list[dict]:
    manifest = store["manifests"][store["active_manifest"]]
    return [
        action
        for assertion in manifest["assertions"]
        if assertion["label"].startswith("c2pa.actions")
        for action in assertion["data"]["actions"]
    ]


def test_signed_generated_image_carries_source_type_and_title(chain, noise_png):
    cert, key = chain
    signed = sign_c2pa(
        noise_png, cert_pem=cert, key_pem=key, digital_source_type=DIGITAL_SOURCE_GENERATED, title="run-1.png"
    )
    store = read_c2pa(signed)
    manifest = store["manifests"][store["active_manifest"]]
    assert manifest["title"] == "run-1.png"
    assert manifest["signature_info"]["common_name"] == "Test signer"
    assert {"action": "c2pa.created", "digitalSourceType": DIGITAL_SOURCE_GENERATED} in actions_of(store)
    assert store["validation_state"] in ("Valid", "Trusted")  # our CA is in no trust list: "Valid"
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(signed))), np.asarray(Image.open(io.BytesIO(noise_png))))


def test_signed_edit_is_a_composite_with_its_input_as_parent(chain, noise_png):
    cert, key = chain
    source = png_bytes(Image.new("RGB", (64, 48), "white"))
    signed = sign_c2pa(
        noise_png,
        cert_pem=cert,
        key_pem=key,
        digital_source_type=DIGITAL_SOURCE_COMPOSITE,
        title="inpaint.png",
        parent=source,
    )
    store = read_c2pa(signed)
    actions = actions_of(store)
    assert actions[0]["action"] == "c2pa.opened"
    assert {"action": "c2pa.edited", "digitalSourceType": DIGITAL_SOURCE_COMPOSITE} in actions
    ingredients = store["manifests"][store["active_manifest"]]["ingredients"]
    assert [(item["title"], item["relationship"]) for item in ingredients] == [("input image", "parentOf")]


def test_text_written_before_signing_is_still_there_and_readable(chain, noise_png):
    cert, key = chain
    text = a1111_parameters(prompt="a red kite", negative_prompt=None, settings=SETTINGS)
    png = png_with_chunks(
        noise_png, text={A1111_KEY: text}, itxt={"titan:run": "{}"}, xmp=xmp_packet(DIGITAL_SOURCE_GENERATED)
    )
    signed = sign_c2pa(png, cert_pem=cert, key_pem=key, digital_source_type=DIGITAL_SOURCE_GENERATED, title="t")
    chunks = Image.open(io.BytesIO(signed)).text
    assert chunks[A1111_KEY] == text
    assert chunks["titan:run"] == "{}"
    assert DIGITAL_SOURCE_GENERATED in chunks[XMP_KEY]
    assert sd_parse(signed).full_prompt == "a red kite"
    assert read_c2pa(signed)["validation_state"] == "Valid"
    with pytest.raises(TitanValidationError, match="signature"):
        png_with_chunks(signed, text={"late": "too late"})


def test_rsa_key_signs_with_ps256(noise_png):
    pytest.importorskip("c2pa", reason="c2pa-python is optional at run time; the tests need it")
    cert, key = make_chain("rsa")
    signed = sign_c2pa(noise_png, cert_pem=cert, key_pem=key, digital_source_type=DIGITAL_SOURCE_GENERATED, title="t")
    store = read_c2pa(signed)
    assert store["manifests"][store["active_manifest"]]["signature_info"]["alg"].lower() == "ps256"


def test_bad_credentials_fail_at_the_check_with_an_explanation(chain):
    cert, key = chain
    check_c2pa_credentials(cert, key)
    _, other_key = make_chain()
    with pytest.raises(TitanValidationError, match=r"c2pa_cert.*belong together"):
        check_c2pa_credentials(cert, other_key)
    with pytest.raises(TitanValidationError, match="c2pa_key"):
        check_c2pa_credentials(cert, b"not a key")


def test_self_signed_certificate_is_refused(chain):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    _, key_pem = chain
    key = load_pem_private_key(key_pem, password=None)
    subject = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Me")])
    now = datetime.datetime.now(datetime.UTC)
    own = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(TitanValidationError, match="not self-signed"):
        check_c2pa_credentials(own.public_bytes(serialization.Encoding.PEM), key_pem)


def test_read_c2pa_is_none_without_a_manifest(chain, noise_png):
    assert read_c2pa(noise_png) is None
    assert read_c2pa(b"not an image at all") is None


def test_without_c2pa_python_signing_says_how_to_install(monkeypatch, noise_png):
    monkeypatch.setitem(sys.modules, "c2pa", None)  # makes `import c2pa` raise ImportError
    assert c2pa_available() is False
    with pytest.raises(TitanEngineUnavailableError, match="pip install c2pa-python"):
        sign_c2pa(noise_png, cert_pem=b"", key_pem=b"", digital_source_type=DIGITAL_SOURCE_GENERATED, title="t")


# --- settings from other tools ------------------------------------------------------------------

A1111_TEXT = (
    "masterpiece, lighthouse, (stormy sea:1.2)\n"
    "Negative prompt: lowres, bad anatomy\n"
    "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234567890, Size: 832x1216, "
    "Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Denoising strength: 0.4, Hires upscale: 1.5, Version: v1.10.1"
)

COMFY_PROMPT = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 156680208700286,
            "steps": 20,
            "cfg": 8,
            "sampler_name": "euler",
            "scheduler": "normal",
            "denoise": 1,
            "model": ["10", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 768, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "beautiful scenery, glass bottle", "clip": ["10", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["10", 1]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
    "10": {
        "class_type": "LoraLoader",
        "inputs": {"lora_name": "film.safetensors", "strength_model": 1, "model": ["4", 0], "clip": ["4", 1]},
    },
}

INVOKE_METADATA = {
    "generation_mode": "sdxl_txt2img",
    "positive_prompt": "a castle on a hill",
    "negative_prompt": "",
    "width": 1024,
    "height": 768,
    "seed": 7,
    "steps": 30,
    "cfg_scale": 7.5,
    "scheduler": "euler",
    "model": {"key": "abc", "hash": "blake3:00", "name": "Juggernaut XL", "base": "sdxl", "type": "main"},
    "app_version": "5.0.0",
}


def test_a1111_png_restores_prompt_seed_and_size():
    found = read_foreign_settings(png_bytes(Image.new("RGB", (8, 8)), parameters=A1111_TEXT))
    not_mapped = (
        "Steps, Sampler, Schedule type, CFG scale, Model hash, Model, Denoising strength, Hires upscale, Version"
    )
    assert (found.source, found.prompt, found.negative_prompt) == (
        "AUTOMATIC1111",
        "masterpiece, lighthouse, (stormy sea:1.2)",
        "lowres, bad anatomy",
    )
    assert (found.seed, found.width, found.height, found.model) == (1234567890, 832, 1216, "sd_xl_base_1.0")
    assert found.unmapped == not_mapped.split(", ")
    assert describe_foreign(found) == (
        f"Restored prompt, negative prompt, seed and size from an AUTOMATIC1111 PNG; not mapped: {not_mapped}."
    )


def test_a1111_jpeg_user_comment_is_read(tmp_path):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + A1111_TEXT.encode("utf-16-be")
    path = tmp_path / "a1111.jpg"
    Image.new("RGB", (8, 8)).save(path, format="JPEG", exif=exif)
    found = read_foreign_settings(path)
    assert (found.source, found.seed, found.width, found.file_format) == ("AUTOMATIC1111", 1234567890, 832, "JPEG")
    assert describe_foreign(found).startswith(
        "Restored prompt, negative prompt, seed and size from an AUTOMATIC1111 JPEG"
    )


def test_comfyui_png_restores_from_the_prompt_graph(tmp_path):
    path = tmp_path / "comfy.png"
    path.write_bytes(
        png_bytes(Image.new("RGB", (8, 8)), prompt=json.dumps(COMFY_PROMPT), workflow=json.dumps({"links": []}))
    )
    found = read_foreign_settings(str(path))
    assert found == ForeignSettings(
        "ComfyUI",
        prompt="beautiful scenery, glass bottle",
        negative_prompt="text, watermark",
        seed=156680208700286,
        width=512,
        height=768,
        model="v1-5-pruned-emaonly.safetensors",
        unmapped=["Model", "Sampler", "Scheduler", "Steps", "CFG scale", "Denoise", "LoRA"],
    )
    assert describe_foreign(found).startswith("Restored prompt, negative prompt, seed and size from a ComfyUI PNG")


def test_comfyui_links_are_followed_and_img2img_has_no_size():
    graph = {
        "1": {
            "class_type": "KSamplerAdvanced",
            "inputs": {"noise_seed": ["2", 0], "positive": ["3", 0], "negative": ["3", 1], "latent_image": ["5", 0]},
        },
        "2": {"class_type": "Seed (rgthree)", "inputs": {"seed": 0}},
        "3": {"class_type": "ControlNetApplyAdvanced", "inputs": {"positive": ["6", 0], "negative": ["7", 0]}},
        "5": {"class_type": "VAEEncode", "inputs": {"pixels": ["8", 0], "vae": ["9", 2]}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["10", 0]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": ["11", 0]}},
        "10": {"class_type": "String Literal", "inputs": {"string": "a fox in snow"}},
        "11": {"class_type": "PrimitiveString", "inputs": {"value": "blurry"}},
    }
    found = read_foreign_settings(png_bytes(Image.new("RGB", (8, 8)), prompt=json.dumps(graph)))
    assert (found.prompt, found.negative_prompt, found.seed) == ("a fox in snow", "blurry", 0)
    assert (found.width, found.height, found.model) == (None, None, None)
    assert describe_foreign(found) == "Restored prompt, negative prompt and seed from a ComfyUI PNG."


def test_comfyui_graph_with_a_loop_ends():
    graph = {
        "1": {"class_type": "KSampler", "inputs": {"positive": ["2", 0], "seed": 5}},
        "2": {"class_type": "Reroute", "inputs": {"conditioning": ["2", 0]}},
    }
    found = read_foreign_settings(png_bytes(Image.new("RGB", (8, 8)), prompt=json.dumps(graph)))
    assert (found.prompt, found.seed) == (None, 5)


def test_invokeai_png_restores_from_its_metadata():
    png = png_bytes(Image.new("RGB", (8, 8)), invokeai_metadata=json.dumps(INVOKE_METADATA))
    found = read_foreign_settings(png)
    assert (found.source, found.prompt, found.negative_prompt, found.seed) == (
        "InvokeAI",
        "a castle on a hill",
        None,
        7,
    )
    assert (found.width, found.height, found.model) == (1024, 768, "Juggernaut XL")
    assert describe_foreign(found) == (
        "Restored prompt, seed and size from an InvokeAI PNG; not mapped: Model, Steps, CFG scale, Scheduler."
    )


@pytest.mark.parametrize(
    "data",
    [
        png_bytes(Image.new("RGB", (8, 8))),
        png_bytes(Image.new("RGB", (8, 8)), Software="Paint", parameters="  "),
        png_bytes(Image.new("RGB", (8, 8)), prompt="{not json", invokeai_metadata="[1, 2]"),
        png_bytes(Image.new("RGB", (8, 8)), prompt=json.dumps({"1": {"class_type": "SaveImage", "inputs": {}}})),
        b"garbage bytes, not an image",
        b"",
    ],
    ids=["no-metadata", "blank-parameters", "broken-json", "no-sampler", "garbage", "empty"],
)
def test_nothing_foreign_gives_none(data):
    assert read_foreign_settings(data) is None


def test_caption_without_settings_line_is_just_a_prompt():
    found = read_foreign_settings(png_bytes(Image.new("RGB", (8, 8)), parameters="a cat\nNegative prompt: dogs"))
    assert (found.prompt, found.negative_prompt, found.unmapped) == ("a cat", "dogs", [])


def test_damaged_pixels_still_give_the_settings_written_before_them():
    pixels = np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    png = png_bytes(Image.fromarray(pixels), parameters=A1111_TEXT)
    found = read_foreign_settings(png[: len(png) // 2])
    assert found is not None and found.seed == 1234567890


def test_missing_file_gives_none(tmp_path):
    assert read_foreign_settings(tmp_path / "nowhere.png") is None

"""From received bytes to the two JPEGs we serve: opened warily, checked, turned upright, re-encoded clean.

What it guards against, in order:
- Anything that is not a JPEG, PNG or WebP never reaches a decoder: Pillow is told which three formats it may try,
  and a few well-known other formats (GIF, HEIC, SVG, …) are named so the member is told what to do instead.
- Pixel floods and decompression bombs: the size in the header is checked against a limit given per call, before a
  single pixel is decoded, and so is the aspect ratio (a 1×100000 strip is no photo). Pillow's own global limit is a
  second line only.
- Damaged files: `verify()` and then a full decode; a truncated file fails here, not halfway through serving.
- Metadata: the derivatives are new images built from pixels only. No EXIF (GPS, device serial), no ICC profile,
  no comment survives; a profile the camera attached is applied to the pixels first, so colours stay right.
- Polyglots: whatever else the file contained (HTML after the JPEG, say) is gone, because only decoded pixels are
  written back out.

Speed: a camera JPEG is decoded at reduced scale with `draft()` (the JPEG decoder skips detail it would throw away),
so a 12-megapixel photo costs a fraction of a full decode (benchmarks/photo_pipeline.py).
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

FORMATS = ["JPEG", "PNG", "WEBP"]
DISPLAY_EDGE = 1280
THUMB_EDGE = 320
DISPLAY_QUALITY = 82
THUMB_QUALITY = 75
# The phone sends photos shrunk to a long edge of 1600 px (static/js/photos.js); four times a 1600×1600 square leaves
# room for a screenshot or a photo another app sent unshrunk, and costs at most ~40 MB of RGBA while it is decoded.
# A 7000×7000 PNG (49 megapixels, 139 KiB on the wire) would cost ~400 MB and a second of CPU. The server's setting
# is MAX_IMAGE_PIXELS (kim_app/config.py); this is its default.
MAX_PIXELS = 4 * 1600 * 1600
# Panoramas reach about 1:8; beyond 1:20 it is a strip meant to exhaust something, not a photo.
MAX_ASPECT = 20

# Signatures of image formats we do not take, so the member hears "send a JPEG" rather than "this is no image".
OTHER_FORMATS = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
)
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")


class Refused(Exception):
    """The file cannot become a photo. `slug` names the reason for the API; the message is for the member."""

    slug = "not-an-image"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAnImage(Refused):
    slug = "not-an-image"


class UnsupportedFormat(Refused):
    slug = "unsupported-format"


class TooManyPixels(Refused):
    slug = "too-many-pixels"


class ExtremeAspectRatio(Refused):
    slug = "extreme-aspect-ratio"


class DamagedImage(Refused):
    slug = "damaged-image"


@dataclass(frozen=True)
class Derivatives:
    display: bytes
    thumb: bytes
    width: int  # of the display derivative, upright
    height: int
    source_format: str

    @property
    def bytes_out(self) -> int:
        return len(self.display) + len(self.thumb)


def _other_format(head: bytes) -> str | None:
    for signature, name in OTHER_FORMATS:
        if head.startswith(signature):
            return name
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "HEIC/AVIF"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in head.lower()):
        return "SVG"
    return None


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f}" if pixels >= 1_000_000 else f"{pixels / 1_000_000:.2f}".replace(".", ",")


def _open(fp: BinaryIO, max_pixels: int) -> Image.Image:
    fp.seek(0)
    head = fp.read(512)
    if not head:
        raise NotAnImage("Berkas foto kosong (0 byte). Ambil atau pilih foto lagi.")
    fp.seek(0)
    try:
        # Our own limit is checked below; Pillow's global one must neither warn (a warning is not a refusal) nor
        # be the only guard.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(fp, formats=FORMATS)
    except Image.DecompressionBombError:  # so far beyond any limit that Pillow itself stops at the header
        raise TooManyPixels(f"Foto terlalu besar; paling banyak {_megapixels(max_pixels)} megapiksel. "
                            "Kecilkan foto lalu kirim lagi.") from None
    except UnidentifiedImageError:
        other = _other_format(head)
        if other:
            raise UnsupportedFormat(f"Format {other} tidak didukung. Kirim foto JPEG, PNG atau WebP.") from None
        raise NotAnImage("Berkas ini bukan foto JPEG, PNG atau WebP.") from None
    except (OSError, SyntaxError, ValueError):
        raise DamagedImage("Foto rusak dan tidak dapat dibuka. Ambil foto lagi.") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise DamagedImage("Foto rusak: ukurannya kosong.")
    if width * height > max_pixels:
        raise TooManyPixels(
            f"Foto terlalu besar ({width}×{height} piksel); paling banyak {_megapixels(max_pixels)} megapiksel. "
            "Kecilkan foto lalu kirim lagi."
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ExtremeAspectRatio(f"Ukuran foto tidak wajar ({width}×{height} piksel).")
    return image


def _fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """The size that fits in an edge×edge box with the same proportions, never enlarged."""
    width, height = size
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resized(image: Image.Image, edge: int, resample: Image.Resampling) -> Image.Image:
    size = _fit(image.size, edge)
    return image if size == image.size else image.resize(size, resample, reducing_gap=3.0)


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB, transparency flattened onto white (a transparent PNG would otherwise turn black)."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are, the profile is dropped either way
    return image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # Nothing but pixels: no exif=, no icc_profile=, and the info Pillow carries along (comments!) cleared.
    image.info = {}
    image.save(out, "JPEG", quality=quality, progressive=True, optimize=False, subsampling="4:2:0")
    return out.getvalue()


def process(fp: BinaryIO, max_pixels: int = MAX_PIXELS) -> Derivatives:
    """Check the image in `fp` (seekable) and return its display and thumbnail JPEGs; raise Refused if it is not
    a photo we take. Nothing is written anywhere: storing the result is the caller's business."""
    image = _open(fp, max_pixels)
    source_format = image.format
    try:
        image.verify()  # structure and checksums (PNG chunks' CRCs) without decoding
        image = _open(fp, max_pixels)
        # EXIF orientation 5–8 swaps width and height; draft() works on the stored (unrotated) size.
        stored_target = _fit(image.size, DISPLAY_EDGE)
        if image.format == "JPEG":
            image.draft("RGB", stored_target)
        image.load()
        upright = ImageOps.exif_transpose(image)
        rgb = _to_srgb(upright)
    except Refused:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DamagedImage("Foto rusak atau tidak lengkap. Ambil foto lagi lalu kirim ulang.") from None

    # After draft() the display step is a small reduction (at most 2×), where bicubic looks as good as Lanczos at
    # two thirds of the time; the thumbnail's larger reduction gets Lanczos, on an image a tenth the size.
    display = _resized(rgb, DISPLAY_EDGE, Image.Resampling.BICUBIC)
    thumb = _resized(display, THUMB_EDGE, Image.Resampling.LANCZOS)
    return Derivatives(
        display=_jpeg(display, DISPLAY_QUALITY),
        thumb=_jpeg(thumb, THUMB_QUALITY),
        width=display.width,
        height=display.height,
        source_format=source_format,
    )

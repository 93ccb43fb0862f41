"""Bytes on the wire per photo: a camera original against what the phone sends after shrinking it.

The phone (docs/sync-protocol.md, "Photos") applies the orientation, draws the photo at a long edge of 1600 px and
encodes a JPEG at quality 0.8 with `canvas.toBlob`, which writes no metadata. Pillow at quality 80 with Lanczos is a
fair stand-in for the browser's encoder. The original is the same camera-like 4000×3000 JPEG the pipeline benchmark
uses (a few megabytes). The last line is JSON; target: the original is at least 12 times what is sent.

    .venv/bin/python benchmarks/photo_bytes.py
"""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from photo_pipeline import camera_jpeg  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

LONG_EDGE = 1600
QUALITY = 80
CHUNK = 64 * 1024


def shrink_like_the_phone(original: bytes) -> bytes:
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(original)))
    image.thumbnail((LONG_EDGE, LONG_EDGE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=QUALITY)
    return out.getvalue()


def main() -> None:
    original = camera_jpeg()
    sent = shrink_like_the_phone(original)
    ratio = len(original) / len(sent)
    chunks = -(-len(sent) // CHUNK)
    print(f"camera original: 4000×3000, {len(original) / 1e6:.2f} MB")
    print(f"sent by the phone: long edge {LONG_EDGE} px, quality {QUALITY}: {len(sent) / 1e3:.0f} kB "
          f"in {chunks} chunks of ≤ 64 KiB")
    print(f"on 2G at 40 kbit/s: {len(original) * 8 / 40_000 / 60:.0f} min for the original, "
          f"{len(sent) * 8 / 40_000:.0f} s for what is sent")
    print(json.dumps({"metric": "photo_bytes_ratio", "value": round(ratio, 1), "unit": "x",
                      "original_bytes": len(original), "sent_bytes": len(sent)}))


if __name__ == "__main__":
    main()

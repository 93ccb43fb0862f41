"""How long the server takes to turn one camera photo into its two derivatives (kim_app/media/pipeline.py).

A 4000×3000 JPEG like a phone camera's (noise over gradients, so it compresses like a photo: a few megabytes) goes
through the whole pipeline — open with limits, verify, decode, orientation, sRGB, display and thumbnail JPEGs — many
times on one core. The last line is JSON for CI; target p50 ≤ 150 ms.

    .venv/bin/python benchmarks/photo_pipeline.py [runs]
"""
from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from kim_app.media import pipeline  # noqa: E402

WIDTH, HEIGHT = 4000, 3000


def camera_jpeg(width: int = WIDTH, height: int = HEIGHT, seed: int = 7) -> bytes:
    """A photo-like JPEG: smooth colour gradients (sky, ground) with sensor-like noise and some hard edges, saved
    the way phone cameras do (quality 92, an EXIF block with orientation and GPS)."""
    gradient_x = Image.linear_gradient("L").resize((width, height))
    gradient_y = Image.linear_gradient("L").rotate(90).resize((width, height))
    radial = Image.radial_gradient("L").resize((width, height))
    base = Image.merge("RGB", (gradient_x, gradient_y, radial))
    noise = Image.effect_noise((width, height), 28).convert("RGB")
    photo = Image.blend(base, noise, 0.35)
    for index in range(12):  # edges: fences, roofs, people
        box = (index * width // 12, height // 3 + (index % 3) * 200, index * width // 12 + 180, height)
        photo.paste((40 + index * 15, 90, 160 - index * 10), box)
    exif = Image.Exif()
    exif[0x0112] = 1  # orientation
    exif[0x010F] = "KameraHP"
    exif[0x0110] = "Model X1"
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as a gunicorn worker has
    original = camera_jpeg()
    print(f"original: {WIDTH}×{HEIGHT} JPEG, {len(original) / 1e6:.2f} MB")
    result = pipeline.process(io.BytesIO(original))  # warm-up (imports, codec tables)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = pipeline.process(io.BytesIO(original))
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p90 = timings[int(0.9 * (len(timings) - 1))]
    print(f"display {result.width}×{result.height}: {len(result.display) / 1e3:.0f} kB; "
          f"thumb: {len(result.thumb) / 1e3:.0f} kB")
    print(f"{runs} runs on one core: p50 {p50:.1f} ms, p90 {p90:.1f} ms, "
          f"min {timings[0]:.1f} ms, max {timings[-1]:.1f} ms")
    print(json.dumps(
        {"metric": "photo_pipeline_p50", "value": round(p50, 1), "unit": "ms", "bytes_out": result.bytes_out}
    ))


if __name__ == "__main__":
    main()

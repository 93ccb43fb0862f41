"""Photo chunks in and derivatives out: a bucket (S3Storage against moto's server on loopback) beside the local
folder (LocalStorage, fsync and all), measured in the same run.

Upload: a 3 MB photo in 64 KiB chunks, each written at its offset as put_chunk writes it, then the part read back
whole for the pipeline and deleted. Serving: one 200 kB display derivative read
whole, as /media streams it. The last line is JSON: the bucket's chunk throughput as a share of the folder's.
moto is a Python server, slower than MinIO or a cloud provider; the bucket's numbers here are a floor.

    .venv/bin/python benchmarks/media_storage.py [photos] [reads]
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]  # benchmarks/queue.py
sys.path.insert(0, str(ROOT))

from kim_app.media.storage import LocalStorage, S3Storage, derivative_key, incoming_key  # noqa: E402
from tests.s3server import MotoServer  # noqa: E402

CHUNK = 64 * 1024
PHOTO = os.urandom(3 * 1024 * 1024)
DISPLAY = os.urandom(200 * 1024)


def upload_rate(store, photos: int) -> float:
    """MB/s of photo bytes stored through the chunk path, finishing read and clean-up included."""
    start = time.perf_counter()
    for number in range(photos):
        part = incoming_key(f"{number:032x}")
        for offset in range(0, len(PHOTO), CHUNK):
            store.append_at(part, offset, PHOTO[offset:offset + CHUNK])
        assert store.read(part) == PHOTO
        store.delete(part)
    return photos * len(PHOTO) / 1e6 / (time.perf_counter() - start)


def serve_rate(store, reads: int) -> float:
    """Derivatives read per second."""
    key = derivative_key("ab" + "0" * 62)
    store.save(key, DISPLAY)
    start = time.perf_counter()
    for _ in range(reads):
        assert len(store.read(key)) == len(DISPLAY)
    return reads / (time.perf_counter() - start)


def main() -> None:
    photos = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    reads = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as folder:
        moto = MotoServer(Path(folder) / "moto.log").start()
        try:
            bucket = S3Storage.from_config(moto.settings(moto.new_bucket()))
            local = LocalStorage(Path(folder) / "media")
            results = {}
            for name, store in (("local", local), ("s3", bucket)):
                upload_rate(store, 1)  # warm-up: connections, folders
                results[name] = (upload_rate(store, photos), serve_rate(store, reads))
                print(f"{name}: chunks {results[name][0]:.1f} MB/s ({results[name][0] * 1e6 / CHUNK:.0f} chunks/s), "
                      f"derivatives {results[name][1]:.0f}/s")
        finally:
            moto.stop()
    ratio = results["s3"][0] / results["local"][0]
    print(json.dumps({
        "metric": "s3_chunk_throughput_vs_local", "value": round(ratio, 3), "unit": "ratio",
        "s3_chunks_mb_s": round(results["s3"][0], 2), "local_chunks_mb_s": round(results["local"][0], 2),
        "s3_derivatives_per_s": round(results["s3"][1]), "local_derivatives_per_s": round(results["local"][1]),
    }))


if __name__ == "__main__":
    main()

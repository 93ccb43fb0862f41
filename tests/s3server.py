"""An S3 endpoint for the tests: moto's standalone server (`python -m moto.server`) as a subprocess on a free loopback
port, spoken to over HTTP exactly as a MinIO or a cloud bucket would be. Started by us, stopped by its own pid.
"""
from __future__ import annotations

import subprocess  # nosec B404 — moto's server, with arguments we write
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import boto3

from tests.chaos.server import free_port

BOOT_TIMEOUT_S = 30
ACCESS_KEY = "kim-test"
SECRET_KEY = "kim-test-secret"  # nosec B105 — moto accepts any credentials


class MotoServer:
    def __init__(self, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path)
        self.process: subprocess.Popen | None = None

    def start(self) -> MotoServer:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # nosec B603
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.process.returncode}: {self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2):  # nosec B310
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"moto server not ready after {BOOT_TIMEOUT_S} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def client(self):
        return boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def new_bucket(self) -> str:
        name = f"kim-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str) -> dict:
        """The app's configuration for media in `bucket` (as environment variables or as create_app overrides)."""
        return {
            "MEDIA_STORAGE": "s3",
            "S3_ENDPOINT_URL": self.url,
            "S3_BUCKET": bucket,
            "S3_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def objects(self, bucket: str) -> dict[str, bytes]:
        client = self.client()
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}

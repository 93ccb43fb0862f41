"""Settings, read from the environment only (12-factor).

Development works on a fresh machine with no variables at all: SQLite and media under `instance/`, and a secret key
generated once and kept in `instance/secret_key`. Production refuses to start without a real SECRET_KEY and
DATABASE_URL, because a guessable key or a forgotten SQLite file there would be a silent disaster. The same goes for
the VAPID key pair that signs Web Push: generated once into `instance/` while developing, from the environment in
production (a key that changes with the machine would silently cut every phone off).
"""
from __future__ import annotations

import math
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from kim_app.media import pipeline
from kim_app.notifications import vapid


def normalize_database_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _instance_vapid_key(instance_path: Path) -> str:
    path = instance_path / "vapid_private_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(vapid.generate_private_key())
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    KIM_ENV = "development"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Members log in once and then work offline for days; a short session would strand their outbox. Moderators
    # work on shared office laptops. Per role: ended after this long without a request, and after this long at most
    # (kim_app/accounts/session.py). The cookie itself lives as long as the longest of them.
    SESSION_IDLE_SECONDS = {
        "anggota": int(os.environ.get("SESSION_IDLE_DAYS_ANGGOTA", "14")) * 86400,
        "moderator": 8 * 3600,
        "admin": 8 * 3600,
    }
    SESSION_ABSOLUTE_SECONDS = {
        "anggota": int(os.environ.get("SESSION_DAYS", "30")) * 86400,
        "moderator": 24 * 3600,
        "admin": 24 * 3600,
    }
    PERMANENT_SESSION_LIFETIME = timedelta(seconds=max(SESSION_ABSOLUTE_SECONDS.values()))
    # The cookie is sent again only when the session changes — at sign-in, and when the "last seen" mark moves
    # (at most every few minutes, accounts/session.py) — not with every answer: on 2G each answer's bytes count.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # The CSRF token lives as long as the session: a phone that was offline for a week must still be able to send.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    # Delta pulls overlap by this much so that a slow transaction's change is never skipped (docs/sync-protocol.md).
    SYNC_CURSOR_OVERLAP_SECONDS = 120
    # While the member app is open and in view it syncs this often to show verdicts without a reload (static/js/
    # live.js; a push makes it sync at once). A run with nothing to send is three small requests; the empty delta
    # pull among them about 1.3 KB on the wire, request and answer (tests/sync/test_live_pull.py).
    LIVE_PULL_SECONDS = int(os.environ.get("LIVE_PULL_SECONDS", "60"))
    # The province this deployment serves (its Kemendagri code): what "seluruh provinsi" means for a pengumuman,
    # whatever other provinces' regions the database also holds.
    KIM_PROVINSI = os.environ.get("KIM_PROVINSI", "53")
    # Rendered portal pages are renewed by every publication (kim_app/publish/cache.py); this bounds the age of what
    # no publication announces. 0: no cache.
    PORTAL_CACHE_SECONDS = int(os.environ.get("PORTAL_CACHE_SECONDS", "600"))
    PORTAL_CACHE_ENTRIES = 500  # per worker, without Redis
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # A pengumuman's attachments (kim_app/pengumuman/attachments.py): each photo or PDF at most this big, at most
    # PENGUMUMAN_LAMPIRAN_MAX of them; the desk's form may carry two such files at once (its own body limit).
    PENGUMUMAN_LAMPIRAN_MAX_BYTES = int(os.environ.get("PENGUMUMAN_LAMPIRAN_MAX_BYTES", str(5 * 1024 * 1024)))
    PENGUMUMAN_LAMPIRAN_MAX = 5
    # How many photos one process decodes at once (kim_app/media/services.py): a burst of large images waits its turn
    # instead of taking every core and hundreds of megabytes from the requests beside it.
    IMAGE_DECODE_SLOTS = int(os.environ.get("IMAGE_DECODE_SLOTS", "2"))
    # The most pixels a photo's header may declare; more is refused before a single pixel is decoded (422
    # too-many-pixels). The phone sends ≤ 1600 px a side; the default is four times 1600×1600 (media/pipeline.py).
    MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", str(pipeline.MAX_PIXELS)))
    PASSWORD_HASH_METHOD = "scrypt"  # nosec B105
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # E-mail to moderators when items enter their queue (kim_app/notify.py); off unless SMTP_HOST and NOTIFY_EMAILS
    # are set. NOTIFY_EMAILS: "53.04=a@x,b@y; 53.01=c@z; *=admin@x" ("*" hears of every kabupaten).
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "1") == "1"
    SMTP_FROM = os.environ.get("SMTP_FROM", "kim@localhost")
    NOTIFY_EMAILS = os.environ.get("NOTIFY_EMAILS", "")
    # The app's public address (an origin: scheme, host, port if any). Every absolute link is built from it — Atom
    # feeds, /api/v1/berita, og:url and canonical links, e-mails (kim_app/links.py) — never from the request's Host
    # header, which anyone can forge and a shared cache would then serve to everyone. Required in production.
    PUBLIC_URL = ""
    # The host names requests may carry (werkzeug refuses others with 400 before any view runs). Default: the host of
    # PUBLIC_URL (development and tests also accept localhost and 127.0.0.1). Comma-separated; ".example.org" also
    # accepts its subdomains.
    TRUSTED_HOSTS = None
    # Names the development and test profiles accept besides PUBLIC_URL's host: `make run` and the tests' servers.
    LOCAL_HOSTS: tuple[str, ...] = ()

    # Deliveries (kim_app/notifications): e-mail and Web Push, carried by the job queue (Redis at REDIS_URL, else a
    # SQLite file in instance/). A job holds its delivery this long; one whose worker was killed is taken up again
    # after that (longer than any one SMTP or push exchange can take with their 10-second timeouts).
    DELIVERY_LEASE_SECONDS = 300.0
    # A failed attempt is tried again after 30 s, then four times longer each time (at most 6 h apart): 8 attempts
    # over about 15 hours, then the delivery is reported on /admin/pengiriman.
    DELIVERY_MAX_ATTEMPTS = 8
    DELIVERY_RETRY_SECONDS = 30.0
    DELIVERY_RETRY_MAX_SECONDS = 6 * 3600.0
    # A push endpoint is a URL the phone hands us and the worker POSTs to: only the browsers' push services (a host
    # or a parent domain of it), so that an account cannot aim the worker at the Dinas' internal network.
    PUSH_SERVICE_HOSTS = os.environ.get(
        "PUSH_SERVICE_HOSTS",
        "fcm.googleapis.com, updates.push.services.mozilla.com, push.apple.com, notify.windows.com",
    )
    PUSH_ALLOW_LOCAL_ENDPOINTS = False
    # A moderator who asked for pushes of new items in their queue hears at most once per this many seconds, of
    # how many came meanwhile (kim_app/moderation/notify.py).
    QUEUE_PUSH_EVERY_SECONDS = int(os.environ.get("QUEUE_PUSH_EVERY_SECONDS", "300"))

    # A KIM's monthly standing (kim_app/moderation/standing.py, docs/standing.md): score = Σ weight × count. Change
    # them with KIM_STANDING_WEIGHTS="berita=3, kegiatan=2.5" (the keys named keep these defaults otherwise); checked
    # at start: known keys, numbers ≥ 0.
    KIM_STANDING_WEIGHTS = {
        "berita": 3,
        "foto": 1,
        "kegiatan": 2,
        "diseminasi": 2,
        "diseminasi_cepat": 1,
        "aduan": 2,
    }

    API_TITLE = "KIM API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "info": {
            "description": (
                "The member's API of KIM: items captured offline on phones, sent idempotently by their UUID, "
                "and their verdicts pulled back. Sign in through the page /masuk; the session cookie then serves "
                "the API until the session ends on the server (sign-out, DELETE /api/v1/me/sessions on any device, "
                "a password change, deactivation): then 401. Every state-changing request carries the header "
                "X-CSRFToken with the token from GET /api/v1/me. Errors are RFC 9457 problem documents. A JSON body "
                "is at most 256 KiB (413) and 32 levels deep (400 bad-input); text holding NUL or a lone UTF-16 "
                "surrogate is refused (400 invalid-text) and all text is stored in Unicode NFC. The contract in "
                "prose: docs/sync-protocol.md."
            )
        },
        "security": [{"session": []}],
    }

    # Every text answer travels compressed: on 2G each kilobyte is felt (kim_app/compression.py).
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIMETYPES = [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
        "application/problem+json", "application/manifest+json", "image/svg+xml", "application/atom+xml",
    ]
    COMPRESS_MIN_SIZE = 500

    # Media: the folder MEDIA_ROOT (the embedded default), or a bucket of any S3-compatible service ("s3"), which
    # several app servers share (kim_app/media/storage.py, docs/deploy.md). The credentials are these two variables
    # and nothing else: no search through ~/.aws or the network for others, so what runs is what the operator set.
    MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "local")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_REGION = os.environ.get("S3_REGION", "")
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "")
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "")

    # Login rate limits live in Redis when REDIS_URL is set, so every worker of every app server counts together.
    # Should Redis stop answering, each process counts on its own until it is back: the brake stays, no sign-in
    # fails with a 500, and /healthz reports Redis.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "kim")
    # A Redis that stops answering costs a sign-in two seconds at most, never a hung worker.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2} if REDIS_URL else {}
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Failed sign-ins only. Per account against guessing one member's password; per address generous, because a
    # whole village may reach us through one carrier address.
    LOGIN_RATE_LIMIT_ACCOUNT = os.environ.get("LOGIN_RATE_LIMIT_ACCOUNT", "5 per minute; 20 per hour")
    LOGIN_RATE_LIMIT_ADDRESS = os.environ.get("LOGIN_RATE_LIMIT_ADDRESS", "30 per minute")
    # Password resets, per ketua or admin doing them (counted like the sign-in's, in Redis when set): enough for a
    # ketua helping a whole group at its meeting, too few for a stolen ketua account to take over members in bulk.
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "10 per hour; 30 per day")

    @classmethod
    def load(cls, instance_path: Path) -> dict:
        settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        settings["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _instance_secret(instance_path)
        settings["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'kim.sqlite3'}"
        )
        settings["MEDIA_ROOT"] = os.environ.get("MEDIA_ROOT") or str(instance_path / "media")
        settings["VAPID_PRIVATE_KEY"] = os.environ.get("VAPID_PRIVATE_KEY") or _instance_vapid_key(instance_path)
        settings["VAPID_PUBLIC_KEY"] = os.environ.get("VAPID_PUBLIC_KEY") or vapid.public_key_for(
            settings["VAPID_PRIVATE_KEY"]
        )
        settings["VAPID_SUBJECT"] = os.environ.get("VAPID_SUBJECT") or f"mailto:{settings['SMTP_FROM']}"
        settings["QUEUE_URL"] = os.environ.get("REDIS_URL") or f"sqlite:///{instance_path / 'queue.sqlite3'}"
        settings["PUBLIC_URL"] = os.environ.get("PUBLIC_URL") or cls.PUBLIC_URL
        hosts = [host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()]
        settings["TRUSTED_HOSTS"] = hosts or None
        settings["KIM_STANDING_WEIGHTS"] = standing_weights(
            cls.KIM_STANDING_WEIGHTS, os.environ.get("KIM_STANDING_WEIGHTS", "")
        )
        return settings


class DevelopmentConfig(Config):
    LOCAL_HOSTS = ("127.0.0.1", "localhost")

    @classmethod
    def load(cls, instance_path: Path) -> dict:
        settings = super().load(instance_path)
        if not os.environ.get("PUBLIC_URL"):
            settings["PUBLIC_URL"] = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"  # as `make run` serves
        return settings


class TestConfig(Config):
    KIM_ENV = "test"
    TESTING = True
    # Flask's test client asks for http://localhost/…; live servers listen on 127.0.0.1.
    PUBLIC_URL = "http://localhost"
    LOCAL_HOSTS = ("127.0.0.1", "localhost")
    # Tests sign in hundreds of times; the login brake itself is tested with the real limits
    # (tests/accounts/test_login.py).
    LOGIN_RATE_LIMIT_ACCOUNT = "10000 per minute"
    LOGIN_RATE_LIMIT_ADDRESS = "10000 per minute"
    PASSWORD_RESET_RATE_LIMIT = "10000 per minute"  # a rate, not a password; the brake has its own test  # nosec B105
    # Tests create and sign in many accounts; scrypt's deliberate slowness would dominate the suite's run time.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # nosec B105
    # The queue's tests kill workers and fail mail servers: seconds instead of minutes (tests/notifications/).
    DELIVERY_LEASE_SECONDS = 3.0
    DELIVERY_MAX_ATTEMPTS = 3
    DELIVERY_RETRY_SECONDS = 0.4
    # The tests' own push service listens on 127.0.0.1 over plain HTTP.
    PUSH_ALLOW_LOCAL_ENDPOINTS = True

    @classmethod
    def load(cls, instance_path: Path) -> dict:
        settings = super().load(instance_path)
        url = os.environ.get("TEST_DATABASE_URL")
        if url:
            settings["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(url)
        return settings


class ProductionConfig(Config):
    KIM_ENV = "production"
    SESSION_COOKIE_SECURE = True
    # Behind one reverse proxy (docs/deploy.md): trust its X-Forwarded-For/-Proto so share links say https.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "1"))

    @classmethod
    def load(cls, instance_path: Path) -> dict:
        required = (
            "SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT",
        )
        missing = [name for name in required if not os.environ.get(name)]
        if missing:
            hint = ""
            if {"VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"} & set(missing):
                hint = " (make a VAPID key pair with: python -m kim_app.notifications.vapid)"
            raise RuntimeError(f"KIM_ENV=production needs {', '.join(missing)} in the environment{hint}")
        try:
            vapid.check_pair(os.environ["VAPID_PUBLIC_KEY"], os.environ["VAPID_PRIVATE_KEY"])
            vapid.check_subject(os.environ["VAPID_SUBJECT"])
        except vapid.VapidKeyError as error:
            raise RuntimeError(f"KIM_ENV=production: {error}") from None
        if not os.environ["PUBLIC_URL"].startswith("https://"):
            raise RuntimeError("KIM_ENV=production: PUBLIC_URL must start with https:// (e.g. https://kim.ntt.go.id)")
        return super().load(instance_path)


def standing_weights(defaults: dict, text: str) -> dict:
    """The defaults with what `KIM_STANDING_WEIGHTS="berita=3, foto=0.5"` changes. The values stay as written when
    they are not numbers, so that check_standing_weights names the variable and the key that is wrong."""
    weights = dict(defaults)
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        try:
            weights[key.strip()] = float(value)
        except ValueError:
            weights[key.strip()] = value.strip()
    return weights


def check_standing_weights(settings) -> None:
    """Every component has a weight, every weight is a number ≥ 0 for a component the standing counts: a typo would
    otherwise silently drop a component from every KIM's score."""
    weights = settings.get("KIM_STANDING_WEIGHTS")
    known = tuple(Config.KIM_STANDING_WEIGHTS)
    if not isinstance(weights, dict):
        raise RuntimeError(f"KIM_STANDING_WEIGHTS must be a mapping of {', '.join(known)} to numbers ≥ 0")
    unknown = sorted(str(key) for key in weights if key not in known)
    if unknown:
        raise RuntimeError(
            f"KIM_STANDING_WEIGHTS: unknown component {', '.join(unknown)} (known: {', '.join(known)})"
        )
    missing = [key for key in known if key not in weights]
    if missing:
        raise RuntimeError(f"KIM_STANDING_WEIGHTS: no weight for {', '.join(missing)}")
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise RuntimeError(f"KIM_STANDING_WEIGHTS: the weight of {key} must be a number ≥ 0, not {value!r}")


def check_public_url(settings) -> None:
    """PUBLIC_URL is an origin; TRUSTED_HOSTS, when not given, follows from it (called after the app's overrides)."""
    url = (settings.get("PUBLIC_URL") or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise RuntimeError(
            f"PUBLIC_URL must be the app's address, scheme and host only (e.g. https://kim.ntt.go.id), not {url!r}"
        )
    settings["PUBLIC_URL"] = url.rstrip("/")
    if not settings.get("TRUSTED_HOSTS"):
        settings["TRUSTED_HOSTS"] = list(dict.fromkeys([parts.hostname, *settings.get("LOCAL_HOSTS", ())]))


def check_settings(settings) -> None:
    """Refuse, at start, settings that cannot work — with the variable to fix — instead of failing a member's request
    later. Reachability of Redis and the bucket is checked when the server starts (kim_app/health.py)."""
    check_public_url(settings)
    check_standing_weights(settings)
    storage = settings.get("MEDIA_STORAGE")
    if storage not in ("local", "s3"):
        raise RuntimeError(f"MEDIA_STORAGE must be 'local' or 's3', not {storage!r}")
    if storage == "s3" and not settings.get("S3_BUCKET"):
        raise RuntimeError("MEDIA_STORAGE=s3 needs S3_BUCKET: the name of the bucket for the media")
    if storage == "s3":
        missing = [name for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if not settings.get(name)]
        if missing:
            raise RuntimeError(f"MEDIA_STORAGE=s3 needs {' and '.join(missing)}: the credentials for the bucket")


PROFILES = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}


def settings_for(env: str, instance_path: Path) -> dict:
    try:
        profile = PROFILES[env]
    except KeyError:
        raise RuntimeError(f"KIM_ENV must be one of {', '.join(PROFILES)}, not {env!r}") from None
    return profile.load(instance_path)

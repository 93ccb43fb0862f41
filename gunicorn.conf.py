"""gunicorn settings for production (`gunicorn -c gunicorn.conf.py 'kim_app:create_app()'`); docs/deploy.md."""
import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threaded workers: a photo's bytes are streamed through the reverse proxy unbuffered (docs/deploy.md, "Photos
# streamed"), so a request may take as long as a 2G phone needs to send 1 MiB (half a minute, minutes on a poor cell).
# A thread waiting on a phone's link holds no database connection and no lock (kim_app/media/services.py). The
# timeout below is the worker's heartbeat, which a gthread worker's main loop keeps beating while its threads read
# slow bodies; a `sync` worker beats only between requests and would be killed by one such body
# (tests/media/test_photo_stream_socket.py).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
# The app is loaded once, in the master: a worker that is replaced (max_requests, or one that died) is a fork ready
# at once, instead of a new process spending a second of CPU importing and building the app while others wait.
preload_app = True
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse to start when the database, Redis or the bucket does not answer (kim_app/health.py): the reason is in
    the log at once, not in a member's failed request later."""
    from kim_app.health import require_services

    try:
        require_services(server.app.wsgi())
    except RuntimeError as error:
        server.log.error("%s", error)
        raise SystemExit(3) from None


def when_ready(server):
    """Before the first worker is forked: what the app built at its start (modules, the ORM's mappings, schemas,
    templates — most of a worker's objects, and never garbage) leaves the garbage collector's view. Python's full
    collections otherwise walk all of it now and then, inside whichever request is running: on the national data
    set's queue page, one request in some twenty took 110 ms more (docs/benchmarks.md, "National scale"). The
    workers also keep sharing those pages with the master, which a collection's writes would copy."""
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """Each worker opens its own database connections: none made before the fork may be shared between processes."""
    from kim_app.extensions import db

    with worker.app.wsgi().app_context():
        db.engine.dispose(close=False)

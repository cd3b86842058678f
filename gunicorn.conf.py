"""gunicorn settings, read from the environment (Procfile and scripts/start use this file)."""

import os
import sys

from server.config import serving_secrets_problem

# Whatever LUMBUNG_ENV says: served, the app signs tokens and photo links with these secrets.
if problem := serving_secrets_problem(os.environ):
    sys.exit(f"Lumbung will not start: {problem}.")

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gthread, its own refusals (414, 431, 400) in the API's error shape (server/web/worker.py).
worker_class = "server.web.worker.JsonErrorThreadWorker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # long exports stream within this
keepalive = 30  # phones on slow links reuse their connection
accesslog = os.environ.get("ACCESS_LOG", "-") or None  # empty: no access log
# HTTPS with the hub's own certificate (flask hub certificate): phones need a secure context.
certfile = os.environ.get("LUMBUNG_TLS_CERT") or None
keyfile = os.environ.get("LUMBUNG_TLS_KEY") or None


def post_worker_init(worker):
    """Once the worker has loaded the app: tune its garbage collector, and start checkpointing."""
    import gc

    from server.engine import checkpoint

    # A push allocates tens of thousands of short-lived objects. Left alone, the collector
    # now and then walks every object the app holds (over a hundred thousand: modules,
    # SQLAlchemy, Flask) in the middle of a push, which then takes far longer. Frozen, they are
    # never walked again. (post_fork is too early: the worker loads the app after it.)
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    # SQLite's write-ahead log is checkpointed on a thread of the worker, not inside a commit.
    checkpoint.start(worker.wsgi)

"""gunicorn settings, read from the environment (Procfile and scripts/start use this file)."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # long exports stream within this
keepalive = 30  # phones on slow links reuse their connection
accesslog = os.environ.get("ACCESS_LOG", "-") or None  # empty: no access log


def post_fork(server, worker):
    """Tune the garbage collector once the app is loaded: a push allocates many short-lived objects."""
    import gc

    gc.freeze()  # what exists now (the app, its modules) is never collected: skip scanning it
    gc.set_threshold(50_000, 20, 100)


def post_worker_init(worker):
    """Checkpoint SQLite's write-ahead log on a thread of the worker, not inside a request's commit."""
    from server import checkpoint

    checkpoint.start(worker.wsgi)

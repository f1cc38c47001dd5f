"""Hand the plugin's tasks to a worker, and never run them in a reader's request.

A site with a worker (``django-tasks-db``, RQ) names it in ``TASKS``: a task is
enqueued once the transaction commits, and the worker runs it. A site that
sets no ``TASKS`` gets the backport's ``ImmediateBackend``, which runs a task
inside the call that enqueues it, so inside the reader's request. There, the
plugin holds the task until the response has been sent (Django's
``request_finished``) and runs it in one background thread of its own. Tasks
already waiting for that thread are coalesced by task and arguments: each is
idempotent, so one run after the last commit does the work of all.

Outside a request (a management command, the shell, a worker) an immediate
backend runs the task at once, as it always does. A site that names
``ImmediateBackend`` in ``TASKS`` itself, as test settings do, keeps it
running tasks in the request.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from django.conf import global_settings, settings
from django.core.signals import request_finished, request_started
from django.db import connections, transaction
from django_tasks.backends.immediate import ImmediateBackend

logger = logging.getLogger(__name__)

#: Most distinct tasks waiting for the background thread; more are dropped
#: and logged (a moderators' batch waits for the next post or cron then).
MAX_WAITING = 1000

_request = threading.local()
_lock = threading.Condition()
_waiting: OrderedDict = OrderedDict()
_idle = threading.Event()
_idle.set()
_thread: threading.Thread | None = None


def enqueue_on_commit(task_, *args, run_after=None) -> None:
    """Enqueue ``task_(*args)`` once the transaction commits, off the request.

    The one way the plugin hands work to a task: a worker must not look for
    rows that are not committed yet, nothing is enqueued for a transaction
    that rolls back, and the task never runs in a reader's request (see
    :func:`dispatch`). ``run_after`` defers it, on a backend that can (see
    :func:`can_defer`). Nothing that goes wrong here reaches the reader: it
    is logged.
    """

    # A named function, not functools.partial: before Django 6.1,
    # on_commit(robust=True) crashes while logging a failing partial.
    def enqueue():
        dispatch(task_, *args, run_after=run_after)

    transaction.on_commit(enqueue, robust=True)


def dispatch(task_, *args, run_after=None) -> None:
    """Enqueue ``task_(*args)`` now, but never run it in a reader's request."""
    if not runs_here(task_):
        if run_after is not None:
            task_ = task_.using(run_after=run_after)
        task_.enqueue(*args)
        return
    if run_after is not None:
        return  # Only a worker can wait; the caller has a fallback.
    held = getattr(_request, "held", None)
    if held is None:
        task_.enqueue(*args)  # Not in a request: nobody waits on it.
    else:
        held.append((task_, args))


def runs_here(task_) -> bool:
    """Whether the task would run in this process, in the enqueuing call.

    True for the default backend of a site that sets no ``TASKS``; a site
    that names ``ImmediateBackend`` itself chooses to run tasks in place.
    """
    configured = getattr(settings, "TASKS", None)
    # Django 6's global default counts as unset, as the backport counts it.
    site_sets_tasks = configured is not None and configured is not getattr(
        global_settings, "TASKS", None
    )
    return not site_sets_tasks and isinstance(task_.get_backend(), ImmediateBackend)


def can_defer(task_) -> bool:
    """Whether a worker will run the task at a later ``run_after``."""
    return not runs_here(task_) and task_.get_backend().supports_defer


def wait_until_idle(timeout: float) -> bool:
    """Wait until the background thread has run every task handed to it."""
    return _idle.wait(timeout)


def _request_started(**kwargs):
    _release_held()
    _request.held = []


def _request_finished(**kwargs):
    _release_held()


def _release_held():
    held, _request.held = getattr(_request, "held", None), None
    for task_, args in held or ():
        _hand_over(task_, args)


def _hand_over(task_, args):
    global _thread
    key = (task_.module_path, args)
    with _lock:
        if key in _waiting:
            return
        if len(_waiting) >= MAX_WAITING:
            logger.error("Too many background tasks waiting; dropped %s%r", *key)
            return
        _waiting[key] = task_
        _idle.clear()
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(
                target=_work, name="wagtail-dvt-tasks", daemon=True
            )
            _thread.start()
        _lock.notify()


def _work():
    while True:
        with _lock:
            while not _waiting:
                _idle.set()
                _lock.wait()
            (_path, args), task_ = _waiting.popitem(last=False)
        try:
            task_.enqueue(*args)
        except Exception:
            logger.exception("Background task %s%r failed", task_.module_path, args)
        finally:
            # This thread's own connections: a site's pool must not leak them.
            connections.close_all()


def connect():
    """Connect the request receivers; called once from ``AppConfig.ready()``."""
    request_started.connect(_request_started, dispatch_uid="wagtail_dvt_bg_start")
    request_finished.connect(_request_finished, dispatch_uid="wagtail_dvt_bg_end")

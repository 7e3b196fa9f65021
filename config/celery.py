"""The Celery app (``celery -A config worker``); the Celery runtime registers its tasks here.

Every Celery setting lives in :func:`celery_settings`, read from the environment,
so a worker started without Django (tests, a worker machine) and the web process
configure the app identically. Queues:

* ``states``    -- Task work (``executor.run_task``, and ``executor.run_tasks`` for a chunk of a
  large Map); the pool processes of its workers also host the execution drivers
  (executor/runtime/host.py), which take new executions from Redis, not from this queue;
* ``inference`` -- Task work whose resource binding declares this queue (SageMaker
  InvokeEndpoint: executor/resources/sagemaker.py), consumed by the batched inference worker.
"""
import logging
import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

from config.collector import settle_collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

#: Where each task goes by default. Task work goes to the queue its resource binding declares
#: (executor.resources.register_invoker), which the driver names when it sends it.
TASK_ROUTES = {
    "executor.run_task": {"queue": "states"},
    "executor.run_tasks": {"queue": "states"},
    "executor.inference.*": {"queue": "inference"},
}


def celery_settings(environ=os.environ) -> dict:
    """Return the Celery configuration (lower-case setting names) for ``environ``."""
    redis_url = environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    # How long an unacknowledged message waits before Redis hands it to another worker
    # when its whole worker (not one pool process) vanished. Pool processes that die are
    # handled at once by task_reject_on_worker_lost.
    visibility_timeout = int(environ.get("SWITCHYARD_VISIBILITY_TIMEOUT", "3600"))
    return {
        "broker_url": environ.get("CELERY_BROKER_URL") or redis_url,
        # Results travel through the runtime's own Redis records (executor.runtime.store);
        # the backend only serves ad-hoc calls such as the benchmark's no-op round trip.
        "result_backend": environ.get("CELERY_RESULT_BACKEND") or redis_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_routes": TASK_ROUTES,
        "task_default_queue": "states",
        "task_ignore_result": True,
        "result_expires": 3600,
        "broker_transport_options": {"visibility_timeout": visibility_timeout},
        "result_backend_transport_options": {"retry_policy": {"timeout": 5.0}},
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # a restarted Redis is waited for, never given up on
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_publish_retry_policy": {"max_retries": 3, "interval_start": 0, "interval_step": 0.2,
                                      "interval_max": 0.5},
        "worker_hijack_root_logger": False,
        "include": ["executor.runtime.celery_tasks", "executor.inference.celery_tasks"],
    }


def _survive_broker_loss() -> None:
    """kombu 5.7's Redis transport crashes the worker when the broker vanishes while messages are
    unacknowledged: closing the channel restores them through a connection that is already gone
    (AttributeError on its ``hostname``), and the consumer dies instead of reconnecting. Those
    messages come back after the visibility timeout (or the driver sends the work again), so the
    worker logs it and goes on reconnecting."""
    from kombu.transport.virtual.base import QoS

    original = QoS.restore_unacked_once
    if getattr(original, "survives_broker_loss", False):
        return

    def restore_unacked_once(self, stderr=None):
        try:
            return original(self, stderr)
        except AttributeError as exc:
            logging.getLogger(__name__).warning("could not give back unacknowledged messages: %s", exc)
            return None

    restore_unacked_once.survives_broker_loss = True
    QoS.restore_unacked_once = restore_unacked_once


_survive_broker_loss()

@worker_ready.connect
@worker_process_init.connect
def _freeze_start_up_objects(**_) -> None:
    """Out of the collector's sight: what start-up made (Celery, Django, the executor, their
    imports) lives as long as the worker. A full collection then scans only what the work makes;
    scanning it all paused a worker's Map for 100-300 ms at a time. And the youngest generation is
    collected less often (config/collector.py)."""
    settle_collector()


app = Celery("switchyard")
# CELERY_* Django settings still apply where this module sets nothing; what it sets wins.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(celery_settings())
app.autodiscover_tasks(["executor.runtime"], related_name="celery_tasks")

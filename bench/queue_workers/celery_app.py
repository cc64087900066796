"""Celery on RabbitMQ. ``NSQ_ACKS_LATE=1`` selects the at-least-once settings:
acknowledge after the task ran, and requeue when the pool process running it dies."""

from __future__ import annotations

import os

from celery import Celery

from queue_workers.common import ingest_feed

_LATE = os.environ.get("NSQ_ACKS_LATE") == "1"

app = Celery("nsq", broker=os.environ["NSQ_AMQP"])
app.conf.update(
    task_default_queue=os.environ["NSQ_QUEUE"],
    task_ignore_result=True,
    task_acks_late=_LATE,
    task_reject_on_worker_lost=_LATE,
    worker_prefetch_multiplier=int(os.environ.get("NSQ_PREFETCH", "4")),
    worker_enable_remote_control=False,
    worker_send_task_events=False,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="nsq.ingest_feed")
def ingest(feed_id: int, hold_s: float = 0.0) -> None:
    ingest_feed(feed_id, hold_s)

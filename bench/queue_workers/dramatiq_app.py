"""Dramatiq on RabbitMQ, with its defaults (a message is acknowledged after its
actor returns); retries off so a failure is visible instead of retried later."""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from queue_workers.common import ingest_feed

broker = RabbitmqBroker(url=os.environ["NSQ_AMQP"])
dramatiq.set_broker(broker)


@dramatiq.actor(queue_name=os.environ["NSQ_QUEUE"], max_retries=0)
def ingest(feed_id: int, hold_s: float = 0.0) -> None:
    ingest_feed(feed_id, hold_s)

"""Distributed ingestion on Dramatiq and RabbitMQ (docs/decisions.md, "Distributed task
queue"): the queues and their actors (``queue.py``) and the processes that run them,
``newsstand worker`` and ``newsstand scheduler`` (``runner.py``). The rules (claims,
leases, what a message may do twice) are the application core's (``app/distributed.py``);
this package only carries messages. Dramatiq is imported here and nowhere else.
"""

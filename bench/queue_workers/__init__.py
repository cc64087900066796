"""Worker modules for bench/queues.py: one task, the same on every queue library.

Each library's module is imported only by that library's worker processes, so a
worker's memory holds one library. Settings come from environment variables that
bench/queues.py sets (NSQ_*).
"""

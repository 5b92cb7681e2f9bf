"""Background work: the periodic schedule (schedule.py); queues live in campaigns/core/queues.py
so domain modules enqueue without importing the jobs that call them."""

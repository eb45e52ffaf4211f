"""The Scheduler port on APScheduler 3, with its job store in the platform's database."""

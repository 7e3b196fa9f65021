"""executor.runtime: carrying out executions (embedded, or Celery on Redis)."""

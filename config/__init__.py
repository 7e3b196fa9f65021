"""Wiring only: settings read from the environment, URLs, ASGI, the Celery app.

Nothing is imported here, so ``python3 -m config.runtime_choice`` runs without
Django or Celery installed (the Makefile calls it before the venv exists).
"""

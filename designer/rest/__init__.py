"""The REST API under /api/ that the front end uses (state machines with layout, executions, history)."""

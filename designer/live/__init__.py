"""Live execution updates over Channels: what the page's websocket hears while a run goes on.

Every process that writes history (the web process, Celery state workers) publishes what it
has committed to the channel layer (:mod:`designer.live.publisher`); daphne's consumers
(:mod:`designer.live.consumers`) pass it on to browsers. The message shapes are listed in
docs/live.md.
"""

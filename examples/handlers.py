"""Local Python answers for the Lambda functions the example workflows call.

Listed in ``SWITCHYARD_HANDLERS`` (the default), so ``make run`` binds them. Each takes
Lambda's ``(event, context)`` and returns what the Lambda would return; an exception
fails the Task with the exception's type as the Error, as Lambda reports it.
"""
from __future__ import annotations

from executor.resources.lambdas import handler


class EmptyDocument(Exception):
    """A document without text: the pipeline's Catch sends it to the rejects."""


@handler("word-count")
def word_count(event, context):
    """Return the document with its number of words."""
    text = str(event.get("text", ""))
    if not text.strip():
        raise EmptyDocument(f"document {event.get('id')!r} has no text")
    return {"id": event.get("id"), "words": len(text.split())}


@handler("classify")
def classify(event, context):
    """Return a label from the word count: 'short' under 20 words, else 'long'."""
    return {"id": event.get("id"), "label": "short" if event.get("words", 0) < 20 else "long"}


@handler("greet")
def greet(event, context):
    """Return a greeting for ``event["name"]``."""
    return {"greeting": f"Hello, {event.get('name', 'world')}!"}

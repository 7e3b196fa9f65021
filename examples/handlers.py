"""Local Python answers for the Lambda functions the example workflows call.

Listed in ``SWITCHYARD_HANDLERS`` (the default), so ``make run`` binds them. Each takes
Lambda's ``(event, context)`` and returns what the Lambda would return; an exception
fails the Task with the exception's type as the Error, as Lambda reports it. Those that
only compute on their event say ``blocking=False`` (they run on the runtime's loop, without
a thread hop); those that stand for a call to another service do not.
"""
from __future__ import annotations

from executor.resources.lambdas import handler


class EmptyDocument(Exception):
    """A document without text: the pipeline's Catch sends it to the rejects."""


@handler("word-count", blocking=False)
def word_count(event, context):
    """Return the document with its number of words."""
    text = str(event.get("text", ""))
    if not text.strip():
        raise EmptyDocument(f"document {event.get('id')!r} has no text")
    return {"id": event.get("id"), "words": len(text.split())}


@handler("classify", blocking=False)
def classify(event, context):
    """Return a label from the word count: 'short' under 20 words, else 'long'."""
    return {"id": event.get("id"), "label": "short" if event.get("words", 0) < 20 else "long"}


@handler("greet", blocking=False)
def greet(event, context):
    """Return a greeting for ``event["name"]``."""
    return {"greeting": f"Hello, {event.get('name', 'world')}!"}


# --- order-pipeline: the tests in examples/tests/ replace the payment provider with mocks
# and inject faults into the warehouse (docs/testing.md).

UNIT_PRICE = 10


class EmptyOrder(Exception):
    """An order without items."""


@handler("validate-order", blocking=False)
def validate_order(event, context):
    """Return the order's total; an order without items fails with EmptyOrder."""
    items = event.get("items") or []
    if not items:
        raise EmptyOrder(f"Order {event.get('orderId')} has no items")
    return {"total": sum(int(item.get("qty", 1)) * UNIT_PRICE for item in items)}


@handler("charge-card")
def charge_card(event, context):
    """Pretend to charge the card (a real payment provider in production)."""
    return {"chargeId": f"ch-{event['orderId']}", "amount": event["amount"]}


@handler("reserve-item")
def reserve_item(event, context):
    """Reserve one order line in the warehouse."""
    return {"sku": event["sku"], "reserved": int(event.get("qty", 1))}


@handler("notify-customer")
def notify_customer(event, context):
    """Tell the customer the order is on its way."""
    return {"sent": True, "message": f"Order {event['orderId']} is on its way"}

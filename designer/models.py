"""State machines, their executions and the executions' history events."""
from __future__ import annotations

from django.db import models


class StateMachineType(models.TextChoices):
    STANDARD = "STANDARD"
    EXPRESS = "EXPRESS"


class ExecutionStatus(models.TextChoices):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"


class StateMachine(models.Model):
    name = models.CharField(max_length=80, unique=True)
    arn = models.CharField(max_length=256, unique=True)
    # The ASL text exactly as the client sent it: what runs is what is exported.
    definition = models.TextField()
    role_arn = models.CharField(max_length=256)
    type = models.CharField(max_length=8, choices=StateMachineType.choices, default=StateMachineType.STANDARD)
    # Where the canvas puts each state; designer-only, never part of the definition.
    layout = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    revision_id = models.CharField(max_length=64, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Execution(models.Model):
    arn = models.CharField(max_length=400, unique=True)
    name = models.CharField(max_length=80)
    state_machine = models.ForeignKey(StateMachine, on_delete=models.CASCADE, related_name="executions")
    # The definition this execution runs, so DescribeStateMachineForExecution still answers
    # correctly after UpdateStateMachine.
    definition = models.TextField()
    status = models.CharField(max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.RUNNING)
    input = models.TextField(default="{}")
    output = models.TextField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    cause = models.TextField(null=True, blank=True)
    trace_header = models.CharField(max_length=256, blank=True, default="")
    start_date = models.DateTimeField()
    stop_date = models.DateTimeField(null=True, blank=True)
    runtime = models.CharField(max_length=16, default="embedded")

    class Meta:
        ordering = ["-start_date", "-id"]
        # No unique (state_machine, name): EXPRESS executions may reuse a name; the ARN of a
        # STANDARD execution is made of the two, so the unique ARN guards STANDARD names.
        indexes = [models.Index(fields=["state_machine", "status"]), models.Index(fields=["state_machine", "name"])]

    def __str__(self) -> str:
        return self.arn


class HistoryEvent(models.Model):
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="events")
    event_id = models.PositiveIntegerField()
    previous_event_id = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    # Everything else the event carries, keyed as AWS keys it ({"passStateEnteredEventDetails": {...}}).
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["execution", "event_id"]
        constraints = [
            models.UniqueConstraint(fields=["execution", "event_id"], name="history_event_id_unique_per_execution"),
        ]

    def __str__(self) -> str:
        return f"{self.execution_id}#{self.event_id} {self.type}"

"""State machines, their published versions and aliases, their executions and the executions' history events."""
from __future__ import annotations

from django.db import models
from django.utils import timezone


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
    # Local-test settings kept beside the definition, never in it: {"faults": ..., "clock": ...}.
    local_settings = models.JSONField(default=dict, blank=True)
    # The highest version number ever published: like AWS, a deleted version's number is not reused.
    last_version_number = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StateMachineVersion(models.Model):
    """An immutable snapshot of a state machine's revision; its ARN is ``<stateMachineArn>:<number>``."""

    state_machine = models.ForeignKey(StateMachine, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    arn = models.CharField(max_length=300, unique=True)
    # The definition exactly as it was when published.
    definition = models.TextField()
    role_arn = models.CharField(max_length=256)
    # The revision it was published from: publishing the same revision again returns this version.
    revision_id = models.CharField(max_length=64, blank=True, default="")
    description = models.CharField(max_length=256, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["state_machine", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["state_machine", "number"], name="version_number_unique_per_state_machine"),
        ]

    def __str__(self) -> str:
        return self.arn


class StateMachineAlias(models.Model):
    """A name that routes executions to one or two versions by weight; its ARN is ``<stateMachineArn>:<name>``."""

    state_machine = models.ForeignKey(StateMachine, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=80)
    arn = models.CharField(max_length=300, unique=True)
    description = models.CharField(max_length=256, blank=True, default="")
    # Set by the services, not auto_now: AWS gives a new alias an updateDate equal to its creationDate.
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["state_machine", "created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["state_machine", "name"], name="alias_name_unique_per_state_machine"),
        ]

    def __str__(self) -> str:
        return self.arn


class AliasRoute(models.Model):
    """One entry of an alias's routingConfiguration, in the order the client gave."""

    alias = models.ForeignKey(StateMachineAlias, on_delete=models.CASCADE, related_name="routes")
    # RESTRICT: a version an alias routes to cannot go (AWS's ConflictException), but deleting the
    # state machine takes both its aliases and its versions.
    version = models.ForeignKey(StateMachineVersion, on_delete=models.RESTRICT, related_name="routes")
    weight = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["alias", "id"]
        constraints = [models.UniqueConstraint(fields=["alias", "version"], name="alias_route_version_unique")]

    def __str__(self) -> str:
        return f"{self.alias.name} -> {self.version.number} ({self.weight}%)"


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
    # The version (and alias) the execution was started through; kept as ARNs because a version
    # or alias may be deleted while its executions remain, as on AWS.
    state_machine_version_arn = models.CharField(max_length=300, blank=True, default="")
    state_machine_alias_arn = models.CharField(max_length=300, blank=True, default="")
    # What the execution was started with to test it locally: {"testCase", "faults", "clock"}.
    local = models.JSONField(default=dict, blank=True)
    redrive_count = models.PositiveIntegerField(default=0)
    redrive_date = models.DateTimeField(null=True, blank=True)
    # What completed, by position, when the execution did not succeed: a redrive resumes from it.
    checkpoints = models.JSONField(null=True, blank=True)
    # A re-run from a state (designer.rerun_services): the finished execution it re-runs and the
    # top-level state it began at instead of StartAt.
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns")
    rerun_state = models.CharField(max_length=80, blank=True, default="")
    # The variables in scope at that state when the re-run began (null: none).
    rerun_variables = models.JSONField(null=True, blank=True)
    # A Distributed Map's child execution: the Map Run that started it (ListExecutions with a
    # mapRunArn lists these; with a stateMachineArn, only executions without one), and the
    # number of items it was given (one, or an ItemBatcher's batch).
    map_run = models.ForeignKey("MapRun", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    item_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        # No unique (state_machine, name): EXPRESS executions may reuse a name; the ARN of a
        # STANDARD execution is made of the two, so the unique ARN guards STANDARD names.
        indexes = [models.Index(fields=["state_machine", "status"]), models.Index(fields=["state_machine", "name"]),
                   models.Index(fields=["map_run", "status"])]

    def __str__(self) -> str:
        return self.arn


class HistoryRowId(models.BigAutoField):
    """The history's primary key, on SQLite the table's rowid without AUTOINCREMENT. Every
    execution writes its history here (400 rows for 200 states), and AUTOINCREMENT makes SQLite
    update its sequence table on each insert, a fifth of the insert's cost; nothing reads these ids
    (an event is found by its execution and event id), so a number once used may come back."""

    def db_type_suffix(self, connection):
        return None if connection.vendor == "sqlite" else super().db_type_suffix(connection)


class HistoryEvent(models.Model):
    id = HistoryRowId(primary_key=True)
    # No index of its own: the unique (execution, event_id) index serves every lookup by execution,
    # and each index is one more tree each inserted event is written to.
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="events", db_index=False)
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


class HistoryBatch(models.Model):
    """Events a runtime reported together for one execution (an execution's whole 400-event run
    of a 200-state chain, say), stored as one row: the JSON array of the events as the runtime
    made them. The history writer stores a runtime's events this way, one row where HistoryEvent
    took one per event (inserting those rows cost more than running the execution); events written
    one at a time (by the API's own actions) and Distributed Map children's go to HistoryEvent.
    ``designer.history`` reads both as one history. A replaying runtime may report events again:
    readers keep the first of each id."""

    id = HistoryRowId(primary_key=True)
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="event_batches",
                                  db_index=False)
    first_event_id = models.PositiveIntegerField()
    last_event_id = models.PositiveIntegerField()
    #: ``[{"id": 1, "type": ..., "timestamp": <epoch seconds, or whole microseconds>, ...}, ...]``
    events = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["execution", "first_event_id"], name="history_batch_by_execution")]

    def __str__(self) -> str:
        return f"{self.execution_id}#{self.first_event_id}-{self.last_event_id}"


class MapRun(models.Model):
    """A Distributed Map's run: the settings UpdateMapRun changes and the counts DescribeMapRun reports.

    The runtime reports the counts as the run goes (a few times a second); the settings are
    the Map's own when it starts and afterwards only UpdateMapRun changes them, and the
    running Map reads them back."""

    arn = models.CharField(max_length=500, unique=True)
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="map_runs")
    state_name = models.CharField(max_length=80)
    status = models.CharField(max_length=16, default="RUNNING")
    start_date = models.DateTimeField()
    stop_date = models.DateTimeField(null=True, blank=True)
    max_concurrency = models.PositiveIntegerField(default=0)
    tolerated_failure_percentage = models.FloatField(default=0.0)
    tolerated_failure_count = models.PositiveBigIntegerField(default=0)
    item_counts = models.JSONField(default=dict)
    execution_counts = models.JSONField(default=dict)
    # How many times the run ran again after it ended (a redrive of its execution), and when last.
    redrive_count = models.PositiveIntegerField(default=0)
    redrive_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.arn

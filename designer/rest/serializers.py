"""Serializers for the REST API: output shapes and input checks."""
from __future__ import annotations

from rest_framework import serializers

from designer.history import all_events
from designer.models import Execution, HistoryEvent, StateMachine, StateMachineType
from executor.inference.knobs import LIMITS


class StateMachineOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = StateMachine
        fields = ["name", "arn", "definition", "role_arn", "type", "layout", "tags", "created", "updated"]


class StateMachineListSerializer(serializers.ModelSerializer):
    class Meta:
        model = StateMachine
        fields = ["name", "arn", "type", "created", "updated"]


class StateMachineCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    definition = serializers.CharField(trim_whitespace=False)
    role_arn = serializers.CharField(max_length=256, default="arn:aws:iam::123456789012:role/switchyard")
    type = serializers.ChoiceField(choices=StateMachineType.choices, default=StateMachineType.STANDARD)
    layout = serializers.JSONField(required=False, default=dict)


class StateMachineUpdateSerializer(serializers.Serializer):
    definition = serializers.CharField(trim_whitespace=False, required=False)
    role_arn = serializers.CharField(max_length=256, required=False)
    layout = serializers.JSONField(required=False)
    # All the tags (it replaces them); the service checks them as TagResource does.
    tags = serializers.DictField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False)

    def validate_layout(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("The layout must be a JSON object.")
        return value


class ExecutionStartSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    input = serializers.CharField(trim_whitespace=False, required=False, default="{}")
    # Local testing (docs/testing.md): a test case of SFN_MOCK_CONFIG, a fault plan and a virtual
    # clock for this execution alone (the state machine's stored ones apply otherwise).
    test_case = serializers.CharField(max_length=80, required=False)
    faults = serializers.JSONField(required=False)
    clock = serializers.JSONField(required=False)


class ExecutionRerunSerializer(serializers.Serializer):
    state = serializers.CharField(max_length=80, trim_whitespace=False)
    # JSON text; absent or null: the input the state received in the run re-run.
    input = serializers.CharField(trim_whitespace=False, required=False, allow_null=True, allow_blank=True,
                                  default=None)
    # A JSON object's text: the variables in scope at the state (none by default).
    variables = serializers.CharField(trim_whitespace=False, required=False, allow_null=True, allow_blank=True,
                                      default=None)
    name = serializers.CharField(max_length=80, required=False)


class LocalSettingsSerializer(serializers.Serializer):
    faults = serializers.JSONField(required=False, allow_null=True)
    clock = serializers.JSONField(required=False, allow_null=True)


class BatchingSerializer(serializers.Serializer):
    """Batching knobs to turn, within the bounds executor/inference/knobs.py sets."""

    max_batch_size = serializers.IntegerField(required=False, min_value=LIMITS["max_batch_size"][0],
                                              max_value=LIMITS["max_batch_size"][1])
    max_wait_ms = serializers.FloatField(required=False, min_value=LIMITS["max_wait_ms"][0],
                                         max_value=LIMITS["max_wait_ms"][1])
    latency_target_ms = serializers.FloatField(required=False, allow_null=True,
                                               min_value=LIMITS["latency_target_ms"][0],
                                               max_value=LIMITS["latency_target_ms"][1])


class ExecutionListSerializer(serializers.ModelSerializer):
    state_machine = serializers.CharField(source="state_machine.name")

    class Meta:
        model = Execution
        fields = ["id", "arn", "name", "state_machine", "status", "start_date", "stop_date", "runtime"]


class HistoryEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = HistoryEvent
        fields = ["event_id", "previous_event_id", "type", "timestamp", "details"]


MAX_RERUNS_LISTED = 20


class RerunOfSerializer(serializers.Serializer):
    """Where a re-run came from: ``{"id", "arn", "name", "state", "variables"}`` (the variables it was
    given, or null), or null for any other execution."""

    def to_representation(self, execution: Execution):
        original = execution.rerun_of
        if not execution.rerun_state or original is None:
            return None
        return {"id": original.pk, "arn": original.arn, "name": original.name, "state": execution.rerun_state,
                "variables": execution.rerun_variables}


class ExecutionSummarySerializer(serializers.ModelSerializer):
    """An execution with its input, output and definition, without its history; ``reruns`` lists
    the latest executions that re-run it from a state."""

    state_machine = serializers.CharField(source="state_machine.name")
    rerun_of = RerunOfSerializer(source="*", read_only=True)
    reruns = serializers.SerializerMethodField()

    class Meta:
        model = Execution
        fields = ["id", "arn", "name", "state_machine", "status", "input", "output", "error", "cause",
                  "start_date", "stop_date", "runtime", "definition", "rerun_of", "reruns"]

    def get_reruns(self, execution: Execution) -> list[dict]:
        latest = execution.reruns.order_by("-start_date", "-id").values(
            "id", "arn", "name", "status", "rerun_state")[:MAX_RERUNS_LISTED]
        return [{"id": r["id"], "arn": r["arn"], "name": r["name"], "status": r["status"], "state": r["rerun_state"]}
                for r in latest]


class ExecutionDetailSerializer(ExecutionSummarySerializer):
    events = serializers.SerializerMethodField()

    class Meta(ExecutionSummarySerializer.Meta):
        fields = [*ExecutionSummarySerializer.Meta.fields, "events"]

    def get_events(self, execution: Execution) -> list[dict]:
        return HistoryEventSerializer(all_events(execution), many=True).data

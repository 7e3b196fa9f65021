"""REST API views: thin, they read with selectors and write with services."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer import inference_services, rerun_services, selectors, services, testing_selectors, testing_services
from designer.models import Execution, StateMachine
from designer.rest import serializers as s


def _state_machine(name: str) -> StateMachine:
    return get_object_or_404(StateMachine, name=name)


def _paginated(request: Request, view: APIView, queryset, serializer_class) -> Response:
    paginator = LimitOffsetPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class StateMachineListApi(APIView):
    def get(self, request: Request) -> Response:
        return _paginated(request, self, selectors.state_machine_list(), s.StateMachineListSerializer)

    def post(self, request: Request) -> Response:
        data = s.StateMachineCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        state_machine, created = services.state_machine_create(**data.validated_data)
        return Response(s.StateMachineOutputSerializer(state_machine).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class StateMachineDetailApi(APIView):
    def get(self, request: Request, name: str) -> Response:
        return Response(s.StateMachineOutputSerializer(_state_machine(name)).data)

    def patch(self, request: Request, name: str) -> Response:
        data = s.StateMachineUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        state_machine = services.state_machine_update(state_machine=_state_machine(name), **data.validated_data)
        return Response(s.StateMachineOutputSerializer(state_machine).data)

    def delete(self, request: Request, name: str) -> Response:
        services.state_machine_delete(state_machine=_state_machine(name))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExecutionStartApi(APIView):
    def post(self, request: Request, name: str) -> Response:
        data = s.ExecutionStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        state_machine = _state_machine(name)
        local = testing_services.local_settings_for(
            state_machine=state_machine, test_case=fields.pop("test_case", None), clock=fields.pop("clock", None),
            faults=fields.pop("faults", None))
        execution, _ = services.execution_start(state_machine=state_machine, local=local, **fields)
        return Response(s.ExecutionListSerializer(execution).data, status=status.HTTP_201_CREATED)


class LocalSettingsApi(APIView):
    """A state machine's fault plan and virtual clock, kept beside its definition."""

    def get(self, request: Request, name: str) -> Response:
        local = _state_machine(name).local_settings or {}
        return Response({"faults": local.get("faults"), "clock": local.get("clock")})

    def put(self, request: Request, name: str) -> Response:
        data = s.LocalSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        state_machine = testing_services.state_machine_local_settings_set(
            state_machine=_state_machine(name), **data.validated_data)
        local = state_machine.local_settings
        return Response({"faults": local.get("faults"), "clock": local.get("clock")})


class TestCaseListApi(APIView):
    """The mock test cases (SFN_MOCK_CONFIG) an execution of the state machine can be started with."""

    def get(self, request: Request, name: str) -> Response:
        return Response(testing_selectors.test_case_list(state_machine=_state_machine(name)))


class ExecutionListApi(APIView):
    def get(self, request: Request) -> Response:
        name = request.query_params.get("state_machine")
        executions = selectors.execution_list(
            state_machine=_state_machine(name) if name else None,
            status=request.query_params.get("status") or None,
        )
        return _paginated(request, self, executions, s.ExecutionListSerializer)


class ExecutionDetailApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        execution = get_object_or_404(Execution.objects.select_related("state_machine", "rerun_of"), pk=pk)
        return Response(s.ExecutionDetailSerializer(execution).data)


class ExecutionStopApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        execution = get_object_or_404(Execution.objects.select_related("state_machine"), pk=pk)
        execution = services.execution_stop(execution=execution, error=request.data.get("error"),
                                            cause=request.data.get("cause"))
        return Response(s.ExecutionListSerializer(execution).data)


class ExecutionRerunApi(APIView):
    """POST {state, input?, name?}: a new execution re-running this finished one from ``state``
    (docs/testing.md, "Run again from a state"); 201 with the new execution."""

    def post(self, request: Request, pk: int) -> Response:
        data = s.ExecutionRerunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        execution = get_object_or_404(Execution.objects.select_related("state_machine"), pk=pk)
        rerun = rerun_services.execution_rerun(execution=execution, **data.validated_data)
        return Response(s.ExecutionSummarySerializer(rerun).data, status=status.HTTP_201_CREATED)


class MetricsApi(APIView):
    """Per-model inference metrics (queue depth, batch sizes, waits, throughput, memory) and
    the runtime's queue depths, for the live view and for scripts."""

    def get(self, request: Request) -> Response:
        return Response(selectors.metrics_snapshot())


class InferenceBatchingApi(APIView):
    """A local model's batching knobs, turned while pipelines run: the effect shows in /api/metrics/
    and on the live view's nodes."""

    def get(self, request: Request, model: str) -> Response:
        return Response(inference_services.batching_get(model=model))

    def put(self, request: Request, model: str) -> Response:
        data = s.BatchingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(inference_services.batching_set(model=model, changes=dict(data.validated_data)))

    def delete(self, request: Request, model: str) -> Response:
        return Response(inference_services.batching_reset(model=model))

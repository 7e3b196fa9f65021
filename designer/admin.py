from django.contrib import admin

from designer.models import Execution, HistoryEvent, StateMachine


@admin.register(StateMachine)
class StateMachineAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "created", "updated"]
    search_fields = ["name"]


@admin.register(Execution)
class ExecutionAdmin(admin.ModelAdmin):
    list_display = ["name", "state_machine", "status", "start_date", "stop_date", "runtime"]
    list_filter = ["status", "runtime"]
    search_fields = ["name", "arn"]


@admin.register(HistoryEvent)
class HistoryEventAdmin(admin.ModelAdmin):
    list_display = ["execution", "event_id", "type", "timestamp"]
    list_filter = ["type"]

from django.contrib import admin

from designer.models import AliasRoute, Execution, HistoryEvent, StateMachine, StateMachineAlias, StateMachineVersion


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


@admin.register(StateMachineVersion)
class StateMachineVersionAdmin(admin.ModelAdmin):
    list_display = ["state_machine", "number", "description", "created"]
    search_fields = ["arn"]


class AliasRouteInline(admin.TabularInline):
    model = AliasRoute
    extra = 0


@admin.register(StateMachineAlias)
class StateMachineAliasAdmin(admin.ModelAdmin):
    list_display = ["state_machine", "name", "description", "updated"]
    search_fields = ["arn"]
    inlines = [AliasRouteInline]

from django.urls import path

from designer.rest import apis, aws_apis, designer_apis, versions

urlpatterns = [
    path("state-machines/", apis.StateMachineListApi.as_view(), name="state-machine-list"),
    path("state-machines/<str:name>/", apis.StateMachineDetailApi.as_view(), name="state-machine-detail"),
    path("state-machines/<str:name>/executions/", apis.ExecutionStartApi.as_view(), name="execution-start"),
    path("state-machines/<str:name>/export/", aws_apis.StateMachineExportApi.as_view(), name="state-machine-export"),
    path("state-machines/<str:name>/local-settings/", apis.LocalSettingsApi.as_view(), name="local-settings"),
    path("state-machines/<str:name>/test-cases/", apis.TestCaseListApi.as_view(), name="test-case-list"),
    path("state-machines/<str:name>/versions/", versions.VersionListApi.as_view(), name="version-list"),
    path("state-machines/<str:name>/versions/<int:number>/", versions.VersionDetailApi.as_view(),
         name="version-detail"),
    path("state-machines/<str:name>/aliases/", versions.AliasListApi.as_view(), name="alias-list"),
    path("state-machines/<str:name>/aliases/<str:alias>/", versions.AliasDetailApi.as_view(), name="alias-detail"),
    path("executions/", apis.ExecutionListApi.as_view(), name="execution-list"),
    path("executions/by-arn/", designer_apis.ExecutionByArnApi.as_view(), name="execution-by-arn"),
    path("executions/<int:pk>/", apis.ExecutionDetailApi.as_view(), name="execution-detail"),
    path("executions/<int:pk>/cost/", aws_apis.ExecutionCostApi.as_view(), name="execution-cost"),
    path("executions/<int:pk>/stop/", apis.ExecutionStopApi.as_view(), name="execution-stop"),
    path("executions/<int:pk>/rerun/", apis.ExecutionRerunApi.as_view(), name="execution-rerun"),
    path("validate/", designer_apis.ValidateApi.as_view(), name="validate"),
    path("designer/resources/", designer_apis.DesignerResourcesApi.as_view(), name="designer-resources"),
    path("examples/", designer_apis.ExamplesApi.as_view(), name="examples"),
    path("metrics/", apis.MetricsApi.as_view(), name="metrics"),
    path("inference/models/<str:model>/batching/", apis.InferenceBatchingApi.as_view(), name="inference-batching"),
]

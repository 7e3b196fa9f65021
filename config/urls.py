"""URLs: the AWS-compatible endpoint and the front end share "/", the REST API is under /api/."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from designer.awsapi.view import root_view

urlpatterns = [
    path("", root_view, name="root"),
    path("api/", include("designer.rest.urls")),
    path("admin/", admin.site.urls),
    # The front end's bundles (Vite writes them to frontend/dist/assets).
    re_path(r"^assets/(?P<path>.*)$", serve, {"document_root": settings.FRONTEND_DIST / "assets"}),
]

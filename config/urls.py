"""URLs: the AWS-compatible endpoint and the front end share "/", the REST API is under /api/."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from designer import frontend
from designer.awsapi.view import root_view

urlpatterns = [
    path("", root_view, name="root"),
    path("api/", include("designer.rest.urls")),
    path("admin/", admin.site.urls),
    # The single-page app's own routes: the same index.html, so a reload lands on the same page.
    re_path(r"^machines/.+$", frontend.spa, name="spa-machine"),
    re_path(r"^executions/.+$", frontend.spa, name="spa-execution"),
    # The front end's bundles (Vite writes them to frontend/dist/assets).
    re_path(r"^assets/(?P<path>.*)$", serve, {"document_root": settings.FRONTEND_DIST / "assets"}),
]

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def ping(request):
    """The login-required tiny view: the floor of this stack."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("ping/", ping),
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
]

"""The public answer page of the resolution notice's links (issue 23): no login, works on a phone.

GET shows what the link will do and one button (a mail scanner that follows links must not answer for the
customer); POST answers. Used, expired and invalid links get a clear page of their own.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from weibao.core.action_links import LinkError, LinkExpired, LinkUsed
from weibao.core.exceptions import TransitionNotAllowed
from weibao.workorders.choices import CustomerAnswer
from weibao.workorders.services.observation import observation_link_answer, observation_link_preview

PAGE = "workorders/answer.html"
NOTE_MAX = 2000


def _problem(request: HttpRequest, exc: LinkError) -> HttpResponse:
    status = {LinkUsed.code: 410, LinkExpired.code: 410}.get(exc.code, 404)
    link = exc.link
    context = {
        "problem": exc.code,
        "link": link,
        "used_answer": CustomerAnswer(link.used_choice).label if link and link.used_choice else "",
    }
    return render(request, PAGE, context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        workorder, choice, _link = observation_link_preview(token=token)
    except LinkError as exc:
        return _problem(request, exc)
    context = {
        "wo": workorder,
        "choice": choice,
        "choice_label": CustomerAnswer(choice).label,
        "not_fixed": choice == CustomerAnswer.NOT_FIXED,
    }
    if request.method == "POST":
        note = (request.POST.get("note") or "")[:NOTE_MAX]
        try:
            workorder = observation_link_answer(token=token, note=note)
        except LinkError as exc:
            return _problem(request, exc)
        except (TransitionNotAllowed, ValidationError):
            return render(request, PAGE, {**context, "problem": "moved_on"}, status=409)
        return render(request, PAGE, {**context, "wo": workorder, "done": True})
    return render(request, PAGE, context)

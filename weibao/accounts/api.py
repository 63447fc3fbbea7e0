"""Accounts API: who am I, and my own API tokens."""

from django.http import HttpRequest
from ninja import Router, Status

from weibao.accounts import selectors, services
from weibao.accounts.permissions import require
from weibao.accounts.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut
from weibao.core.apischema import Id

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "language": user.language,
        "organisation": {"id": user.organisation_id, "name": user.organisation.name, "kind": user.organisation.kind},
        "branch": str(user.branch) if user.branch_id else None,
    }


@router.get("/tokens", response=list[TokenOut])
def token_list(request: HttpRequest):
    require(request.user, "api.tokens")
    return list(selectors.token_list(user=request.user))


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, payload: TokenIn):
    require(request.user, "api.tokens")
    token, raw = services.token_create(user=request.user, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
def token_revoke(request: HttpRequest, token_id: Id):
    require(request.user, "api.tokens")
    token = selectors.token_get(user=request.user, pk=token_id)
    return services.token_revoke(user=request.user, token=token)

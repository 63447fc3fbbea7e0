"""Issue 18 §10: no page shows a raw choice code (`waiting_customer`) where its label belongs, no English blank
choice ("- Select an option -", "---------") on a Chinese form, and the language switcher names each language
in itself (English, 简体中文). Every menu page and a work order's page, for a demo user of every role."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.core.management import call_command

from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.core.navigation import nav_for

pytestmark = pytest.mark.django_db

INVISIBLE = {"script", "style", "template", "noscript", "title"}


class VisibleText(HTMLParser):
    """The text a reader sees, plus the labels of <option>s (what a select shows)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []
        self.options: list[str] = []
        self._option: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in INVISIBLE:
            self.hidden += 1
        if tag == "option":
            self._option = []

    def handle_endtag(self, tag):
        if tag in INVISIBLE and self.hidden:
            self.hidden -= 1
        if tag == "option" and self._option is not None:
            self.options.append("".join(self._option).strip())
            self._option = None

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)
        if self._option is not None:
            self._option.append(data)


def _choice_codes() -> set[str]:
    """Every stored choice value that looks like code (two or more words joined by "_"), of every weibao model."""
    codes = set()
    for model in apps.get_models():
        if not model.__module__.startswith("weibao."):
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z]+(_[a-z]+)+", value):
                    codes.add(value)
    return codes


def _visible(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    return parser


def test_the_check_catches_a_raw_code():
    seen = _visible(
        "<p>状态：waiting_customer</p><script>var s='on_site'</script><option value='a_b'>---------</option>"
    )
    words = set(re.findall(r"[a-z_]+", " ".join(seen.parts)))
    assert "waiting_customer" in words
    assert "on_site" not in words
    assert seen.options == ["---------"]


def test_no_raw_code_or_english_blank_choice_on_any_page(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    call_command("seed", "--demo", stdout=io.StringIO())
    codes = _choice_codes()
    assert {"waiting_customer", "on_site", "service_manager"} <= codes
    from weibao.workorders.models import WorkOrder

    order = WorkOrder.objects.order_by("pk").first()
    found: dict[str, set[str]] = {}
    blank: dict[str, set[str]] = {}
    switcher: dict[str, set[str]] = {}
    for role in Role.values:
        user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
        if user is None:
            continue
        client.force_login(user)
        urls = [item["url"] for item in nav_for(user, "/")]
        if not user.is_vendor:
            urls.append(f"/work-orders/{order.pk}/")
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            seen = _visible(response.text)
            words = set(re.findall(r"(?<![\w./:-])[a-z]+(?:_[a-z]+)+(?![\w./:-])", " ".join(seen.parts)))
            if words & codes:
                found[f"{role} {url}"] = words & codes
            english = {o for o in seen.options if o in ("---------", "- Select an option -")}
            if english:
                blank[f"{role} {url}"] = english
            if 'name="language"' in response.text and not {"English", "简体中文"} <= set(seen.options):
                switcher[f"{role} {url}"] = set(seen.options)
        client.logout()
    assert found == {}
    assert blank == {}
    assert switcher == {}


def test_blank_choice_is_chinese_on_a_model_form():
    from django import forms
    from django.utils import translation

    from weibao.assets.models import Vendor

    field = forms.ModelChoiceField(queryset=Vendor.objects.none(), required=False)
    with translation.override("zh-hans"):
        label = str(field.empty_label)
    assert label == "- 请选择 -"

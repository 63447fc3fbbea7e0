"""The mail reader on its own: decoding, quoted-reply trimming, machine-mail detection (no servers needed)."""

import pytest

from weibao.notifications.mailparse import (
    MalformedMail,
    automated_reason,
    decode_bytes,
    decode_header_value,
    html_to_text,
    parse_mail,
    sanitise_html,
    trim_quoted,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?GB2312?B?vOC/2NK7zOU=?=", "监控一体"),
        ("=?gb2312?B?1uzpRrjf?=", "朱镕高"),  # 镕 is GBK-only, declared GB2312
        ("=?UTF-8?Q?=E6=9C=BA=E6=88=BF?= =?UTF-8?Q?=E6=96=AD=E7=94=B5?=", "机房断电"),  # adjacent words join
        ("=?big5?B?vvfF6Q==?=", "機體"),
        ("Re: [WB-2026-000001] plain", "Re: [WB-2026-000001] plain"),
        ("=?utf-8?B?broken", "=?utf-8?B?broken"),
    ],
)
def test_decode_header_value(raw, expected):
    assert decode_header_value(raw) == expected


def test_decode_bytes_falls_back_from_the_declared_charset():
    assert decode_bytes("镕".encode("gbk"), "gb2312") == "镕"
    assert decode_bytes("录音".encode("gbk"), "utf-8") == "录音"
    assert decode_bytes("𠮷".encode("gb18030"), "gbk") == "𠮷"
    assert decode_bytes(b"\xff\xfe\xfa", "no-such-charset")  # never raises


@pytest.mark.parametrize(
    "text",
    [
        "好的\n\n-----原始邮件-----\n发件人: a\n旧内容",
        "OK\n\n-----Original Message-----\nFrom: a\nold",
        "好的\n------------------ 原始邮件 ------------------\n发件人: a\n旧内容",
        "OK\n\nOn Wed, Nov 25, 2026 at 9:00 AM Weibao <s@w.test> wrote:\n> old",
        "OK\n\nOn Wed, Nov 25, 2026 at 9:00 AM Weibao <s@w.test>\nwrote:\n> old",
        "好的\n\n在 2026年11月25日周三 09:00，维保 <s@w.test> 写道：\n> 旧内容",
        "OK\n________________________________\nFrom: Weibao\nSent: Wednesday\nTo: me\nold",
        "OK\n\nFrom: Weibao <s@w.test>\nSent: Wednesday, 25 November 2026 09:00\nold",
        "OK\n> old\n> older",
    ],
)
def test_trim_quoted_keeps_only_the_new_text(text):
    assert trim_quoted(text) in ("好的", "OK")


def test_trim_quoted_never_returns_nothing():
    assert trim_quoted("-----Original Message-----\nFrom: a\nonly quoted").startswith("-----Original Message-----")


def test_html_to_text_and_sanitising():
    html = "<style>x{}</style><p>第一段<br>第二行</p><ul><li>甲</li></ul><a href='https://x.cn'>链接</a><script>bad()</script>"
    text = html_to_text(html)
    assert "第一段\n第二行" in text
    assert "- 甲" in text
    assert "链接 (https://x.cn)" in text
    assert "bad" not in text
    clean = sanitise_html('<p onclick="x()">a</p><img src="http://t.example/p.gif"><script>bad()</script>')
    assert "onclick" not in clean
    assert "t.example" not in clean
    assert "script" not in clean


@pytest.mark.parametrize(
    ("headers", "automated"),
    [
        ("Auto-Submitted: auto-replied", True),
        ("Auto-Submitted: no", False),
        ("Precedence: bulk", True),
        ("X-Autoreply: yes", True),
        ("List-Id: <ops.jia.example.cn>", True),
        ("Return-Path: <>", True),
        ("X-Auto-Response-Suppress: OOF", True),
        ("X-Mailer: Foxmail", False),
    ],
)
def test_automated_reason(headers, automated):
    from email import message_from_string

    msg = message_from_string(f"From: a@b.cn\n{headers}\nSubject: x\n\nbody\n")
    assert bool(automated_reason(msg)) is automated


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\x01 not a mail"])
def test_unreadable_mail_is_refused_with_a_reason(raw):
    with pytest.raises(MalformedMail):
        parse_mail(raw)

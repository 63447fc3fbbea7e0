"""Reading one received mail: headers, text, attachments — right for Chinese mail. Pure (no database).

Chinese mail in the wild declares GB2312 while using characters only GBK/GB18030 have, puts raw GBK bytes into
headers, encodes file names as RFC 2047 words inside quoted parameters (Outlook, Foxmail) or as RFC 2231
(Thunderbird, Gmail), and sends HTML only. Every decoder below falls back instead of failing; a mail is refused
(`MalformedMail`) only when its structure cannot be trusted at all.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.errors import (
    CloseBoundaryNotFoundDefect,
    MultipartInvariantViolationDefect,
    NoBoundaryInMultipartDefect,
    StartBoundaryNotFoundDefect,
)
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3

# Declared charsets that are really subsets of GB18030 in practice: decode them all as GB18030.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb_2312": "gb18030",
    "euc-cn": "gb18030",
    "x-gbk": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "x-euc-cn": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
    "us-ascii": "utf-8",  # mislabelled 8-bit mail: UTF-8 first, then GB18030
    "ascii": "utf-8",
}

# Structural defects after which we cannot say which part is the body: such a mail goes to quarantine.
FATAL_DEFECTS = (
    NoBoundaryInMultipartDefect,
    StartBoundaryNotFoundDefect,
    MultipartInvariantViolationDefect,
)

ORDER_NUMBER_RE = re.compile(r"\bWB-\d{4}-\d{6}\b")
MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")


class MalformedMail(Exception):
    """The mail cannot be read reliably; it is quarantined with this reason."""


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMail:
    message_id: str
    subject: str
    from_name: str
    from_address: str
    to: list[str]
    cc: list[str]
    sent_at: datetime | None
    in_reply_to: list[str]
    references: list[str]
    text: str  # the whole text (HTML rendered to text when there is no plain part)
    html: str  # sanitised HTML, '' when the mail has none
    attachments: list[Attachment] = field(default_factory=list)
    automated: str = ""  # why this is an auto-reply/bulk mail that must not be answered ('' = a person wrote it)
    defects: list[str] = field(default_factory=list)
    damaged: str = ""  # why the structure is broken although something could be read ('' = intact)
    bounce_of: list[str] | None = None  # a delivery report: the Message-IDs of our mails it reports on (None = none)

    @property
    def reply_text(self) -> str:
        """The text without the quoted earlier mail: what a reply adds to the order."""
        return trim_quoted(self.text)

    @property
    def order_numbers(self) -> list[str]:
        return ORDER_NUMBER_RE.findall(self.subject)


# --- decoding --------------------------------------------------------------------------------------------------


def codec_for(charset: str | None) -> str:
    charset = (charset or "").strip().strip('"').lower()
    return CHARSET_ALIASES.get(charset, charset or "utf-8")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode body bytes: the declared charset (GB2312 read as GB18030), then UTF-8, then GB18030, never failing."""
    candidates = [codec_for(charset)] if charset else []
    for codec in [*candidates, "utf-8", "gb18030"]:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def _raw_header_bytes(value: str) -> bytes:
    # compat32 parsing leaves undeclared 8-bit header bytes as surrogate escapes: get the bytes back.
    return value.encode("ascii", errors="surrogateescape")


def decode_header_value(value) -> str:
    """A header as text: RFC 2047 encoded words (any charset, GB2312 as GB18030) and raw 8-bit headers."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    try:
        raw = _raw_header_bytes(value)
    except UnicodeEncodeError:
        raw = None
    if raw is not None and any(b > 127 for b in raw) and "=?" not in value:
        return decode_bytes(raw).strip()
    try:
        chunks = decode_header(value)
    except Exception:  # a broken encoded word: show the header as it came
        return value.strip()
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        else:
            parts.append(decode_bytes(chunk, charset) if charset else decode_bytes(chunk))
    # RFC 2047: whitespace between adjacent encoded words is dropped (decode_header already does so).
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def header_text(msg: Message, name: str) -> str:
    """A header as plain text, whatever it holds: compat32 hands raw 8-bit header bytes back as a `Header` object
    (a GBK file name in Content-Disposition), which has no string methods."""
    value = msg.get(name)
    return "" if value is None else (value if isinstance(value, str) else decode_header_value(str(value)))


def raw_headers(msg: Message) -> dict[str, list[str]]:
    """Header values as received (8-bit bytes kept as surrogate escapes), by lower-case name."""
    out: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        out.setdefault(name.lower(), []).append(value if isinstance(value, str) else str(value))
    return out


def parse_addresses(values: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs with names decoded; addresses lower-cased."""
    out = []
    for name, address in getaddresses([v for v in values if v]):
        address = address.strip().lower()
        if "@" not in address:
            continue
        out.append((decode_header_value(name), address))
    return out


def message_ids(value: str | None) -> list[str]:
    return MESSAGE_ID_RE.findall(value or "")


def part_filename(part: Message) -> str:
    """An attachment's file name from Content-Disposition or Content-Type, RFC 2231 or RFC 2047 encoded."""
    for header in ("content-disposition", "content-type"):
        param = "filename" if header == "content-disposition" else "name"
        value = part.get_param(param, header=header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text as latin-1)
            charset, _language, text = value
            return decode_bytes(text.encode("latin-1", errors="surrogateescape"), charset).strip()
        value = value.strip('"')
        if "\ufffd" in value:  # raw 8-bit bytes (a GBK name without RFC 2047/2231): read them from the raw header
            value = _raw_param(part, header, param) or value
        return decode_header_value(value)
    return ""


def _raw_param(part: Message, header: str, param: str) -> str:
    """A parameter of a header with undeclared 8-bit bytes, decoded as GB18030/UTF-8 (compat32 replaces them)."""
    for name, value in part.raw_items():
        if name.lower() != header:
            continue
        raw = value if isinstance(value, str) else str(value)
        match = re.search(rf'{param}\s*=\s*"([^"]*)"|{param}\s*=\s*([^;\s]+)', raw, re.IGNORECASE)
        if match:
            return decode_bytes(_raw_header_bytes(match.group(1) or match.group(2)))
    return ""


# --- HTML ---------------------------------------------------------------------------------------------------------

BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "hr",
    "section",
    "article",
    "header",
    "footer",
}
SKIP_TAGS = {"script", "style", "head", "title"}


class _TextRenderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.href: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIP_TAGS:
            self.skip += 1
        elif tag in BLOCK_TAGS:
            self.out.append("\n")
            if tag == "li":
                self.out.append("- ")
        elif tag in ("td", "th"):
            self.out.append("\t")
        elif tag == "a":
            self.href.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK_TAGS:
            self.out.append("\n")
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href.startswith(("http://", "https://")):
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    renderer = _TextRenderer()
    renderer.feed(html)
    renderer.close()
    lines = [line.strip() for line in "".join(renderer.out).replace("\xa0", " ").splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sanitise_html(html: str) -> str:
    """Safe to show inside our pages: no scripts, styles, event handlers or remote loads beyond plain links."""
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_no_remote_images,
    )


def _no_remote_images(tag: str, attribute: str, value: str) -> str | None:
    # A remote image in a mail is a read receipt (tracking pixel): staff opening the mail must not trigger it.
    if tag == "img" and attribute == "src" and not value.startswith("cid:"):
        return None
    return value


# --- quoted replies -----------------------------------------------------------------------------------------------

QUOTE_SEPARATORS = [
    re.compile(r"^\s*-{2,}\s*(原始邮件|Original Message|原始郵件)\s*-{2,}\s*$", re.IGNORECASE),  # Outlook, Foxmail
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook on the web draws a rule before the quoted header block
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^\s*在\s?.{0,300}写道[:：]\s*$"),  # Gmail and others in Chinese
    re.compile(r"^\s*.{0,300}于\s?.{0,100}写道[:：]\s*$"),
]
HEADER_BLOCK_START = re.compile(r"^\s*\**\s*(From|发件人|寄件者)\s*\**\s*[:：]", re.IGNORECASE)
HEADER_BLOCK_NEXT = re.compile(r"^\s*\**\s*(Sent|Date|发送时间|时间|日期|To|收件人)\s*\**\s*[:：]", re.IGNORECASE)


def trim_quoted(text: str) -> str:
    """Cut the quoted earlier mail off a reply: at the first separator line, an Outlook header block, a Gmail
    attribution (also split over two lines), or a trailing run of '>' lines."""
    lines = text.splitlines()
    cut = len(lines)
    for i, line in enumerate(lines):
        joined = line + " " + lines[i + 1] if i + 1 < len(lines) else line
        if any(p.match(line) for p in QUOTE_SEPARATORS) or (
            i + 1 < len(lines)
            and any(p.match(joined) for p in QUOTE_SEPARATORS[2:])
            and line.strip().startswith(("On ", "在"))
        ):
            cut = i
            break
        if HEADER_BLOCK_START.match(line) and any(HEADER_BLOCK_NEXT.match(n) for n in lines[i + 1 : i + 4]):
            cut = i
            break
    lines = lines[:cut]
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    trimmed = "\n".join(lines).strip()
    return trimmed or text.strip()


# --- the whole mail --------------------------------------------------------------------------------------------


# Out-of-office subjects of clients that send no Auto-Submitted header (Outlook/Exchange, Foxmail, QQ, 163 mail,
# Apple Mail, and the German and French replies of international vendors' staff).
_OUT_OF_OFFICE = re.compile(
    r"^\s*\[?\s*(?:"
    # unmistakable wherever they start the subject
    r"自动回复|自動回覆|自动答复|自動答覆|out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|"
    r"auto[- ]?response|abwesenheitsnotiz|r[ée]ponse automatique"
    # words a real report may also start with ("休假期间…"): only as a prefix with a colon ("休假：…")
    r"|(?:休假|不在办公室|abwesend|absence)\s*\]?\s*[:：]"
    r")",
    re.IGNORECASE,
)


def out_of_office_subject(subject: str) -> bool:
    """The subject is an automatic out-of-office reply ("自动回复: …", "Automatic reply: …", "Out of Office: …")."""
    return bool(_OUT_OF_OFFICE.match(subject or ""))


def automated_reason(msg: Message) -> str:
    """Why a mail was sent by a machine (auto-reply, list, bulk) so that we must not answer it; '' otherwise."""
    auto_submitted = header_text(msg, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = header_text(msg, "Precedence").strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id", "List-Unsubscribe"):
        value = header_text(msg, header).strip()
        if header == "X-Auto-Response-Suppress" and value.lower() not in ("all", "autoreply", "oof"):
            continue
        if value:
            return f"{header}: {value[:80]}"
    if header_text(msg, "Return-Path").strip() == "<>":
        return "Return-Path: <>"
    return ""


_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery status notification|delivery (has )?failed|mail delivery failed|returned mail|"
    r"failure notice|退信|系统退信|未能送达|无法投递|投递失败|發送失敗|无法送达)",
    re.IGNORECASE,
)


def bounce_of(msg: Message, from_address: str, subject: str) -> list[str] | None:
    """A delivery status report (RFC 3464 `multipart/report`, or a mailer daemon's plain-text bounce): the
    Message-IDs of the returned mail (from its attached headers, then anywhere in the report), or None when the mail
    is no bounce. A bounce is never a person's report and is never answered."""
    is_report = msg.get_content_type() == "multipart/report"
    null_sender = header_text(msg, "Return-Path").strip() == "<>"
    daemon = bool(_BOUNCE_SENDER.match(from_address or ""))
    if not (is_report or ((null_sender or daemon) and _BOUNCE_SUBJECT.search(subject or ""))):
        return None
    ids: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822" and isinstance(part.get_payload(), list) and part.get_payload():
            ids += message_ids(header_text(part.get_payload()[0], "Message-ID"))
        elif ctype == "text/rfc822-headers":
            headers = message_from_bytes(part.get_payload(decode=True) or b"")
            ids += message_ids(header_text(headers, "Message-ID"))
    if not ids:  # plain-text bounces quote the returned headers in the text
        for part in msg.walk():
            if part.get_content_maintype() == "text" and not part.is_multipart():
                body = decode_bytes(part.get_payload(decode=True) or b"", part.get_content_charset())
                ids += [m for m in message_ids(body) if m not in ids]
    ids += [m for m in message_ids(header_text(msg, "In-Reply-To")) if m not in ids]
    return ids


def dedupe_key(message_id: str, raw: bytes) -> str:
    """The same mail twice (delivered again, or to two of our addresses) has the same Message-ID *and* body; some
    appliances reuse one Message-ID for every alarm, so the body counts too. Headers differ between copies
    (Received, Delivered-To) and are left out. Without a Message-ID: the whole source."""
    if not message_id:
        return hashlib.sha256(raw).hexdigest()
    parts = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    body = parts[1] if len(parts) == 2 else b""
    return hashlib.sha256(message_id.encode() + b"\0" + hashlib.sha256(body).digest()).hexdigest()


def header_message_id(raw: bytes) -> str:
    """Just the Message-ID, cheaply (used before the full parse to find duplicates)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = re.search(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", head, re.IGNORECASE | re.MULTILINE)
    if not match:
        return ""
    ids = message_ids(match.group(1).decode("ascii", errors="replace"))
    return ids[0][:998] if ids else ""


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse one mail; raise MalformedMail with a reason when it cannot be read reliably."""
    if not raw or not raw.strip():
        raise MalformedMail("empty message")
    try:
        msg = message_from_bytes(raw)
    except Exception as exc:  # the stdlib parser is lenient; anything raised here is a truly broken mail
        raise MalformedMail(f"unparseable: {exc!r}") from exc
    if not msg.keys():
        raise MalformedMail("no headers")
    defects = [type(d).__name__ for part in msg.walk() for d in part.defects]
    fatal = sorted({type(d).__name__ for part in msg.walk() for d in part.defects if isinstance(d, FATAL_DEFECTS)})

    headers = raw_headers(msg)
    senders = parse_addresses(headers.get("from", []) or headers.get("sender", []))
    from_name, from_address = senders[0] if senders else ("", "")
    sent_at = None
    if date := header_text(msg, "Date"):
        try:
            sent_at = parsedate_to_datetime(str(date))
            if sent_at.tzinfo is None:
                sent_at = None
        except (TypeError, ValueError, IndexError):
            sent_at = None

    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[Attachment] = []
    damaged = ""
    if fatal:
        # No trustworthy part structure (a multipart without its boundary, or a boundary never found): keep what
        # can be read — the body as text — and say so; the raw mail stays with the inbound row.
        damaged = "broken MIME structure: " + ", ".join(fatal)
        text_parts.append(_readable_body(raw))
        if not text_parts[0].strip():
            raise MalformedMail(damaged + " and no readable text")
    else:
        try:
            _walk(msg, text_parts, html_parts, attachments)
        except Exception as exc:
            raise MalformedMail(f"undecodable body: {exc!r}") from exc

    attachments, tnef_text, tnef_problem = _unpack_tnef(attachments)
    html = "\n".join(html_parts)
    text = "\n\n".join(t for t in text_parts if t.strip())
    if not text and html:
        text = html_to_text(html)
    if not text.strip() and tnef_text:  # Outlook sent the text only inside winmail.dat
        text = tnef_text
    damaged = damaged or tnef_problem
    if CloseBoundaryNotFoundDefect.__name__ in defects:
        if not text and not attachments:
            raise MalformedMail("broken MIME structure: CloseBoundaryNotFoundDefect and no readable part")
        damaged = damaged or "truncated: the closing MIME boundary is missing (the last part may be incomplete)"

    message_id = (message_ids(header_text(msg, "Message-ID")) or [""])[0][:998]
    subject = decode_header_value((headers.get("subject") or [""])[0])[:500]
    return ParsedMail(
        message_id=message_id,
        subject=subject,
        from_name=from_name[:200],
        from_address=from_address[:320],
        to=[a for _n, a in parse_addresses(headers.get("to", []))],
        cc=[a for _n, a in parse_addresses(headers.get("cc", []))],
        sent_at=sent_at,
        in_reply_to=message_ids(header_text(msg, "In-Reply-To")),
        references=message_ids(header_text(msg, "References")),
        text=text.replace("\r\n", "\n").strip(),
        html=sanitise_html(html) if html else "",
        attachments=attachments,
        automated=automated_reason(msg),
        defects=defects,
        damaged=damaged,
        bounce_of=bounce_of(msg, from_address, subject),
    )


def _readable_body(raw: bytes) -> str:
    """The body of a mail whose MIME structure cannot be trusted, as text (UTF-8, then GB18030)."""
    parts = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    body = parts[1] if len(parts) == 2 else b""
    return decode_bytes(body).replace("\r\n", "\n").strip()


def _walk(part: Message, text_parts: list[str], html_parts: list[str], attachments: list[Attachment]) -> None:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":  # a forwarded mail travels as one attachment (.eml), not as our text
        attachments.append(_attachment(part))
        return
    if part.is_multipart():
        children = part.get_payload()
        if ctype == "multipart/alternative":
            # Prefer the plain text for the text, but keep the HTML for display.
            plain = [c for c in children if c.get_content_type() == "text/plain" and not _is_attachment(c)]
            rich = [c for c in children if c.get_content_type() == "text/html" and not _is_attachment(c)]
            others = [c for c in children if c not in plain and c not in rich]
            if plain:
                _walk(plain[0], text_parts, html_parts, attachments)
            if rich:
                _walk(rich[0], [] if plain else text_parts, html_parts, attachments)
            for child in others:
                _walk(child, text_parts, html_parts, attachments)
            return
        for child in children:
            _walk(child, text_parts, html_parts, attachments)
        return
    if _is_attachment(part):
        attachments.append(_attachment(part))
        return
    if ctype == "text/plain":
        text_parts.append(decode_bytes(part.get_payload(decode=True) or b"", part.get_content_charset()))
    elif ctype == "text/html":
        html = decode_bytes(part.get_payload(decode=True) or b"", part.get_content_charset())
        html_parts.append(html)
    else:  # an unnamed binary part: keep it rather than lose it
        attachments.append(_attachment(part))


# Outlook's "rich text" mail carries its files (and sometimes its text) inside one winmail.dat (TNEF).
TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
TNEF_NAMES = {"winmail.dat", "win.dat"}


def _is_tnef(attachment: Attachment) -> bool:
    return attachment.content_type in TNEF_TYPES or attachment.filename.strip().lower() in TNEF_NAMES


def _unpack_tnef(attachments: list[Attachment]) -> tuple[list[Attachment], str, str]:
    """The files inside each winmail.dat become attachments of their own (then checked like any other), and its
    body the text when the mail has none elsewhere. A winmail.dat that cannot be read stays as it is (refused by the
    upload rules, kept in the raw mail) and is reported. Returns (attachments, TNEF text, problem)."""
    if not any(_is_tnef(a) for a in attachments):
        return attachments, "", ""
    from tnefparse import TNEF

    result: list[Attachment] = []
    texts: list[str] = []
    problems: list[str] = []
    for attachment in attachments:
        if not _is_tnef(attachment):
            result.append(attachment)
            continue
        try:  # the library raises whatever a crafted blob provokes (struct, index, unbound names, decoding)
            tnef = TNEF(attachment.data, do_checksum=True)
            inner = [_tnef_file(item, tnef.codepage) for item in tnef.attachments]
            body = _tnef_text(tnef)
        except Exception as exc:
            problems.append(f"{attachment.filename}: TNEF not readable ({type(exc).__name__})")
            result.append(attachment)
            continue
        inner = [item for item in inner if item.data]
        if not inner and not body.strip():  # nothing came out: keep the .dat itself rather than lose it
            problems.append(f"{attachment.filename}: no files or text found in it")
            result.append(attachment)
            continue
        if not all(obj.good_checksum for obj in tnef.objects):  # truncated or altered: what was read is kept, flagged
            problems.append(f"{attachment.filename}: damaged (checksum), its files may be incomplete")
        result.extend(inner)
        if body.strip():
            texts.append(body)
    problem = ("winmail.dat: " + "; ".join(problems)) if problems else ""
    return result, "\n\n".join(texts), problem


def _tnef_file(item, codepage: str | None) -> Attachment:
    name = ""
    try:
        name = item.long_filename()
    except UnicodeDecodeError:  # an 8-bit title in the sender's code page (GBK in China), not UTF-8
        name = decode_bytes(bytes(getattr(item, "_name", b"")).rstrip(b"\x00"), codepage)
    if isinstance(name, bytes):
        name = decode_bytes(name.rstrip(b"\x00"), codepage)
    name = re.sub(r"[\\/\x00-\x1f]", "_", name or "").strip() or "attachment.bin"
    data = item.data if isinstance(item.data, bytes) else b""
    return Attachment(filename=name[:200], content_type="application/octet-stream", data=data)


def _tnef_text(tnef) -> str:
    body = tnef.body
    if isinstance(body, bytes):
        body = decode_bytes(body.rstrip(b"\x00"), tnef.codepage)
    if not body and tnef.htmlbody:
        html = tnef.htmlbody
        body = html_to_text(decode_bytes(html, tnef.codepage) if isinstance(html, bytes) else html)
    return (body or "").replace("\r\n", "\n").strip()


def _is_attachment(part: Message) -> bool:
    disposition = header_text(part, "Content-Disposition").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    if part.get_content_maintype() == "text" and not part_filename(part):
        return False
    return bool(part_filename(part) or header_text(part, "Content-ID") or part.get_content_maintype() != "text")


def _attachment(part: Message) -> Attachment:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        inner = part.get_payload()
        data = inner[0].as_bytes() if isinstance(inner, list) and inner else (part.get_payload(decode=True) or b"")
        subject = decode_header_value(inner[0].get("Subject")) if isinstance(inner, list) and inner else ""
        name = part_filename(part) or f"{subject or 'message'}.eml"
    else:
        data = part.get_payload(decode=True) or b""
        name = part_filename(part)
    content_id = header_text(part, "Content-ID").strip().strip("<>")
    if not name:
        ext = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "application/pdf": ".pdf"}.get(
            ctype, ".bin"
        )
        name = (content_id.split("@")[0] or "attachment") + ext
    name = re.sub(r"[\\/\x00-\x1f]", "_", name).strip() or "attachment.bin"
    disposition = header_text(part, "Content-Disposition").split(";")[0].strip().lower()
    return Attachment(
        filename=name[:200],
        content_type=ctype,
        data=data,
        content_id=content_id,
        inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
    )

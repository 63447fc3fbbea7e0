"""A small IMAP client over imaplib: connect (IMAPS, STARTTLS or plain), select, list new UIDs, fetch raw mail.

Our position is (UIDVALIDITY, last UID) in the Mailbox row, so a crash re-reads at most one batch, which the
InboundMessage unique constraints absorb. Once a batch is stored, its mail is flagged \\Seen and, when the mailbox
names a processed folder, moved there (IMAP MOVE, or COPY + \\Deleted + EXPUNGE on servers without it).
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from typing import TYPE_CHECKING

from weibao.notifications import conf
from weibao.notifications.channels.base import ssl_context  # one TLS policy (and extra CA file) for every channel
from weibao.notifications.choices import MailboxSecurity

if TYPE_CHECKING:
    from weibao.notifications.models import Mailbox

UID_RE = re.compile(rb"UID (\d+)")
UIDVALIDITY_RE = re.compile(rb"UIDVALIDITY (\d+)")

# What a broken connection looks like: the poll records it and the next run tries again.
IMAP_ERRORS = (imaplib.IMAP4.error, OSError, ssl.SSLError, socket.timeout, EOFError)


class ImapError(Exception):
    pass


def _quote_folder(folder: str) -> str:
    # imaplib sends arguments as they are: quote names with spaces, escape quotes (RFC 3501 quoted string).
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSession:
    """`with ImapSession(mailbox) as s: s.select(); s.uids_after(n); s.fetch([...])`."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.conn: imaplib.IMAP4 | None = None

    def __enter__(self) -> ImapSession:
        mb = self.mailbox
        password = mb.password
        if not password:  # before connecting: nothing to open (and leave open) for a mailbox that cannot log in
            raise ImapError(f"the environment variable {mb.password_env or '(none)'} holding the password is not set")
        timeout = conf.get("WEIBAO_MAIL_TIMEOUT")
        if mb.security == MailboxSecurity.IMAPS:
            self.conn = imaplib.IMAP4_SSL(mb.host, mb.port, ssl_context=ssl_context(), timeout=timeout)
        else:
            self.conn = imaplib.IMAP4(mb.host, mb.port, timeout=timeout)
        try:
            if mb.security == MailboxSecurity.STARTTLS:
                self.conn.starttls(ssl_context=ssl_context())
            self.conn.login(mb.username, password)
        except BaseException:
            # `with` does not call __exit__ when __enter__ fails: close the socket here, or every poll of a mailbox
            # with a wrong password leaves one open.
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self.conn is None:
            return
        try:
            if self.conn.state == "SELECTED":
                self.conn.close()
            self.conn.logout()
        except IMAP_ERRORS:
            pass  # the server went away; nothing to tidy

    def select(self, folder: str, *, readonly: bool = True) -> int:
        """Open `folder` (read-only unless asked) and return its UIDVALIDITY."""
        typ, data = self.conn.select(_quote_folder(folder), readonly=readonly)
        if typ != "OK":
            raise ImapError(f"cannot open folder {folder!r}: {data!r}")
        typ, data = self.conn.response("UIDVALIDITY")
        if data and data[0]:
            return int(data[0])
        typ, data = self.conn.status(_quote_folder(folder), "(UIDVALIDITY)")
        match = UIDVALIDITY_RE.search(data[0] or b"")
        if not match:
            raise ImapError("the server did not report UIDVALIDITY")
        return int(match.group(1))

    def uids_after(self, last_uid: int) -> list[int]:
        typ, data = self.conn.uid("SEARCH", None, f"UID {last_uid + 1}:*")
        if typ != "OK":
            raise ImapError(f"UID SEARCH failed: {data!r}")
        # "n:*" always matches the highest UID, even when it is <= last_uid (RFC 3501 §6.4.8): filter.
        return sorted(uid for uid in (int(x) for x in (data[0] or b"").split()) if uid > last_uid)

    def fetch(self, uids: list[int]) -> Iterator[tuple[int, bytes]]:
        """(uid, raw message) for each UID still present, in UID order."""
        if not uids:
            return
        typ, data = self.conn.uid("FETCH", ",".join(str(u) for u in uids), "(UID BODY.PEEK[])")
        if typ != "OK":
            raise ImapError(f"UID FETCH failed: {data!r}")
        found, waiting = [], None
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                match = UID_RE.search(item[0])
                if match:
                    found.append((int(match.group(1)), item[1]))
                else:
                    waiting = item[1]  # some servers put "UID n" after the literal
            elif isinstance(item, bytes) and waiting is not None:
                if match := UID_RE.search(item):
                    found.append((int(match.group(1)), waiting))
                waiting = None
        yield from sorted(found)

    def mark_processed(self, uids: list[int], folder: str = "") -> None:
        """Flag the mail \\Seen and, with `folder`, move it there (the folder is created when missing)."""
        if not uids:
            return
        uid_set = ",".join(str(u) for u in uids)
        typ, data = self.conn.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Seen)")
        if typ != "OK":
            raise ImapError(f"UID STORE failed: {data!r}")
        if not folder:
            return
        self.conn.create(_quote_folder(folder))  # "already exists" is a NO answer, not an exception
        if "MOVE" in self.conn.capabilities:
            typ, data = self.conn.uid("MOVE", uid_set, _quote_folder(folder))
            if typ != "OK":
                raise ImapError(f"UID MOVE failed: {data!r}")
            return
        typ, data = self.conn.uid("COPY", uid_set, _quote_folder(folder))
        if typ != "OK":
            raise ImapError(f"UID COPY failed: {data!r}")
        self.conn.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
        self.conn.expunge()

"""A minimal TNEF (winmail.dat) writer for the test corpus, after the published format ([MS-OXTNEF] 2.1.3):

    signature 0x223E9F78 (LE uint32), legacy key (uint16), then attributes:
    level (uint8: 1 message, 2 attachment), attribute id (LE uint32: low word the name, high word the type),
    length (LE uint32), the data, checksum (LE uint16: sum of the data bytes mod 65536).

Written here rather than copied from a library's test files: it produces exactly what Outlook puts around the files
of a "rich text" mail — version, OEM code page, message class, plain body, and per attachment its rendering data,
title (in the OEM code page) and data. `broken=True` corrupts the signature.
"""

import struct

SIGNATURE = 0x223E9F78
LVL_MESSAGE, LVL_ATTACHMENT = 1, 2
# (name, type) of the attributes used
TNEF_VERSION = (0x9006, 0x0009)  # atpDword
OEM_CODEPAGE = (0x9007, 0x0006)  # atpByte
MESSAGE_CLASS = (0x8008, 0x0007)  # atpWord (a string)
BODY = (0x800C, 0x0002)  # atpText
ATTACH_REND_DATA = (0x9002, 0x0006)
ATTACH_TITLE = (0x8010, 0x0001)  # atpString
ATTACH_DATA = (0x800F, 0x0006)


def _attribute(level: int, attribute: tuple[int, int], data: bytes) -> bytes:
    name, kind = attribute
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)


def tnef_blob(*, files: list[tuple[str, bytes]], body: str = "", codepage: int = 936, broken: bool = False) -> bytes:
    """A winmail.dat holding `files` [(name, data)] and a plain `body`, strings in Windows code page `codepage`."""
    encoding = f"cp{codepage}"
    out = struct.pack("<IH", 0xDEADBEEF if broken else SIGNATURE, 0x0001)
    out += _attribute(LVL_MESSAGE, TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += _attribute(LVL_MESSAGE, OEM_CODEPAGE, struct.pack("<II", codepage, 0))
    out += _attribute(LVL_MESSAGE, MESSAGE_CLASS, b"IPM.Microsoft Mail.Note\x00")
    if body:
        out += _attribute(LVL_MESSAGE, BODY, body.encode(encoding) + b"\x00")
    for name, data in files:
        # Rendering data (attachment type file, position, rendering flags): 14 bytes; it opens a new attachment.
        out += _attribute(LVL_ATTACHMENT, ATTACH_REND_DATA, struct.pack("<HiiiH", 1, -1, 0, 0, 0))
        out += _attribute(LVL_ATTACHMENT, ATTACH_TITLE, name.encode(encoding) + b"\x00")
        out += _attribute(LVL_ATTACHMENT, ATTACH_DATA, data)
    return out

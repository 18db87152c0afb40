"""Parsing uploaded BPMN and DMN files without letting the file attack the server.

BPMN and DMN never need a DOCTYPE, a DTD or entity declarations, so any of them is refused outright
instead of being "safely" ignored: that closes XML external entities (reading ``/etc/passwd`` or
fetching URLs) and entity expansion (billion laughs) in one rule, checked twice — on the raw bytes
before the parser sees them, and on the parsed document in case an encoding hid them from the first
check. The parser itself is configured not to load DTDs, resolve entities or touch the network.
"""

from __future__ import annotations

import codecs
import io
import re

from lxml import etree

from engine.errors import InvalidProcess, Problem

MAX_BYTES = 5 * 1024 * 1024

DOCUMENT = "(document)"

_FORBIDDEN_MESSAGE = (
    "the file declares a DOCTYPE or entities, which are not allowed "
    "(XML external entity / entity expansion protection)"
)

# Markup inside which '<!DOCTYPE' is mere text, skipped left to right the way the parser lexes it,
# so that documentation quoting HTML in CDATA or a comment is not mistaken for a declaration.
_INERT = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.DOTALL)
# Outside comments, CDATA and PIs these can only start DTD markup.
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_ENCODING_DECL = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_STR_ENCODING_DECL = re.compile(r"""^\ufeff?\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")

# libxml2 error types that mean the bytes, not the markup, are wrong.
_ENCODING_ERRORS = {"ERR_INVALID_ENCODING", "ERR_UNSUPPORTED_ENCODING", "ERR_INVALID_CHAR"}
# A character XML 1.0 does not allow anywhere (NUL and other controls, U+FFFE, U+FFFF, lone surrogates),
# and a character reference (&#0; &#xFFFF;), whose value is checked against the same rule.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CHAR_REF = re.compile(r"&#(x[0-9A-Fa-f]+|[0-9]+);")


def _refuse(filename: str, message: str) -> InvalidProcess:
    return InvalidProcess([Problem(filename, DOCUMENT, message)])


def _parser() -> etree.XMLParser:
    # A fresh parser per call: its error log is then this document's alone, and nothing is shared
    # between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def _ascii_view(content: bytes) -> bytes:
    """The bytes with NULs removed, which turns UTF-16/UTF-32 markup into searchable ASCII."""
    return content.replace(b"\x00", b"")


def _has_declarations(content: bytes) -> bool:
    """True if the raw bytes contain a DOCTYPE, entity or other DTD construct outside inert markup."""
    return _DECLARATION.search(_INERT.sub(b"", _ascii_view(content))) is not None


def _declared_encoding(content: bytes) -> str | None:
    view = _ascii_view(content.lstrip(codecs.BOM_UTF8))
    match = _ENCODING_DECL.match(view.lstrip(b"\xff\xfe").lstrip(b"\xfe\xff"))
    return match.group(1).decode("ascii") if match else None


def _from_str(content: str, filename: str) -> bytes:
    """Bytes for a str passed by mistake.

    Without an XML declaration naming an encoding (or naming UTF-8) the text is encoded as UTF-8.
    When it names another encoding the text is encoded in that one, so that the bytes say what the
    declaration says; text the declared encoding cannot represent is refused.
    """
    match = _STR_ENCODING_DECL.match(content)
    encoding = match.group(1) if match else "utf-8"
    try:
        return content.encode(encoding)
    except LookupError as exc:
        raise _refuse(filename, f"the file declares an unknown encoding {encoding!r}") from exc
    except UnicodeEncodeError as exc:
        raise _refuse(
            filename,
            f"the text contains {exc.object[exc.start : exc.end]!r}, "
            f"which its declared encoding {encoding} cannot represent",
        ) from exc


def parse_xml(content: bytes | str, filename: str) -> etree._ElementTree:
    """Parse an uploaded BPMN/DMN file safely; ``filename`` is only used in problems.

    Parses from bytes so that the file's own encoding (UTF-8, UTF-16 with a BOM, ISO-8859-1,
    windows-1252 …) is honoured. A ``str`` passed by mistake is encoded to UTF-8 first, unless its
    XML declaration names another encoding, in which case it is encoded in that one.

    Raises :class:`InvalidProcess` with one :class:`Problem` on the element ``"(document)"`` when
    the file is larger than :data:`MAX_BYTES`, is empty, declares a DOCTYPE, DTD or entities, is not
    well-formed, or has bytes that are not valid in its declared encoding. Comments and processing
    instructions are kept.
    """
    if isinstance(content, str):
        content = _from_str(content, filename)
    if len(content) > MAX_BYTES:
        raise _refuse(filename, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if not content.strip():
        raise _refuse(filename, "the file is empty")
    if _has_declarations(content):
        raise _refuse(filename, _FORBIDDEN_MESSAGE)

    parser = _parser()
    try:
        tree = etree.parse(io.BytesIO(content), parser)
    except etree.XMLSyntaxError as exc:
        raise _refuse(filename, _syntax_message(exc, parser, content)) from exc
    except (UnicodeError, LookupError) as exc:
        raise _refuse(filename, f"the file's bytes cannot be decoded: {exc}") from exc

    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _refuse(filename, _FORBIDDEN_MESSAGE)
    if any(isinstance(node, etree._Entity) for node in tree.iter()):
        raise _refuse(filename, _FORBIDDEN_MESSAGE)
    return tree


def _syntax_message(exc: etree.XMLSyntaxError, parser: etree.XMLParser, content: bytes) -> str:
    """A message a designer can act on, telling encoding trouble apart from broken markup."""
    errors = list(parser.error_log) or list(exc.error_log)
    line = exc.lineno or (errors[-1].line if errors else 0)
    lxml_message = _POSITION_SUFFIX.sub("", exc.msg or (errors[-1].message if errors else str(exc)))
    if any(error.type_name in _ENCODING_ERRORS for error in errors):
        declared = _declared_encoding(content)
        forbidden = _forbidden_character(content, declared)
        if forbidden is not None:
            return forbidden
        if any(error.type_name == "ERR_UNSUPPORTED_ENCODING" for error in errors):
            return f"the file declares an encoding that is not supported ({declared or lxml_message})"
        if declared is None:
            named = "UTF-8 (the file declares no encoding, so UTF-8 is assumed)"
        else:
            named = f"{declared}, the encoding the file declares"
        return (
            f"the file contains bytes that are not valid {named} (line {line}); "
            "save it again as UTF-8 or correct its XML declaration"
        )
    return f"not well-formed XML: {lxml_message} (line {line})"


def _forbidden_character(content: bytes, declared: str | None) -> str | None:
    """Where the text, decoded as it says it is encoded, holds a character XML does not allow; None
    if it cannot be decoded (then the bytes are what is wrong) or holds none."""
    utf16 = content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encoding = "utf-16" if utf16 else declared or "utf-8-sig"
    try:
        text = content.decode(encoding)
    except (UnicodeError, LookupError):
        return None
    for number, line in enumerate(text.split("\n"), 1):
        found = _NOT_XML_CHAR.search(line)
        if found is not None:
            return (f"line {number} contains the character U+{ord(found.group()):04X}, which XML does not allow "
                    "in a file; remove it")
        for ref in _CHAR_REF.finditer(line):
            value = ref.group(1)
            code = int(value[1:], 16) if value.startswith("x") else int(value)
            if code > 0x10FFFF or _NOT_XML_CHAR.match(chr(code)) is not None:
                return (f"line {number} refers to the character U+{code:04X} ({ref.group()}), which XML does not "
                        "allow; remove the reference")
    return None


def root_namespace(tree: etree._ElementTree | etree._Element) -> str | None:
    """The namespace URI of the root element (e.g. the BPMN or DMN model namespace), or None."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    return etree.QName(root).namespace

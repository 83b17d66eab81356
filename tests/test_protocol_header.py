"""The committed C header and protocol tables are what protocol.py generates now, and say what the table says."""

from __future__ import annotations

import re

import pytest

from eccless.firmware import protocol_header as header
from eccless import protocol as P

pytestmark = pytest.mark.unit


def _defines(text: str) -> dict[str, int]:
    return {m[1]: int(m[2], 0) for m in re.finditer(r"^#define (ED_\w+) (0x[0-9A-Fa-f]+|\d+)u?\b", text, re.M)}


def test_header_constants_match_the_table():
    d = _defines(header.HEADER_PATH.read_text())
    assert d["ED_PROTOCOL_VERSION"] == P.VERSION and d["ED_MAX_PAYLOAD"] == P.MAX_PAYLOAD
    assert d["ED_MAX_FRAME"] == P.MAX_FRAME and d["ED_MAX_ENCODED"] == P.MAX_ENCODED
    assert d["ED_SEQ_NONE"] == P.SEQ_NONE and d["ED_RESPONSE_FLAG"] == P.RESPONSE_FLAG
    text = header.HEADER_PATH.read_text()
    for s in P.STATUSES:
        assert f"ED_STATUS_{s.name} = {s.code}," in text
    for c in P.COMMANDS:
        assert f"ED_CMD_{c.name} = 0x{c.id:02X}," in text
        for side, lay in (("REQ", c.request), ("RSP", c.response)):
            assert d[f"ED_{c.name}_{side}_SIZE"] == lay.size and d[f"ED_{c.name}_{side}_TAIL"] == lay.tail_size
            for f, off in lay.offsets():
                assert d[f"ED_{c.name}_{side}_{f.name.upper()}"] == off, (c.name, f.name)


def test_dispatch_table_names_handlers_by_implementation_state():
    text = header.HEADER_PATH.read_text()
    rows = re.findall(r"^    X\(ED_CMD_(\w+), (\w+),", text, re.M)
    assert rows == [(c.name, c.handler) for c in P.COMMANDS]
    assert dict(rows)["PING"] == "ed_cmd_ping" and dict(rows)["EVAL"] == "ed_cmd_eval"
    assert "ed_cmd_not_implemented" not in dict(rows).values()


def test_every_handler_in_the_table_is_defined():
    """Each handler the dispatch table names has its definition in the firmware sources (a missing one would only
    show when linking the firmware)."""
    edge = header.HEADER_PATH.parents[1]
    sources = "".join(p.read_text() for p in sorted([*(edge / "firmware").glob("*.c"), *(edge / "port").rglob("*.c")]))
    for c in P.COMMANDS:
        assert re.search(rf"^ed_status_t {c.handler}\(const ed_request_t \*req, ed_response_t \*rsp\)$", sources,
                         re.M), c.handler


def test_doc_tables_list_every_command_and_status():
    doc = header.DOC_PATH.read_text()
    for c in P.COMMANDS:
        assert f"| 0x{c.id:02X} | {c.name} |" in doc
    for s in P.STATUSES:
        assert f"| {s.code} | {s.name} |" in doc

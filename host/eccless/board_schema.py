"""The schema of a board file (boards/<name>.toml), checked field by field so that a bad file is one line naming
the table and key: `board file F: [uart] base: expected an integer, got 'abc'`. Unknown tables and keys are
refused too (a misspelt key would otherwise be ignored silently).

A board file says what the code needs and nothing it can derive:

    [board]          name, description, part (the MCU), cpu (the port: cortex-m*), arch_flags (gcc -mcpu ...),
                     init: register steps applied at reset before any driver runs (clock enables, pin functions):
                     [address, mask, value] a read-modify-write, [address, mask, value, 1] a wait until
                     (register & mask) == value (an oscillator stable, a peripheral out of reset)
    [memory.code]    base, size                       where the firmware is linked
                     boot_block                       a boot block the ROM needs before the vector table
                                                      (eccless/firmware/bootblock.py: rp2040)
    [memory.image]   base, size, page                 where the model image sits, read with ECC off
                     medium                           "raw-flash": errors the loader sees are real (no ECC);
                                                      "ram": RAM-backed (QEMU), errors are injected only
                     erase_value, sectors, erase_cycles   flash erase byte, sector sizes, rated erase cycles
    [memory.ram]     base, size, stack (bytes; default 64 KB)
    [uart]           kind (edge/drivers/ed_uart_<kind>.c), base; baud, clock_hz, pins, bauddiv as the kind needs
    [timer]          kind (edge/drivers/ed_timer_<kind>.c), base, hz
    [qemu]           machine, cpu, icount_shift, serial (which -serial the console is: 0 = the first), args
    [capabilities]   semihosting, cycle_counter, fpu, dsp, mve, unaligned (booleans; absent = false)
    [standin]        board: the QEMU board whose run proves this board's drivers in CI (real boards only);
                     proves: what that run proves of this board, from STANDIN_PROOFS (default: all of them)
    [[flasher]]      kind (eccless/flash/: openocd, fake), config (the tool's config files), target, install
                     (how to get the tool); the first one is the default, lab wiring (probe serial) is not here
"""

from __future__ import annotations

from typing import Any

from .errors import UsageError

INT, STR, BOOL, STRS, INTS = "an integer", "a string", "true or false", "a list of strings", "a list of integers"
WRITES = "a list of [address, mask, value] or [address, mask, value, 1] integer steps"

# table -> {key: (kind, required)}; a table of None fields is optional as a whole when `OPTIONAL_TABLES` says so
TABLES: dict[str, dict[str, tuple[str, bool]]] = {
    "board": {"name": (STR, True), "description": (STR, False), "part": (STR, False), "cpu": (STR, True),
              "arch_flags": (STRS, True), "init": (WRITES, False)},
    "memory.code": {"base": (INT, True), "size": (INT, True), "boot_block": (STR, False)},
    "memory.image": {"base": (INT, True), "size": (INT, True), "page": (INT, False), "medium": (STR, False),
                     "erase_value": (INT, False), "sectors": (INTS, False), "erase_cycles": (INT, False)},
    "memory.ram": {"base": (INT, True), "size": (INT, True), "stack": (INT, False)},
    "uart": {"kind": (STR, True), "base": (INT, True), "baud": (INT, False), "clock_hz": (INT, False),
             "pins": (STR, False), "bauddiv": (INT, False)},
    "timer": {"kind": (STR, True), "base": (INT, True), "hz": (INT, True)},
    "qemu": {"machine": (STR, True), "cpu": (STR, False), "icount_shift": (INT, False), "serial": (INT, False),
             "args": (STRS, False)},
    "capabilities": {k: (BOOL, False) for k in ("semihosting", "cycle_counter", "fpu", "dsp", "mve", "unaligned")},
    "standin": {"board": (STR, True), "proves": (STRS, False)},
}
OPTIONAL_TABLES = ("qemu", "capabilities", "standin")
# arrays of tables ([[flasher]]): each entry is checked against its fields
LIST_TABLES: dict[str, dict[str, tuple[str, bool]]] = {
    "flasher": {"kind": (STR, True), "config": (STRS, False), "target": (STR, False), "install": (STR, False)},
}
MEDIA = ("raw-flash", "ram")
# what a stand-in's run proves of a real board: "uart"/"timer" the same driver kind, "isa" the same ISA variant and
# architecture profile, "cpu" the same core, flags and init steps, "layout" the same memory map and peripheral bases
STANDIN_PROOFS = ("uart", "timer", "isa", "cpu", "layout")


def _is(kind: str, value: Any) -> bool:
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == STR:
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == WRITES:
        return isinstance(value, list) and all(isinstance(w, list) and (len(w) == 3 or len(w) == 4 and w[3] in (0, 1))
                                               and _is(INTS, w) for w in value)
    inner = str if kind == STRS else int
    return isinstance(value, list) and all(isinstance(v, inner) and not isinstance(v, bool) for v in value)


def _table(doc: dict, dotted: str):
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _check_fields(label: str, table: dict, fields: dict[str, tuple[str, bool]]) -> None:
    """Unknown keys, missing required ones and wrong types of one table, each a one-line error after `label`."""
    for key in table:
        if key not in fields:
            raise UsageError(f"{label} unknown key {key!r} (known: {', '.join(fields)})")
    for key, (kind, required) in fields.items():
        if key not in table:
            if required:
                raise UsageError(f"{label} {key}: missing (needs {kind})")
        elif not _is(kind, table[key]):
            raise UsageError(f"{label} {key}: expected {kind}, got {table[key]!r}")


def validate(doc: dict, where: str) -> None:
    """Raise a one-line UsageError naming the first bad table or field of a parsed board file."""
    known_top = {t.split(".")[0] for t in TABLES} | set(LIST_TABLES)
    for key in doc:
        if key not in known_top:
            raise UsageError(f"{where}: unknown table [{key}] (known: {', '.join(sorted(known_top))})")
    memory = doc.get("memory", {})
    if isinstance(memory, dict):
        for key in memory:
            if f"memory.{key}" not in TABLES:
                raise UsageError(f"{where}: unknown table [memory.{key}] (known: code, image, ram)")
    for name, fields in TABLES.items():
        table = _table(doc, name)
        if table is None:
            if name in OPTIONAL_TABLES:
                continue
            raise UsageError(f"{where}: missing table [{name}]")
        if not isinstance(table, dict):
            raise UsageError(f"{where}: [{name}] must be a table")
        _check_fields(f"{where}: [{name}]", table, fields)
    for name, fields in LIST_TABLES.items():
        entries = doc.get(name, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise UsageError(f"{where}: [[{name}]] must be an array of tables")
        for i, entry in enumerate(entries):
            _check_fields(f"{where}: [[{name}]] #{i + 1}", entry, fields)
    proves = _table(doc, "standin.proves") or []
    for proof in proves:
        if proof not in STANDIN_PROOFS:
            raise UsageError(f"{where}: [standin] proves: expected some of {', '.join(STANDIN_PROOFS)}, got {proof!r}")
    medium = _table(doc, "memory.image").get("medium", "raw-flash")
    if medium not in MEDIA:
        raise UsageError(f"{where}: [memory.image] medium: expected one of {', '.join(MEDIA)}, got {medium!r}")

#!/usr/bin/env python3
"""Cross-check the golden TLP vectors of Tests/PCIeTests/TLPCodecTests.swift against an
independent implementation: cocotbext-pcie's Tlp.pack() (PyPI cocotbext-pcie 0.2.16).

    python3 -m venv /tmp/xv && /tmp/xv/bin/pip install cocotbext-pcie==0.2.16
    /tmp/xv/bin/python scripts/crosscheck-tlp-cocotbext.py

Optional; not part of the test suite. cocotbext cannot pack messages and does not emit the
ECRC dword, so the vendor-message vectors and the ECRC of the flags vector are not covered.
Exits 1 if any vector differs.
"""
import sys
from cocotbext.pcie.core.tlp import Tlp, TlpType, CplStatus
from cocotbext.pcie.core.utils import PcieId

bad = 0


def check(name, t, expect):
    global bad
    got = bytes(t.pack()).hex()
    exp = expect.replace(" ", "")
    if got != exp:
        bad += 1
    print(("OK  " if got == exp else "BAD ") + name + ("" if got == exp else f": got {got}, want {exp}"))


def tlp(fmt_type, **fields):
    t = Tlp()
    t.fmt_type = fmt_type
    for k, v in fields.items():
        setattr(t, k, v)
    return t


check("MRd 32", tlp(TlpType.MEM_READ, requester_id=PcieId(1, 0, 0), tag=5, address=0x1000, length=1,
                    first_be=0xF, last_be=0), "00000001 0100050f 00001000")
check("MRd 64", tlp(TlpType.MEM_READ_64, requester_id=PcieId(0, 1, 0), tag=0x1F, address=0x1_0000_2000,
                    length=16, first_be=0xF, last_be=0xF), "20000010 00081fff 00000001 00002000")
check("MRd 1024 DW", tlp(TlpType.MEM_READ, requester_id=PcieId(1, 0, 0), tag=0, address=0x8000_0000,
                         length=1024, first_be=0xF, last_be=0xF), "00000000 010000ff 80000000")
check("MSI", tlp(TlpType.MEM_WRITE, requester_id=PcieId(1, 0, 0), address=0xFEE00000, first_be=0xF, last_be=0,
                 data=bytearray(b"\x41\0\0\0"), length=1), "40000001 0100000f fee00000 41000000")
check("MWr flags (without ECRC)", tlp(TlpType.MEM_WRITE, requester_id=PcieId(1, 0, 0), tag=7, address=0x104,
                                      first_be=0b1110, last_be=1, data=bytearray(bytes.fromhex("aabbccddee000000")),
                                      length=2, tc=3, td=1, ep=1, attr=3),
      "4030f002 0100071e 00000104 aabbccdd ee000000")
check("MWr 64", tlp(TlpType.MEM_WRITE_64, requester_id=PcieId(1, 0, 0), address=0x2_FEE00000, first_be=0xF,
                    last_be=0, data=bytearray(b"\x01\x02\x03\x04"), length=1),
      "60000001 0100000f 00000002 fee00000 01020304")
check("CplD", tlp(TlpType.CPL_DATA, completer_id=PcieId(1, 0, 0), status=CplStatus.SC, byte_count=4,
                  requester_id=PcieId(0, 0, 0), tag=5, lower_address=0, data=bytearray(bytes.fromhex("78563412")),
                  length=1), "4a000001 01000004 00000500 78563412")
for status, byte in [(CplStatus.SC, "00"), (CplStatus.UR, "20"), (CplStatus.CRS, "40"), (CplStatus.CA, "80")]:
    check(f"Cpl {status.name}", tlp(TlpType.CPL, completer_id=PcieId(1, 0, 0), status=status, byte_count=4096,
                                    requester_id=PcieId(0, 0, 0), tag=7, lower_address=0x40),
          f"0a000000 0100{byte}00 00000740")
check("Cpl BCM", tlp(TlpType.CPL, completer_id=PcieId(1, 0, 0), bcm=1, byte_count=0x123,
                     requester_id=PcieId(0, 0, 0), tag=0, lower_address=0), "0a000000 01001123 00000000")
check("CfgRd0", tlp(TlpType.CFG_READ_0, requester_id=PcieId(0, 0, 0), tag=1, first_be=0xF,
                    completer_id=PcieId(1, 0, 0), address=0x10, length=1), "04000001 0000010f 01000010")
check("CfgWr0", tlp(TlpType.CFG_WRITE_0, requester_id=PcieId(0, 0, 0), tag=2, first_be=0xF,
                    completer_id=PcieId(1, 0, 0), address=0x10, length=1, data=bytearray(b"\xff" * 4)),
      "44000001 0000020f 01000010 ffffffff")
check("CfgRd0 extended", tlp(TlpType.CFG_READ_0, requester_id=PcieId(0, 0, 0), tag=0, first_be=3,
                             completer_id=PcieId(2, 1, 2), address=0x104, length=1), "04000001 00000003 020a0104")
sys.exit(1 if bad else 0)

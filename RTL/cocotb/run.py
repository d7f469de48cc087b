"""Runs the cocotb tests of the RTL PCIe endpoint under Icarus Verilog.

Usage: .venv/bin/python RTL/cocotb/run.py   (from anywhere; exit 0 = all passed)
Build output goes to RTL/build/cocotb/ (git-ignored). Needs iverilog (Debian
`iverilog`) and the pinned cocotb / cocotbext-pcie of scripts/test.sh.
"""
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from cocotb_tools.runner import get_runner

HERE = Path(__file__).resolve().parent
RTL = HERE.parent


def main() -> int:
    if shutil.which("iverilog") is None:
        print("error: iverilog not found (apt-get install iverilog)", file=sys.stderr)
        return 2
    build = RTL / "build" / "cocotb"
    runner = get_runner("icarus")
    runner.build(
        sources=[RTL / "soc" / "socsim_pcie_endpoint.v", RTL / "soc" / "socsim_pcie_cdc_fifo.v"],
        includes=[RTL / "soc"],
        hdl_toplevel="socsim_pcie_endpoint",
        build_dir=build,
        timescale=("1ps", "1ps"),
        always=True,
        # a short completion timeout (100 us, well above the tests' longest answer)
        # and a protected range, for the DMA tests
        parameters={"CPL_TIMEOUT_CYCLES": 8000, "PROT_BASE": 0xF000, "PROT_SIZE": 0x1000},
    )
    results = runner.test(
        hdl_toplevel="socsim_pcie_endpoint",
        test_module="test_endpoint",
        test_dir=build,
        build_dir=build,
        extra_env={"PYTHONPATH": str(HERE)},
        timescale=("1ps", "1ps"),
    )
    tree = ET.parse(results)
    cases = tree.findall(".//testcase")
    failed = [c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None]
    print(f"cocotb: {len(cases)} tests, {len(failed)} failed {failed if failed else ''}")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main())

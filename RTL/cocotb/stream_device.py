"""A cocotbext-pcie Device whose only function is the RTL endpoint behind its
32-bit TLP streams (docs/pcie-endpoint.md, "Stream format").

The root complex's TLP objects become wire-order bytes (Tlp.pack), grouped four
to a dword with the first byte in bits 31:24, and are driven on rx_* one dword a
user-clock edge; the dwords the endpoint presents on tx_* are gathered until eop
and unpacked (Tlp.unpack) for the root complex. Raw dwords can be injected on
rx_* as well (requests in another requester's name, malformed packets), and every
packet the endpoint sent is kept in `sent` as dwords.
"""
import struct

import cocotb
from cocotb.queue import Queue
from cocotb.triggers import RisingEdge, ReadOnly

from cocotbext.pcie.core import Device
from cocotbext.pcie.core.tlp import Tlp, TlpType
from cocotbext.pcie.core.utils import PcieId


def to_dwords(data: bytes) -> list[int]:
    assert len(data) % 4 == 0, "a TLP is whole dwords"
    return list(struct.unpack(f">{len(data) // 4}L", data))


def to_bytes(dwords: list[int]) -> bytes:
    return struct.pack(f">{len(dwords)}L", *dwords)


class StreamDevice(Device):
    def __init__(self, dut, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dut = dut
        self.rx_packets = Queue()      # dword lists for the endpoint's rx stream
        self.sent = []                 # dword lists the endpoint sent, in order
        self.drop = None               # a predicate on dwords: packets to the endpoint it drops
        dut.rx_valid.value = 0
        dut.rx_sop.value = 0
        dut.rx_eop.value = 0
        dut.rx_data.value = 0
        dut.tx_ready.value = 1
        cocotb.start_soon(self._drive_rx())
        cocotb.start_soon(self._watch_tx())

    # ------------------------------------------------------------ host -> endpoint
    async def upstream_recv(self, tlp):
        if tlp.fmt_type in {TlpType.CFG_READ_0, TlpType.CFG_WRITE_0}:
            self.bus_num = tlp.completer_id.bus
        dwords = to_dwords(tlp.pack())
        if self.drop is None or not self.drop(dwords):
            await self.rx_packets.put(dwords)
        tlp.release_fc()

    async def inject(self, dwords: list[int]):
        """Sends raw dwords to the endpoint as one packet."""
        await self.rx_packets.put(list(dwords))

    async def _drive_rx(self):
        dut = self.dut
        while True:
            dwords = await self.rx_packets.get()
            for i, d in enumerate(dwords):
                dut.rx_data.value = d
                dut.rx_sop.value = int(i == 0)
                dut.rx_eop.value = int(i == len(dwords) - 1)
                dut.rx_valid.value = 1
                while True:
                    await RisingEdge(dut.user_clk)
                    if dut.rx_ready.value:
                        break
            dut.rx_valid.value = 0
            dut.rx_sop.value = 0
            dut.rx_eop.value = 0

    # ------------------------------------------------------------ endpoint -> host
    async def _watch_tx(self):
        dut = self.dut
        packet = []
        while True:
            await RisingEdge(dut.user_clk)
            await ReadOnly()
            if not (dut.tx_valid.value and dut.tx_ready.value):
                continue
            if dut.tx_sop.value:
                packet = []
            if not dut.tx_data.value.is_resolvable:
                raise AssertionError(f"tx_data {dut.tx_data.value} after {[hex(d) for d in packet]}")
            packet.append(int(dut.tx_data.value))
            if dut.tx_eop.value:
                self.sent.append(packet)
                tlp = Tlp.unpack(to_bytes(packet))
                cocotb.start_soon(self.upstream_send(tlp))
                packet = []

    def pcie_id(self) -> PcieId:
        return PcieId(self.bus_num, 0, 0)

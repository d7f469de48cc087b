"""cocotbext-pcie's RootComplex, an independent root complex, driving the RTL
PCIe endpoint (RTL/soc/socsim_pcie_endpoint.v) under Icarus Verilog through
StreamDevice. Expected values are docs/pcie-endpoint.md's."""
import struct

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge, ReadOnly, Timer, with_timeout

from cocotbext.pcie.core import RootComplex
from cocotbext.pcie.core.caps import PciCapId
from cocotbext.axi.address_space import MemoryRegion

from stream_device import StreamDevice

VENDOR, DEVICE, CLASS = 0x1AB4, 0x0001, 0x118000
MAGIC = 0x50434965
# BAR0 / CSR offsets (docs/pcie-endpoint.md, "Registers")
ANSWER0, DOORBELL, DOORBELL_CYCLE_LO, DOORBELL_CYCLE_HI, STATUS = 0x00, 0x20, 0x24, 0x28, 0x2C
VERDICT_TRUSTED, ID, SCRATCH = 0x30, 0x40, 0x44
COUNTERS = ["TLPS_RECEIVED", "CONFIG_REQUESTS", "BAR0_READS", "BAR0_WRITES", "COMPLETIONS", "MALFORMED",
            "UNSUPPORTED_REQUESTS", "POISONED", "UNEXPECTED_COMPLETIONS", "COMPLETION_MISMATCHES",
            "MESSAGES_DROPPED", "COMPLETION_TIMEOUTS", "COMPLETIONS_UR", "COMPLETIONS_CA", "MSI_SENT", "MSI_BLOCKED"]
DISPOSITIONS = COUNTERS[1:11]
MSI_CONTROL, IRQ_PENDING, IRQ_ENABLE, MSI_CYCLE_LO = 0x11C, 0x128, 0x12C, 0x120
IRQ_DOORBELL, IRQ_TRAFFIC_ERROR = 1 << 2, 1 << 3
CPL_SC, CPL_UR = 0, 1


class Bench:
    def __init__(self, dut):
        self.dut = dut

    async def start(self):
        dut = self.dut
        cocotb.start_soon(Clock(dut.user_clk, 16000, unit="ps").start())   # 62.5 MHz
        cocotb.start_soon(Clock(dut.clk, 12500, unit="ps").start())        # 80 MHz
        dut.we.value = 0
        dut.adr.value = 0
        dut.dat_w.value = 0
        dut.rst.value = 1
        dut.user_rst.value = 1
        self.device = StreamDevice(dut)
        self.rc = RootComplex()
        self.rc.make_port().connect(self.device)
        for _ in range(4):
            await RisingEdge(dut.user_clk)
        dut.rst.value = 0
        dut.user_rst.value = 0
        await RisingEdge(dut.clk)
        await self.rc.enumerate()
        self.pci = self.rc.find_device(self.device.pcie_id())
        assert self.pci is not None, "the root complex found no device"

    # the CSR side (firmware view), on the system clock
    async def csr_write(self, offset, value):
        dut = self.dut
        await RisingEdge(dut.clk)
        dut.we.value = 1
        dut.adr.value = offset >> 2
        dut.dat_w.value = value
        await RisingEdge(dut.clk)          # the write lands at this edge
        dut.we.value = 0
        await ReadOnly()                   # its effects are visible from here

    async def csr_read(self, offset):
        dut = self.dut
        await RisingEdge(dut.clk)
        dut.adr.value = offset >> 2
        await ReadOnly()
        value = int(dut.dat_r.value)
        await RisingEdge(dut.clk)
        return value

    async def counters(self):
        return {name: await self.csr_read(0x80 + 4 * i) for i, name in enumerate(COUNTERS)}

    async def wait_sent(self, count, ns=20000):
        """Waits until the endpoint has sent `count` packets in all."""
        for _ in range(ns // 100):
            if len(self.device.sent) >= count:
                return
            await Timer(100, "ns")
        raise AssertionError(f"the endpoint sent {len(self.device.sent)} packets, expected {count}")

    async def settle(self, ns=2000):
        await Timer(ns, "ns")


def cpl_fields(dwords):
    d0, d1, d2 = dwords[0], dwords[1], dwords[2]
    return dict(fmt=d0 >> 29, type=(d0 >> 24) & 0x1F, length=d0 & 0x3FF, completer=d1 >> 16,
                status=(d1 >> 13) & 7, byte_count=d1 & 0xFFF, requester=d2 >> 16, tag=(d2 >> 8) & 0xFF,
                lower_address=d2 & 0x7F, data=dwords[3:])


@cocotb.test()
async def enumerates_and_serves_bar0_and_msi(dut):
    b = Bench(dut)
    await b.start()
    pci, rc = b.pci, b.rc

    # enumeration: IDs, class, BAR0 sized as 4 KiB 32-bit memory and assigned
    assert (pci.vendor_id, pci.device_id) == (VENDOR, DEVICE), f"IDs {pci.vendor_id:04x}:{pci.device_id:04x}"
    assert pci.class_code == CLASS, f"class {pci.class_code:06x}"
    assert pci.bar_size[0] == 4096, f"BAR0 size {pci.bar_size[0]}"
    assert all(pci.bar_size[i] == 0 for i in range(1, 6)), "only BAR0 is implemented"
    base = pci.bar_addr[0]
    assert base is not None and base % 4096 == 0 and base < 1 << 32
    assert await pci.config_read_dword(0x10) == base, "BAR0 holds the assigned base"
    caps = [c[0] for c in pci.capabilities]
    assert caps == [0x01, 0x05, 0x10], f"capabilities {caps}"

    await pci.enable_device()
    await pci.set_master()
    command = await pci.config_read_word(0x04)
    assert command & 0b110 == 0b110, f"memory space and bus mastering on (COMMAND {command:04x})"

    # MSI: one vector, 64-bit capable, programmed by the root complex
    assert await pci.alloc_irq_vectors(1, 1) == 1
    control = await pci.capability_read_dword(PciCapId.MSI, 0)
    assert control >> 16 & 1 == 1 and control >> 23 & 1 == 1 and control >> 17 & 7 == 0, f"MSI control {control:08x}"

    bar = pci.bar_window[0]
    # BAR0 reads back what was written; read-only registers keep their values
    assert await bar.read_dword(ID) == MAGIC
    answers = [0x1111_0000 * (i + 1) + i for i in range(8)]
    for i, a in enumerate(answers):
        await bar.write_dword(ANSWER0 + 4 * i, a)
    await bar.write_dword(SCRATCH, 0xCAFEF00D)
    await bar.write_dword(ID, 0)
    await bar.write_dword(VERDICT_TRUSTED, 7)
    assert [await bar.read_dword(ANSWER0 + 4 * i) for i in range(8)] == answers
    assert await bar.read_dword(SCRATCH) == 0xCAFEF00D
    assert await bar.read_dword(ID) == MAGIC
    assert await bar.read_dword(VERDICT_TRUSTED) == 0
    # sub-dword writes apply their byte enables
    await bar.write(SCRATCH + 1, b"\xAA\xBB")
    assert await bar.read_dword(SCRATCH) == 0xCABBAA0D
    # one read of the whole shared block: several completions (RCB 64 B, MPS)
    block = await bar.read(0, 0x100)
    words = list(struct.unpack("<64L", block))
    assert words[0:8] == answers and words[ID // 4] == MAGIC and words[SCRATCH // 4] == 0xCABBAA0D
    # beyond the shared block BAR0 reads 0
    assert await bar.read_dword(0x100) == 0 and await bar.read_dword(0xFFC) == 0

    # the firmware sees the host's answers; it writes verdicts the host reads
    assert [await b.csr_read(ANSWER0 + 4 * i) for i in range(8)] == answers
    await b.csr_write(VERDICT_TRUSTED, 5)
    await b.csr_write(ANSWER0, 0xFFFF_FFFF)               # read-only for the firmware
    assert await bar.read_dword(VERDICT_TRUSTED) == 5
    assert await bar.read_dword(ANSWER0) == answers[0]

    # doorbell: latches the device cycle, raises the DOORBELL cause and IRQ 5
    await b.csr_write(IRQ_ENABLE, IRQ_DOORBELL)
    assert dut.irq.value == 0
    before = int(dut.cycle.value)
    await bar.write_dword(DOORBELL, 0x1234)
    await b.settle()
    after = int(dut.cycle.value)
    latched = await b.csr_read(DOORBELL_CYCLE_LO) | await b.csr_read(DOORBELL_CYCLE_HI) << 32
    assert before < latched < after, f"doorbell cycle {latched} not in ({before}, {after})"
    assert await bar.read_dword(DOORBELL_CYCLE_LO) == latched & 0xFFFF_FFFF
    assert await b.csr_read(IRQ_PENDING) & IRQ_DOORBELL
    assert dut.irq.value == 1
    assert await bar.read_dword(STATUS) & 1 == 1, "STATUS.DOORBELL_PENDING"
    await b.csr_write(IRQ_PENDING, IRQ_DOORBELL)
    assert dut.irq.value == 0 and await bar.read_dword(STATUS) & 1 == 0

    # MSI on request from the CSR side, received by the root complex
    event = pci.msi_vectors[0].event
    event.clear()
    await b.csr_write(MSI_CONTROL, 1)
    await with_timeout(event.wait(), 5, "us")
    c = await b.counters()
    assert c["MSI_SENT"] == 1 and c["MSI_BLOCKED"] == 0
    assert await b.csr_read(MSI_CYCLE_LO) != 0

    # every TLP counted once, in one disposition
    assert sum(c[n] for n in DISPOSITIONS) == c["TLPS_RECEIVED"], c
    assert c["MALFORMED"] == 0 and c["UNSUPPORTED_REQUESTS"] == 0 and c["POISONED"] == 0
    assert c["BAR0_WRITES"] == 8 + 3 + 1 + 1, c    # answers, SCRATCH/ID/VERDICT, bytes, doorbell

    # bus mastering off: the MSI is blocked, nothing is sent
    await pci.clear_master()
    sent = len(b.device.sent)
    await b.csr_write(MSI_CONTROL, 1)
    await b.settle()
    assert len(b.device.sent) == sent
    assert (await b.counters())["MSI_BLOCKED"] == 1


@cocotb.test()
async def answers_illegal_requests_as_documented(dut):
    b = Bench(dut)
    await b.start()
    pci, rc, dev = b.pci, b.rc, b.device
    await pci.enable_device()
    bar = pci.bar_window[0]
    base = pci.bar_addr[0]
    me = (dev.bus_num << 8)                       # the endpoint's ID, 01:00.0 style
    other = 0x0A08                                # a requester that is not the root complex
    await bar.write_dword(SCRATCH, 0x5555_AAAA)
    sent = len(dev.sent)

    # I/O read: Cpl UR from DW1's requester and tag, completer = the endpoint
    await dev.inject([0x0200_0001, other << 16 | 0x41 << 8 | 0x0F, 0x0000_1000])
    await b.wait_sent(sent + 1)
    c = cpl_fields(dev.sent[-1])
    assert (c["fmt"], c["type"], c["status"], c["length"]) == (0, 0x0A, CPL_UR, 0), c
    assert (c["requester"], c["tag"], c["completer"], c["byte_count"]) == (other, 0x41, me, 4), c

    # memory read outside BAR0: Cpl UR with the request's Byte Count and Lower Address
    await dev.inject([0x0000_0002, other << 16 | 0x42 << 8 | 0x1E, 0x1000_0044])
    await b.wait_sent(sent + 2)
    c = cpl_fields(dev.sent[-1])
    assert (c["status"], c["tag"], c["byte_count"], c["lower_address"]) == (CPL_UR, 0x42, 4, 0x45), c

    # configuration read of function 1: Cpl UR, the target as completer
    target = me | 1
    await dev.inject([0x0400_0001, other << 16 | 0x43 << 8 | 0x0F, target << 16])
    await b.wait_sent(sent + 3)
    c = cpl_fields(dev.sent[-1])
    assert (c["status"], c["tag"], c["completer"]) == (CPL_UR, 0x43, target), c

    # a memory read of BAR0 in another requester's name: CplD to that requester
    await dev.inject([0x0000_0001, other << 16 | 0x44 << 8 | 0x0F, base + SCRATCH])
    await b.wait_sent(sent + 4)
    c = cpl_fields(dev.sent[-1])
    assert (c["fmt"], c["status"], c["requester"], c["tag"], c["byte_count"], c["lower_address"]) == \
        (2, CPL_SC, other, 0x44, 4, SCRATCH & 0x7F), c
    assert c["data"] == [0xAAAA_5555], [hex(d) for d in c["data"]]   # wire order: lowest byte first

    # posted and discarded: write outside BAR0, poisoned write, malformed write,
    # vendor message type 1 and type 0, a completion nobody asked for
    await dev.inject([0x4000_0001, other << 16 | 0x0F, 0x2000_0000, 0x0102_0304])
    await dev.inject([0x4000_4001, other << 16 | 0x0F, base + SCRATCH, 0x0102_0304])   # EP
    await dev.inject([0x4000_0002, other << 16 | 0xFF, base + SCRATCH, 0x0102_0304])   # Length 2, 1 DW
    await dev.inject([0x3400_0000, other << 16 | 0x7F, 0x0000_1AB4, 0])                  # Msg type 1, local
    await dev.inject([0x3400_0000, other << 16 | 0x7E, 0x0000_1AB4, 0])                  # Msg type 0
    await dev.inject([0x4A00_0001, 0x0000_0004, me << 16 | 0x07 << 8, 0xDEAD_BEEF])      # CplD, tag 7
    await b.settle(3000)
    assert len(dev.sent) == sent + 4, "posted requests and completions are never answered"
    assert await bar.read_dword(SCRATCH) == 0x5555_AAAA, "no discarded write was applied"

    c = await b.counters()
    assert c["UNSUPPORTED_REQUESTS"] == 5, c     # I/O, MRd outside, function 1, MWr outside, Msg type 0
    assert c["POISONED"] == 1 and c["MALFORMED"] == 1 and c["MESSAGES_DROPPED"] == 1, c
    assert c["UNEXPECTED_COMPLETIONS"] == 1, c
    assert sum(c[n] for n in DISPOSITIONS) == c["TLPS_RECEIVED"], c
    assert await b.csr_read(IRQ_PENDING) & IRQ_TRAFFIC_ERROR

    # the status bits the specification asks for, seen by the root complex
    status = await pci.config_read_word(0x06)
    assert status & 1 << 15, f"STATUS.DetectedParityError ({status:04x})"
    devsta = await pci.capability_read_word(PciCapId.EXP, 0x0A)
    assert devsta & 0b1100 == 0b1100, f"DEVSTA FatalErr and UnsupReq ({devsta:04x})"

    # and the endpoint still works
    await bar.write_dword(SCRATCH, 0x600D)
    assert await bar.read_dword(SCRATCH) == 0x600D


DMA_LOCAL, DMA_HOST_LO, DMA_HOST_HI, DMA_LENGTH, DMA_CONTROL, DMA_STATUS, DMA_DONE_BYTES = \
    0x100, 0x104, 0x108, 0x10C, 0x110, 0x114, 0x118
IRQ_DMA_DONE, IRQ_DMA_ERROR = 1 << 0, 1 << 1
E_BUS_MASTER, E_LOCAL_RANGE, E_LENGTH = 5, 6, 7


async def wishbone_memory(dut, mem: bytearray):
    """Device memory on the DMA engine's Wishbone master: every beat is
    acknowledged in its second cycle, as the SoC's BRAM does; big-endian lanes
    (SEL bit 3 is the byte at the word's address)."""
    dut.m_ack.value = 0
    dut.m_err.value = 0
    dut.m_dat_r.value = 0
    pending = None
    while True:
        await RisingEdge(dut.clk)
        dut.m_ack.value = 0
        if pending is not None:
            dut.m_ack.value = 1
            dut.m_dat_r.value = int.from_bytes(mem[pending:pending + 4], "big")
            pending = None
            continue
        await ReadOnly()
        if dut.m_cyc.value and dut.m_stb.value:
            address = int(dut.m_adr.value) & 0x7FFF_FFFF
            assert address % 4 == 0 and address + 4 <= len(mem), f"access outside device memory: {address:#x}"
            if dut.m_we.value:
                data, sel = int(dut.m_dat_w.value).to_bytes(4, "big"), int(dut.m_sel.value)
                for k in range(4):
                    if sel >> (3 - k) & 1:
                        mem[address + k] = data[k]
            pending = address


def split(address, count, limit):
    """RequestRules.split: pieces ending on `limit`-aligned addresses."""
    pieces, at, end = [], address, address + count
    while at < end:
        piece_end = min(end, (at // limit + 1) * limit)
        pieces.append((at, piece_end - at))
        at = piece_end
    return pieces


async def start_dma(b, local, host, length, from_host):
    await b.csr_write(IRQ_PENDING, IRQ_DMA_DONE | IRQ_DMA_ERROR)
    await b.csr_write(DMA_LOCAL, local)
    await b.csr_write(DMA_HOST_LO, host & 0xFFFF_FFFF)
    await b.csr_write(DMA_HOST_HI, host >> 32)
    await b.csr_write(DMA_LENGTH, length)
    await b.csr_write(DMA_CONTROL, 1 | int(from_host) << 1)


async def run_dma(b, local, host, length, from_host=False):
    """Runs one DMA transfer (either direction) to its end: (DMA_STATUS.ERROR, DMA_DONE_BYTES)."""
    await start_dma(b, local, host, length, from_host)
    for _ in range(2000):
        pending = await b.csr_read(IRQ_PENDING)
        if pending & (IRQ_DMA_DONE | IRQ_DMA_ERROR):
            status = await b.csr_read(DMA_STATUS)
            assert status & 1 == 0, "DMA_STATUS.BUSY after the end"
            return (status >> 4) & 0xF, await b.csr_read(DMA_DONE_BYTES)
        await Timer(200, "ns")
    raise AssertionError("the DMA transfer did not end")


@cocotb.test()
async def device_dma_writes_host_memory(dut):
    local_mem = bytearray((i * 7 + 3) & 0xFF for i in range(0x10000))
    cocotb.start_soon(wishbone_memory(dut, local_mem))
    b = Bench(dut)
    await b.start()
    pci, rc, dev = b.pci, b.rc, b.device
    await pci.enable_device()
    await pci.set_master()
    mps = 128 << ((await pci.capability_read_word(PciCapId.EXP, 0x08) >> 5) & 7)
    host = rc.mem_pool.alloc_region(0x4000)
    host_base = host.get_absolute_address(0)

    for local, offset, length in [(0x1003, 0x0FFD, 1000), (0x2000, 0x2000, 4), (0x3001, 0x2102, 1), (0x0, 0x3000, 0x400)]:
        sent = len(dev.sent)
        error, done = await run_dma(b, local, host_base + offset, length)
        await b.settle(3000)
        assert (error, done) == (0, length), (error, done)
        assert bytes(host[offset:offset + length]) == bytes(local_mem[local:local + length]), \
            f"host memory differs after DMA of {length} bytes from {local:#x} to +{offset:#x}"
        assert host[offset - 1] == 0 and host[offset + length] == 0, "bytes beside the buffer stay 0"
        writes = [p for p in dev.sent[sent:] if p[0] >> 24 == 0x40]
        pieces = split(host_base + offset, length, mps)
        assert len(writes) == len(pieces), (len(writes), pieces)
        for w, (address, count) in zip(writes, pieces):
            assert w[2] == address & ~3, f"MWr address {w[2]:#x}, piece at {address:#x}"
            assert (address & 0xFFF) + count <= 0x1000, "no MWr crosses 4 KiB"

    # a buffer above 4 GiB: MWr with a 4DW header
    high = MemoryRegion(0x1000)
    rc.mem_address_space.register_region(high, 0x1_2345_6000)
    error, done = await run_dma(b, 0x40, 0x1_2345_6010, 300)
    await b.settle(3000)
    assert (error, done) == (0, 300)
    assert bytes(high[0x10:0x10 + 300]) == bytes(local_mem[0x40:0x40 + 300])

    # refused at once, nothing sent: length 0, outside device memory, bus mastering off
    sent = len(dev.sent)
    assert await run_dma(b, 0, host_base, 0) == (E_LENGTH, 0)
    assert await run_dma(b, 0xFFF0, host_base, 0x20) == (E_LOCAL_RANGE, 0)
    await pci.clear_master()
    assert await run_dma(b, 0, host_base, 0x20) == (E_BUS_MASTER, 0)
    await b.settle()
    assert not [p for p in dev.sent[sent:] if p[0] >> 24 in (0x40, 0x60)], "no MWr for a refused transfer"


class FailingRegion(MemoryRegion):
    """Host memory whose reads fail: the root complex answers CA."""
    async def read(self, address, length, **kwargs):
        raise RuntimeError("read of a failing region")


def reads(packets):
    return [p for p in packets if p[0] >> 24 in (0x00, 0x20)]


@cocotb.test()
async def device_dma_reads_host_memory(dut):
    local_mem = bytearray(0x10000)
    cocotb.start_soon(wishbone_memory(dut, local_mem))
    b = Bench(dut)
    await b.start()
    pci, rc, dev = b.pci, b.rc, b.device
    await pci.enable_device()
    await pci.set_master()
    devctl = await pci.capability_read_word(PciCapId.EXP, 0x08)
    mrrs = 128 << ((devctl >> 12) & 7)
    host = rc.mem_pool.alloc_region(0x4000)
    host_base = host.get_absolute_address(0)
    host[0:0x4000] = bytes((i * 13 + 5) & 0xFF for i in range(0x4000))

    for local, offset, length in [(0x2001, 0x0F3D, 3000), (0x1000, 0x2000, 4), (0x7FFF, 0x3003, 1), (0x9000, 0x1000, 0x1000)]:
        sent = len(dev.sent)
        error, done = await run_dma(b, local, host_base + offset, length, from_host=True)
        if (error, done) != (0, length):
            dut._log.info("failed transfer: counters %s", await b.counters())
        assert (error, done) == (0, length), (error, done)
        assert bytes(local_mem[local:local + length]) == bytes(host[offset:offset + length]), \
            f"device memory differs after DMA of {length} bytes from host +{offset:#x} to {local:#x}"
        assert local_mem[local - 1] == 0 and local_mem[local + length] == 0, "bytes beside the buffer stay 0"
        mrds = reads(dev.sent[sent:])
        pieces = split(host_base + offset, length, mrrs)
        assert len(mrds) == len(pieces), (len(mrds), pieces)
        assert all(((m[1] >> 8) & 0xFF) < 32 for m in mrds), "5-bit tags"
        assert [m[2] for m in mrds] == [a & ~3 for a, _ in pieces]
    c = await b.counters()
    assert c["COMPLETIONS"] >= 4 + 2 and c["UNEXPECTED_COMPLETIONS"] == 0 and c["COMPLETION_MISMATCHES"] == 0, c

    # UR from the root complex (no memory there), CA (its read fails), no answer (timeout)
    assert await run_dma(b, 0x4000, 0x2_0000_0000, 64, from_host=True) == (1, 0)   # 4DW MRd
    failing = FailingRegion(0x1000)
    rc.mem_address_space.register_region(failing, 0x1_0000_0000)
    assert await run_dma(b, 0x4000, 0x1_0000_0040, 64, from_host=True) == (2, 0)
    dev.drop = lambda dwords: dwords[0] >> 24 in (0x0A, 0x4A)
    assert await run_dma(b, 0x4000, host_base, 64, from_host=True) == (3, 0)
    # a poisoned completion for the outstanding tag
    sent = len(dev.sent)
    await start_dma(b, 0x4000, host_base, 8, from_host=True)
    await b.wait_sent(sent + 1)
    mrd = reads(dev.sent[sent:])[0]
    requester, tag = mrd[1] >> 16, (mrd[1] >> 8) & 0xFF
    await dev.inject([0x4A00_4002, 8, requester << 16 | tag << 8 | (host_base & 0x7F), 0x0102_0304, 0x0506_0708])
    await b.settle(3000)
    assert (await b.csr_read(DMA_STATUS) >> 4) & 0xF == 4, "poisoned"
    dev.drop = None
    c = await b.counters()
    assert (c["COMPLETIONS_UR"], c["COMPLETIONS_CA"], c["COMPLETION_TIMEOUTS"], c["POISONED"]) == (1, 1, 1, 1), c
    assert bytes(local_mem[0x4000:0x4040]) == bytes(0x40), "no failed read wrote device memory"

    # refused at once: the protected range (the build's PROT_BASE/PROT_SIZE), bus mastering off
    sent = len(dev.sent)
    assert await run_dma(b, 0xF800, host_base, 16, from_host=True) == (E_LOCAL_RANGE, 0)
    await pci.clear_master()
    assert await run_dma(b, 0x4000, host_base, 16, from_host=True) == (E_BUS_MASTER, 0)
    assert not reads(dev.sent[sent:]), "no MRd for a refused transfer"

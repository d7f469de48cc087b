import LM32
import LM32Cycle
import PCIe
import SoC
import SoCCycle
import Testing

/// The cycle-exact PCIe endpoint on the cycle-exact SoC (bank 3, IRQ 5, the
/// 4th bus master, both clocks). Idle (no host traffic, firmware that does
/// not touch bank 3), it changes nothing: every cycle's observation (but its own
/// rx_ready), the end cycle, the registers and the UART stream equal the SoC's
/// without it.
@Suite struct PCIeCycleEndpointTests {
    static func run(_ fw: MilkymistFirmware, pcie: PCIeSetup?, skipping: Bool = true, observe: Bool)
        throws -> (MilkymistCycleMachine, MilkymistStop, [CycleObservation]) {
        let soc = try SoCDescription.milkymist()
        let m = MilkymistCycleMachine(soc: soc, pcie: pcie)
        m.load(ProgramImage(try Toolchain.firmware(fw, for: soc)))
        m.idleSkipping = skipping
        var seen: [CycleObservation] = []
        if observe { m.observer = { seen.append($0) } }
        let stop = m.run(maxCycles: 3_000_000)
        return (m, stop, seen)
    }

    /// The cycle and the names and values of the fields two observations differ in.
    static func fields(_ a: CycleObservation, _ b: CycleObservation) -> String {
        let diffs = zip(Mirror(reflecting: a).children, Mirror(reflecting: b).children)
            .filter { "\($0.value)" != "\($1.value)" }
            .map { "\($0.label ?? "?"): \($0.value) vs \($1.value)" }
        return "\(a.cycle): " + diffs.joined(separator: ", ")
    }

    @Test(arguments: [MilkymistFirmware.hello, .automaton])
    func anIdleEndpointChangesNothing(fw: MilkymistFirmware) throws {
        let (a, sa, oa) = try Self.run(fw, pcie: nil, observe: true)
        let (b, sb, ob) = try Self.run(fw, pcie: PCIeSetup(), observe: true)
        #expect(sa == .halted && sb == .halted)
        #expect(a.cycle == b.cycle && a.retiredCount == b.retiredCount && a.regs == b.regs)
        #expect(a.uartStream == b.uartStream)
        #expect(oa.count == ob.count)
        // the idle endpoint's stream: ready to take, offering nothing (no endpoint shows
        // 0); every other field equal. Only the first offending cycle is reported: the arrays are hundreds of
        // thousands of observations long, too long for a failure message.
        let busy = ob.firstIndex { !$0.pcieRxReady || $0.pcieTxValid }
        #expect(busy == nil, "endpoint stream not idle at cycle \(busy ?? -1)")
        let other = oa.indices.first { k in
            guard k < ob.count else { return true }
            // rx_ready is the endpoint's own; sop, eop and data mean nothing without valid
            var b = ob[k]
            b.pcieRxReady = false
            b.pcieTxSop = false
            b.pcieTxEop = false
            b.pcieTxData = 0
            return oa[k] != b
        }
        #expect(other == nil, "first differing cycle \(other.map { Self.fields(oa[$0], ob[$0]) } ?? "")")
    }

    /// With the endpoint, idle skipping still ends in the same state as stepping: idle
    /// (timer) and through DMA transfers and an MSI (dma).
    @Test(arguments: [MilkymistFirmware.timer, .dma])
    func idleSkippingWithTheEndpointIsExact(fw: MilkymistFirmware) throws {
        let (fast, a, _) = try Self.run(fw, pcie: PCIeSetup(), skipping: true, observe: false)
        let (slow, b, _) = try Self.run(fw, pcie: PCIeSetup(), skipping: false, observe: false)
        #expect(a == .halted && a == b)
        #expect(fast.uartStream == slow.uartStream)
        #expect(fast.sameState(as: slow))
        #expect(fast.skippedCycles > 0)
    }

    /// The `dma` firmware with the modelled host, which enumerated the endpoint before
    /// cycle 0: the DMA engine copies 1 KiB to host memory and back through the shared
    /// bus, the firmware finds the data equal and sends an MSI, which reaches the host.
    @Test func dmaFirmwareRunsWithTheModelledHost() throws {
        let soc = try SoCDescription.milkymist()
        let m = MilkymistCycleMachine(soc: soc, pcie: PCIeSetup())
        #expect(m.pcieDevice?.bar0Size == 4096)
        m.load(ProgramImage(try Toolchain.firmware(.dma, for: soc)))
        // the DMA engine's beats as observed: each ACK in a cycle with its CYC, none with ERR
        var beats = 0, writes = 0, strays = 0
        m.observer = { o in
            if o.pcieAck { beats += 1; if o.pcieWe { writes += 1 } }
            if (o.pcieAck && !o.pcieCyc) || o.pcieErr { strays += 1 }
        }
        let stop = m.run(maxCycles: 3_000_000)
        let text = String(decoding: m.uartOutput, as: UTF8.self)
        #expect(stop == .halted)
        #expect(text.contains("data equal, MSI sent"))
        let host = try #require(m.pcieHost)
        #expect(host.interrupts.count == 1)
        // 1 KiB read from SDRAM (256 beats) and written back (256 beats, SEL per byte)
        #expect(beats == 512 && writes == 256 && strays == 0)
        // the buffer as the firmware filled it: word i is 0x00010203 + i * 0x01010101, big-endian
        let bytes = host.memory.read(0x1000_0000, count: 1024)
        let words = stride(from: 0, to: 1024, by: 4).map { (k: Int) -> UInt32 in
            let hi = UInt32(bytes[k]) << 24 | UInt32(bytes[k + 1]) << 16
            return hi | UInt32(bytes[k + 2]) << 8 | UInt32(bytes[k + 3])
        }
        #expect(words == (0..<256).map { 0x0001_0203 &+ UInt32($0) &* 0x0101_0101 })
    }
}

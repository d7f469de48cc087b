import LM32
import LM32Cycle
import PCIe
import SoC
import SoCCycle
import Testing

/// The cycle-exact PCIe endpoint on the cycle-exact SoC (bank 3, IRQ 5, the
/// 4th bus master, both clocks). Idle (no host traffic, firmware that does
/// not touch bank 3), it changes nothing: every cycle's observation, the end
/// cycle, the registers and the UART stream equal the SoC's without it.
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

    @Test(arguments: [MilkymistFirmware.hello, .automaton])
    func anIdleEndpointChangesNothing(fw: MilkymistFirmware) throws {
        let (a, sa, oa) = try Self.run(fw, pcie: nil, observe: true)
        let (b, sb, ob) = try Self.run(fw, pcie: PCIeSetup(), observe: true)
        #expect(sa == .halted && sb == .halted)
        #expect(a.cycle == b.cycle && a.retiredCount == b.retiredCount && a.regs == b.regs)
        #expect(a.uartStream == b.uartStream)
        #expect(oa.count == ob.count)
        #expect(oa == ob)
    }

    /// With the endpoint, idle skipping still ends in the same state as stepping.
    @Test func idleSkippingWithTheEndpointIsExact() throws {
        let (fast, a, _) = try Self.run(.timer, pcie: PCIeSetup(), skipping: true, observe: false)
        let (slow, b, _) = try Self.run(.timer, pcie: PCIeSetup(), skipping: false, observe: false)
        #expect(a == b)
        #expect(fast.sameState(as: slow))
        #expect(fast.skippedCycles > 0)
    }
}

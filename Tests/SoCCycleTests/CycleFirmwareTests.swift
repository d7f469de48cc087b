import LM32
import LM32Cycle
import SoC
import SoCCycle
import Testing

/// Every embedded firmware on the cycle-exact core and the milkymist SoC
/// prints what it prints on the functional machine, and halts.
@Suite struct CycleFirmwareTests {
    static func functional(_ fw: MilkymistFirmware, pins: UInt32 = 0) throws -> String {
        let m = try MilkymistMachine()
        m.load(ProgramImage(try Toolchain.firmware(fw, for: m.soc)))
        m.bus.sysctl.gpioPins = pins
        #expect(m.run(maxCycles: 10_000_000) == .halted)
        return String(decoding: m.uartOutput, as: UTF8.self)
    }

    static func cycle(_ fw: MilkymistFirmware, pins: UInt32 = 0, budget: UInt64 = 5_000_000) throws
        -> (MilkymistCycleMachine, MilkymistStop, String) {
        let m = try MilkymistCycleMachine()
        m.load(ProgramImage(try Toolchain.firmware(fw, for: m.soc)))
        m.drive(gpioPins: pins, at: 0)
        let stop = m.run(maxCycles: budget)
        return (m, stop, String(decoding: m.uartOutput, as: UTF8.self))
    }

    /// The automaton firmware's text without the number after " cycles ", and that number.
    static func splitCycles(_ text: String) throws -> (String, Int) {
        let r = try #require(text.range(of: " cycles "))
        let digits = text[r.upperBound...].prefix { $0.isNumber }
        return (String(text[..<r.upperBound]) + text[r.upperBound...].dropFirst(digits.count), try #require(Int(digits)))
    }

    @Test(arguments: MilkymistFirmware.cycleExactCases)
    func sameUARTTextAsFunctional(fw: MilkymistFirmware) throws {
        let pins: UInt32 = fw == .gpio ? 0x40 : 0
        let expected = try Self.functional(fw, pins: pins)
        let (m, stop, out) = try Self.cycle(fw, pins: pins)
        #expect(stop == .halted, "after \(m.cycle) cycles, output so far: \(out)")
        if fw == .automaton {
            // The coprocessor's CYCLES: the functional SoC's are the formula of
            // docs/automaton.md; here its reads also wait for the CPU's beats.
            let (text, functionalCycles) = try Self.splitCycles(expected), (cycleText, cycles) = try Self.splitCycles(out)
            #expect(cycleText == text)
            #expect(cycles >= functionalCycles && cycles < functionalCycles + 200, "\(cycles) vs \(functionalCycles)")
        } else {
            #expect(out == expected)
        }
        #expect(m.devices.uart.overruns == 0)
        print("\(fw.rawValue): \(m.cycle) cycles, \(m.retiredCount) retired")
    }
}

/// The devices advanced lazily (to CSR beats and to the cycles in which an
/// interrupt line may change) give the same run as devices advanced every
/// cycle: the same observation in every cycle.
@Suite struct LazyDeviceTests {
    @Test(arguments: [MilkymistFirmware.timer, .gpio])
    func lazyEqualsEveryCycle(fw: MilkymistFirmware) throws {
        func run(eager: Bool) throws -> (obs: [CycleObservation], uart: [UART.Sent]) {
            let m = try MilkymistCycleMachine()
            m.load(ProgramImage(try Toolchain.firmware(fw, for: m.soc)))
            m.advancesDevicesEveryCycle = eager
            m.drive(gpioPins: 0x40, at: 0)
            m.drive(gpioPins: 0x41, at: 150_000)
            m.drive(gpioPins: 0x40, at: 150_003)
            var obs: [CycleObservation] = []
            m.observer = { obs.append($0) }
            _ = m.run(maxCycles: 300_000)
            return (obs, m.uartStream)
        }
        let lazy = try run(eager: false), eager = try run(eager: true)
        #expect(lazy.uart == eager.uart)
        #expect(lazy.obs.count == eager.obs.count)
        let first = zip(lazy.obs, eager.obs).first { $0 != $1 }
        #expect(first == nil, "first difference in cycle \(first?.0.cycle ?? 0)")
    }
}

extension LazyDeviceTests {
    /// A pin change scheduled while the machine runs (as a harness does) is
    /// seen in its cycle: the GPIO firmware reports the press, and lazily
    /// advanced devices agree with devices advanced every cycle.
    @Test func pinChangeScheduledMidRun() throws {
        func run(eager: Bool) throws -> (obs: [CycleObservation], out: String) {
            let m = try MilkymistCycleMachine()
            m.load(ProgramImage(try Toolchain.firmware(.gpio, for: m.soc)))
            m.advancesDevicesEveryCycle = eager
            var obs: [CycleObservation] = []
            m.observer = { obs.append($0) }
            // Press input 0 once the first line is out and the program waits.
            while !m.uartOutput.contains(10) && m.cycle < 1_000_000 { _ = m.run(maxCycles: m.cycle + 1000) }
            m.drive(gpioPins: 1, at: m.cycle)
            #expect(m.run(maxCycles: m.cycle + 2_000_000) == .halted)
            return (obs, String(decoding: m.uartOutput, as: UTF8.self))
        }
        let lazy = try run(eager: false), eager = try run(eager: true)
        #expect(lazy.out == "gpio: out 0x00000003, in 0x00000000\ngpio: input changed, in 0x00000001\n")
        #expect(lazy.obs.count == eager.obs.count)
        let first = zip(lazy.obs, eager.obs).first { $0 != $1 }
        #expect(first == nil, "first difference in cycle \(first?.0.cycle ?? 0)")
    }
}

// Lock-step comparison of the cycle-exact LM32 on the milkymist SoC
// (SoCCycle.MilkymistCycleMachine) with the verilated SoC (Verilated.RTLSoC):
// identical memory images, GPIO input schedule and SDRAM latency; the
// per-cycle observations (pipeline, both Wishbone ports as the CPU sees
// them, register writes, interrupt CSRs) are compared field by field as in
// `LockStep`, and at the end the two UART streams, byte and cycle stamp, and
// the GPIO outputs. Both sides follow docs/soc.md, "Cycle contract".
import LM32
import LM32Cycle
import PCIe
import SoC
import SimKernel
import SoCCycle
import Verilated

/// What both SoCs are given.
public struct SoCStimulus: Sendable {
    /// Memory contents (address, bytes) in BRAM or SDRAM, loaded before reset.
    public var memory: [(UInt32, [UInt8])]
    /// GPIO input pins from a cycle on (sorted by cycle; held until the next entry).
    public var gpio: [(cycle: UInt64, pins: UInt32)]
    /// SDRAM cycles per beat.
    public var sdramLatency: Int
    public var maxCycles: UInt64
    /// Cycles to keep comparing after the model's firmware halted.
    public var drainCycles: UInt64
    /// The PCIe endpoint's host: nil leaves it idle and the device unenumerated on both
    /// sides; a set-up gives each side a `HostStream` of it, which enumerates the device
    /// before SoC cycle 0 (`enumerate` and `resetEdges` are the lock-step's own).
    public var pcie: PCIeSetup?

    public init(memory: [(UInt32, [UInt8])], gpio: [(cycle: UInt64, pins: UInt32)] = [],
                sdramLatency: Int = SDRAM.defaultLatency, maxCycles: UInt64 = 400_000, drainCycles: UInt64 = 16,
                pcie: PCIeSetup? = nil) {
        self.memory = memory; self.gpio = gpio; self.sdramLatency = sdramLatency
        self.maxCycles = maxCycles; self.drainCycles = drainCycles; self.pcie = pcie
    }
}

/// Where the two UART streams first differ.
public struct UARTMismatch: Error, CustomStringConvertible, Sendable {
    /// Index of the first differing byte.
    public var index: Int
    public var model: UART.Sent?
    public var rtl: RTLUARTByte?
    public var description: String {
        func s(_ c: UInt64?, _ b: UInt8?) -> String {
            guard let c, let b else { return "nothing" }
            return "0x" + String(b, radix: 16) + " at cycle \(c)"
        }
        return "UART byte \(index): model \(s(model?.cycle, model?.byte)), RTL \(s(rtl?.cycle, rtl?.byte))"
    }
}

public struct SoCLockStepResult: Sendable {
    /// Cycles compared.
    public var cycles: UInt64
    /// The model's firmware halted (`bi .` with IE = 0, UART idle).
    public var halted: Bool
    public var retired: UInt64
    public var divergence: Divergence?
    /// Set when the observations agreed but the UART streams do not.
    public var uartMismatch: UARTMismatch?
    /// GPIO_OUT at the end, (model, RTL), when they differ.
    public var gpioMismatch: (model: UInt32, rtl: UInt32)?
    /// What the two hosts saw differently (enumeration, SoC cycle 0, the packets the
    /// device sent, the MSIs), when they did.
    public var hostMismatch: String?
    /// The model's UART stream (equal to the RTL's when there is no mismatch).
    public var uart: [UART.Sent]
    /// The model's observation of the cycle the run stopped in (not
    /// stepped): the last values of its VCD, as the RTL's VCD ends with them.
    public var nextObservation: CycleObservation
    public var agrees: Bool { divergence == nil && uartMismatch == nil && gpioMismatch == nil && hostMismatch == nil }

    /// The first disagreement in words, or "no divergence".
    public var mismatch: String {
        if let d = divergence { return "\(d)" }
        if let u = uartMismatch { return "\(u)" }
        if let g = gpioMismatch {
            return "GPIO_OUT at the end: model 0x\(String(g.model, radix: 16)), RTL 0x\(String(g.rtl, radix: 16))"
        }
        if let h = hostMismatch { return "PCIe host: \(h)" }
        return "no divergence"
    }
}

/// Host traffic a SoC lock-step run gives both sides' hosts alike (the hostile storm,
/// `SoCLockStepStorm`). Before SoC cycle `nextCycle` is made on either side, `inject`
/// gets both `HostStream`s and the instant of the system edge ending that cycle, later
/// than every edge either side has made, at which packets sent with `send(_:at:)` are
/// offered at the same user-clock edge on both. After a run without divergence, `finish`
/// sees both SoCs and hosts.
public protocol SoCHostTraffic: AnyObject {
    var nextCycle: UInt64? { get }
    func inject(cycle: UInt64, at time: Instant, model: MilkymistCycleMachine, hosts: (model: HostStream, rtl: HostStream)) throws
    func finish(cycles: UInt64, model: MilkymistCycleMachine, rtl: RTLSoC, hosts: (model: HostStream, rtl: HostStream)) throws
}

public enum SoCLockStep {
    /// Run `stimulus` on a fresh cycle-exact SoC model and a fresh verilated
    /// SoC and compare every cycle. `mutate` (test-only hook) may alter each
    /// model observation before the comparison; `observe` sees each one (e.g.
    /// for the model's VCD); `rtlVCD` writes the RTL's VCD of the run.
    /// `traffic` needs `stimulus.pcie`.
    public static func run(_ stimulus: SoCStimulus, library: RTLLibrary, rtlVCD: String? = nil,
                           traffic: SoCHostTraffic? = nil,
                           mutate: ((inout CycleObservation) -> Void)? = nil,
                           observe: ((CycleObservation) -> Void)? = nil) throws -> SoCLockStepResult {
        let soc = try SoCDescription.milkymist(sdramLatency: stimulus.sdramLatency)
        let rtl = try RTLSoC(library: library, options: .init(soc: soc))
        defer { if rtlVCD != nil { try? rtl.model.stopVCD() } }
        try rtl.setSDRAMLatency(UInt8(stimulus.sdramLatency))
        for (a, bytes) in stimulus.memory { try rtl.load(bytes, at: a) }
        try rtl.reset()
        // the endpoint as the RTL top has it: reset with the SoC; its host idle, or enumerating
        // it on both sides before SoC cycle 0
        var setup = stimulus.pcie ?? PCIeSetup()
        setup.enumerate = stimulus.pcie != nil
        setup.resetEdges = rtl.resetEdges
        var host: RTLSoCHost? = nil
        var rtlDevice: EnumeratedDevice? = nil
        if stimulus.pcie != nil {
            let h = try RTLSoCHost(rtl: rtl, soc: soc, host: setup.host)
            rtlDevice = try h.enumerateBeforeCycleZero()
            host = h
        }
        let model = MilkymistCycleMachine(soc: soc, pcie: setup)
        for (a, bytes) in stimulus.memory { model.load(bytes, at: a) }
        if let h = host, model.pcieOrigin != h.origin || model.pcieDevice != rtlDevice {
            let r = SoCLockStepResult(cycles: 0, halted: false, retired: 0, divergence: nil, uartMismatch: nil,
                                      gpioMismatch: nil,
                                      hostMismatch: "enumeration: SoC cycle 0 at the endpoint's cycle \(model.pcieOrigin) (model), \(h.origin) (RTL)",
                                      uart: [], nextObservation: model.peekObservation())
            return r
        }
        if let path = rtlVCD { try rtl.model.startVCD(path: path) }

        precondition(traffic == nil || host != nil, "host traffic needs a PCIe set-up")
        let sides = SoCSides(model: model, rtl: rtl, host: host, stimulus: stimulus, traffic: traffic)
        let o = try LockStepHarness.run(sides, rtl: rtl.model, maxCycles: stimulus.maxCycles, lockedVCD: rtlVCD != nil,
                                        mutate: mutate, observe: observe)
        // a write of the VCD that failed (a full disk) is reported here
        if rtlVCD != nil { try rtl.model.stopVCD() }
        rtl.takeUART()
        var r = SoCLockStepResult(cycles: o.cycles, halted: o.endSeen, retired: o.retired, divergence: o.divergence,
                                  uartMismatch: nil, gpioMismatch: nil, hostMismatch: nil,
                                  uart: model.uartStream, nextObservation: model.peekObservation())
        guard o.divergence == nil else { return r }
        if let h = host, let m = model.pcieHostStream(at: o.cycles) {
            try traffic?.finish(cycles: o.cycles, model: model, rtl: rtl, hosts: (m, h.hostStream))
            let a = h.hostStream, b = m
            if a.received != b.received {
                r.hostMismatch = "the device sent \(b.received.count) packets to the model's host, \(a.received.count) to the RTL's"
                    + " (first difference at \((0..<min(a.received.count, b.received.count)).first { a.received[$0] != b.received[$0] } ?? min(a.received.count, b.received.count)))"
            } else if a.root.interrupts != b.root.interrupts {
                r.hostMismatch = "MSIs at the host: model \(b.root.interrupts), RTL \(a.root.interrupts)"
            }
        }
        let m = model.uartStream, t = rtl.uart
        if let i = (0..<max(m.count, t.count)).first(where: { i in
            i >= m.count || i >= t.count || m[i].cycle != t[i].cycle || m[i].byte != t[i].byte
        }) {
            r.uartMismatch = UARTMismatch(index: i, model: i < m.count ? m[i] : nil, rtl: i < t.count ? t[i] : nil)
        }
        let gm = model.gpioOutputs, gr = UInt32(o.rtlLast.gpio_out)
        if gm != gr { r.gpioMismatch = (gm, gr) }
        return r
    }
}

/// The SoC's side of a lock-step run: the GPIO pin schedule (the model takes
/// it whole up front, its devices advancing lazily; the RTL gets each change
/// in its cycle); the run ends `drainCycles` after the model's firmware
/// halted.
private final class SoCSides: LockStepSides {
    let model: MilkymistCycleMachine
    let rtl: RTLSoC
    let drain: UInt64
    var schedule: ArraySlice<(cycle: UInt64, pins: UInt32)>
    /// The GPIO inputs as driven (the bridge does not report them).
    var pins: UInt8 = 0
    var modelObs = CycleObservation()

    let host: RTLSoCHost?
    let traffic: SoCHostTraffic?

    init(model: MilkymistCycleMachine, rtl: RTLSoC, host: RTLSoCHost?, stimulus: SoCStimulus, traffic: SoCHostTraffic?) {
        self.model = model; self.rtl = rtl; self.host = host; self.traffic = traffic; drain = stimulus.drainCycles
        schedule = stimulus.gpio.sorted { $0.cycle < $1.cycle }[...]
        for g in schedule { model.drive(gpioPins: g.pins, at: g.cycle) }
        model.observer = { [unowned self] in modelObs = $0 }
    }

    var nextChange: UInt64? {
        guard let t = traffic?.nextCycle else { return schedule.first?.cycle }
        return min(t, schedule.first?.cycle ?? .max)
    }

    var rtlStep: (() throws -> RTLObservation)? { host.map { h in { try h.step() } } }

    func applyChange() throws {
        if let t = traffic, let c = t.nextCycle, let h = host, c < schedule.first?.cycle ?? .max {
            guard let m = model.pcieHostStream(at: c) else { preconditionFailure("host traffic needs the model's endpoint") }
            try t.inject(cycle: c, at: h.edgeEnding(socCycle: c), model: model, hosts: (m, h.hostStream))
            return
        }
        let next = schedule.removeFirst()
        pins = UInt8(truncatingIfNeeded: next.pins)
        try rtl.setGPIOInputs(pins)
    }

    func rtlView(_ o: RTLObservation) -> CycleObservation {
        var r = CycleObservation(rtl: o)
        r.gpioIn = pins
        return r
    }

    func stepModel() -> CycleObservation {
        model.step()
        return modelObs
    }

    func lastCycle(after k: UInt64, rtl _: CycleObservation) -> UInt64? {
        model.halted ? k + 1 + drain : nil
    }
}

extension RTLModel.Options {
    /// The RTL SoC top's clocks as the description declares them: the system clock and
    /// the PCIe endpoint's user clock.
    public init(soc: SoCDescription) {
        self.init(clock: soc.clock, userClock: soc.clock(named: SoCDescription.pcieUserClock.name))
    }
}

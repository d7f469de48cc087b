import SimBus

/// One sysctl timer (reference §6.5). Each clock edge:
/// if ENABLE and COUNTER ≠ COMPARE, COUNTER += 1; when COUNTER = COMPARE,
/// the IRQ output is high for the next cycle if ENABLE, and then COUNTER ← 1
/// (AUTORESTART: period = COMPARE cycles) or ENABLE ← 0 (one-shot).
/// `advance(by:)` is closed-form, so idle stretches cost nothing.
public struct SysctlTimer: Equatable, Sendable {
    public var enable = false
    public var autoRestart = false
    public var compare: UInt32 = 0xFFFF_FFFF
    public var counter: UInt32 = 0
    /// The registered IRQ output during the current cycle.
    public private(set) var irq = false

    public init() {}

    /// Apply `n` clock edges; returns whether the IRQ output was high in any
    /// of the `n` cycles entered.
    @discardableResult
    public mutating func advance(by n: UInt64) -> Bool {
        guard n > 0 else { return false }
        if !enable {
            if autoRestart && counter == compare { counter = 1 }
            irq = false
            return false
        }
        let d = UInt64(compare &- counter)          // edges until COUNTER = COMPARE
        if d >= n {
            counter &+= UInt32(truncatingIfNeeded: n)
            irq = false
            return false
        }
        if !autoRestart {
            counter = compare
            enable = false
            irq = d + 1 == n
            return true
        }
        let period = UInt64(compare &- 1) + 1
        let lastMatch = d + (n - 1 - d) / period * period   // edges from now to the last match cycle
        counter = UInt32(truncatingIfNeeded: 1 + (n - lastMatch - 1))
        irq = lastMatch == n - 1
        return true
    }

    /// Edges from now until the IRQ output next goes high (nil: never, as things stand).
    public var edgesToIRQ: UInt64? {
        enable ? UInt64(compare &- counter) + 1 : nil
    }
}

/// The Milkymist sysctl block (cores/sysctl, reference §6.5) on CSR bank 1:
/// GPIO, two timers, clock frequency, capabilities and system ID. csr_a[4:0]
/// is decoded, so the registers alias every 0x80 bytes of the bank.
///
/// GPIO inputs pass a 2-flip-flop synchroniser (GPIO_IN shows a pin change
/// two cycles later); the registered GPIO IRQ is high for one cycle, the cycle
/// after the synchronised value of an enabled input differs from the one
/// before (three cycles after the pin), as sysctl.v's `gpio_irq` register.
/// A write to SYSTEM_ID requests a system reset (`resetRequested`).
public struct Sysctl: CSRDevice, Sendable {
    /// Our device's ID: version 0x0001, "SS" (SoCSim). Milkymist One reads 0x13004D31.
    public static let systemID: UInt32 = 0x0001_5353

    public static func makeRegisterMap(clockHertz: UInt64) -> RegisterMap {
        func timer(_ n: Int, at base: Int) -> [Register] {
            [Register("TIMER\(n)_CONTROL", at: base, "timer \(n) control") {
                Field("ENABLE", bit: 0, .readWrite, "count; cleared by hardware at the end of a one-shot period")
                Field("AUTORESTART", bit: 1, .readWrite, "restart at 1 when COUNTER reaches COMPARE")
            },
             Register("TIMER\(n)_COMPARE", at: base + 4, "timer \(n) period") {
                 Field("VALUE", bits: 0...31, .readWrite, reset: 0xFFFF_FFFF)
             },
             Register("TIMER\(n)_COUNTER", at: base + 8, "timer \(n) count") {
                 Field("VALUE", bits: 0...31, .readWrite)
             }]
        }
        return try! RegisterMap("sysctl", size: 0x80) {
            Register("GPIO_IN", at: 0x00, "input pins after a 2-flip-flop synchroniser") {
                Field("IN", bits: 0...7, .readOnly)
            }
            Register("GPIO_OUT", at: 0x04, "output pins") {
                Field("OUT", bits: 0...7, .readWrite)
            }
            Register("GPIO_INTEN", at: 0x08, "per-input interrupt enable: IRQ 1 pulses on a change") {
                Field("INTEN", bits: 0...7, .readWrite)
            }
            timer(0, at: 0x10)
            timer(1, at: 0x20)
            Register("ICAP", at: 0x40, "FPGA reconfiguration port (not modelled)") {
                Field("READY", bit: 0, .readOnly, reset: 1, tagged: true)
                Field("DATA", bits: 1...17, .readOnlyWriteAction, "write: [15:0] data, 16 CE, 17 WRITE", tagged: true)
            }
            Register("DBG_SCRATCHPAD", at: 0x50, "scratch byte") {
                Field("VALUE", bits: 0...7, .readWrite)
            }
            Register("DBG_CTRL", at: 0x54, "debug control (not modelled)") {
                Field("GDB_ROM_LOCK", bit: 0, .readWrite, tagged: true)
                Field("BUS_ERR_EN", bit: 1, .readWrite, tagged: true)
            }
            Register("FREQUENCY", at: 0x74, "system clock in Hz") {
                Field("HZ", bits: 0...31, .readOnly, reset: clockHertz)
            }
            Register("CAPABILITIES", at: 0x78, "optional cores present (Milkymist bitmap; none here)") {
                Field("CAPS", bits: 0...31, .readOnly)
            }
            Register("SYSTEM_ID", at: 0x7C, "read: system ID; write: system reset") {
                Field("ID", bits: 0...31, .readOnlyWriteAction, reset: UInt64(systemID))
            }
        }
    }

    public static let registerMap: RegisterMap = makeRegisterMap(clockHertz: SoCDescription.milkymistClockHertz)

    /// Register indices, from the declaration (so the model decodes what the map says).
    public static let gpioIn = index("GPIO_IN"), gpioOut = index("GPIO_OUT"), gpioInten = index("GPIO_INTEN")
    public static let timerControl = [index("TIMER0_CONTROL"), index("TIMER1_CONTROL")]
    public static let timerCompare = [index("TIMER0_COMPARE"), index("TIMER1_COMPARE")]
    public static let timerCounter = [index("TIMER0_COUNTER"), index("TIMER1_COUNTER")]
    public static let systemIDIndex = index("SYSTEM_ID")

    public private(set) var cycle: UInt64 = 0
    public private(set) var registers: RegisterFile
    public var timers = [SysctlTimer(), SysctlTimer()]
    /// Interrupt lines: GPIO, timer 0, timer 1.
    public let gpioLine: Int, timerLines: [Int]
    /// Set by a write to SYSTEM_ID; the machine resets and clears it.
    public var resetRequested = false

    /// The input pins (set by the test or the board model).
    public var gpioPins: UInt32 = 0
    private var gpioIn0: UInt32 = 0, gpioInSync: UInt32 = 0, gpioInBefore: UInt32 = 0, gpioIRQ = false
    private var gpioOutValue: UInt32 = 0, gpioInten: UInt32 = 0

    /// A sysctl block coming out of reset at the start of `cycle`.
    public init(clockHertz: UInt64 = SoCDescription.milkymistClockHertz, gpioLine: Int = 1, timerLines: [Int] = [2, 3], cycle: UInt64 = 0) {
        self.cycle = cycle
        registers = RegisterFile(Sysctl.makeRegisterMap(clockHertz: clockHertz))
        self.gpioLine = gpioLine
        self.timerLines = timerLines
    }

    public var gpioOutputs: UInt32 { gpioOutValue }

    public var interruptLines: UInt32 {
        var l: UInt32 = gpioIRQ ? 1 << UInt32(gpioLine) : 0
        for i in 0..<2 where timers[i].irq { l |= 1 << UInt32(timerLines[i]) }
        return l
    }

    /// The first cycle after `cycle` in which `interruptLines` may differ
    /// without a bus write (an earlier one when unsure), nil when never as
    /// things stand (the pins being constant). Lets a cycle-exact bus
    /// advance the block lazily.
    public var nextInterruptChange: UInt64? {
        if gpioIRQ || gpioIn0 != gpioPins & 0xFF || gpioInSync != gpioIn0 || gpioInBefore != gpioInSync {
            return cycle + 1
        }
        var next: UInt64?
        for t in timers {
            let c = t.irq ? cycle + 1 : t.edgesToIRQ.map { cycle + $0 }
            if let c { next = min(next ?? c, c) }
        }
        return next
    }

    /// Lines that were high in any cycle entered by the last `advance`.
    public private(set) var linesSeen: UInt32 = 0

    public mutating func advance(to target: UInt64) {
        guard target > cycle else { return }
        let n = target - cycle
        var seen: UInt32 = 0
        for i in 0..<2 where timers[i].advance(by: n) { seen |= 1 << UInt32(timerLines[i]) }
        // The synchroniser and the IRQ register settle within four edges.
        for _ in 0..<min(n, 4) {
            gpioIRQ = (gpioInBefore ^ gpioInSync) & gpioInten != 0
            gpioInBefore = gpioInSync
            gpioInSync = gpioIn0
            gpioIn0 = gpioPins & 0xFF
            if gpioIRQ { seen |= 1 << UInt32(gpioLine) }
        }
        linesSeen = seen
        cycle = target
    }

    public func read(index: Int) -> UInt32 {
        let i = Self.alias(index)
        switch i {
        case Self.gpioIn: return gpioInSync
        case Self.gpioOut: return gpioOutValue
        case Self.gpioInten: return gpioInten
        default: break
        }
        for t in 0..<2 {
            switch i {
            case Self.timerControl[t]: return (timers[t].enable ? 1 : 0) | (timers[t].autoRestart ? 2 : 0)
            case Self.timerCompare[t]: return timers[t].compare
            case Self.timerCounter[t]: return timers[t].counter
            default: break
            }
        }
        return UInt32(truncatingIfNeeded: registers.read(at: i * 4, count: 4))
    }

    public mutating func write(index: Int, value: UInt32) {
        let i = Self.alias(index)
        advance(to: cycle + 1)
        syncToFile()
        registers.write(at: i * 4, count: 4, value: UInt64(value))
        // The write overrides the hardware update of this edge.
        gpioOutValue = UInt32(registers.value(of: "GPIO_OUT"))
        gpioInten = UInt32(registers.value(of: "GPIO_INTEN"))
        for t in 0..<2 {
            switch i {
            case Self.timerControl[t]:
                timers[t].enable = value & 1 != 0
                timers[t].autoRestart = value & 2 != 0
            case Self.timerCompare[t]: timers[t].compare = value
            case Self.timerCounter[t]: timers[t].counter = value
            default: break
            }
        }
        if i == Self.systemIDIndex { resetRequested = true }
    }

    /// Tagged fields software has written, each once.
    public var unmodelledWrites: [String] { registers.unmodelledWrites }

    private mutating func syncToFile() {
        registers.set("GPIO_IN", "IN", to: UInt64(gpioInSync & 0xFF))
        for t in 0..<2 {
            registers.set("TIMER\(t)_CONTROL", "ENABLE", to: timers[t].enable ? 1 : 0)
            registers.set("TIMER\(t)_CONTROL", "AUTORESTART", to: timers[t].autoRestart ? 1 : 0)
            registers.set("TIMER\(t)_COMPARE", "VALUE", to: UInt64(timers[t].compare))
            registers.set("TIMER\(t)_COUNTER", "VALUE", to: UInt64(timers[t].counter))
        }
    }
}

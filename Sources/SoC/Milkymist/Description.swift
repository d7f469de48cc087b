import LM32
import PCIe
import SimBus
import SimKernel

/// The device SoC as data: memory map, CSR banks, interrupt lines and clock
/// (DESIGN.md §5). It is checked when built, printed by `socsim map`, turned
/// into firmware headers by `socsim header`, and used by the machines, so the
/// map the firmware sees and the map the models decode are one value.

/// What answers in a region of the memory map.
public enum RegionKind: String, Hashable, Sendable {
    /// On-chip block RAM (the firmware and its data).
    case bram
    /// The SDRAM model: plain RAM with a fixed access latency.
    case sdram
    /// The CSR bridge: 4 KiB per device bank.
    case csr
}

/// Wishbone slave timing of a region, in cycles of the system clock: how many
/// cycles CYC is held for one single access, the ACK coming in the last one
/// (so 1 = the slave acknowledges in the first cycle).
public struct SlaveTiming: Hashable, Sendable {
    public var readCycles: Int
    public var writeCycles: Int
    public init(readCycles: Int, writeCycles: Int) {
        self.readCycles = readCycles
        self.writeCycles = writeCycles
    }
}

/// One region of the memory map.
public struct MapEntry: Hashable, Sendable {
    public var name: String
    public var base: UInt32
    public var size: UInt32
    public var kind: RegionKind
    public var timing: SlaveTiming
    public var summary: String

    public init(_ name: String, base: UInt32, size: UInt32, kind: RegionKind, timing: SlaveTiming, _ summary: String = "") {
        self.name = name; self.base = base; self.size = size; self.kind = kind; self.timing = timing
        self.summary = summary
    }

    /// The last address of the region (no overflow for regions ending at 2^32).
    public var last: UInt32 { base &+ (size &- 1) }
    public func contains(_ address: UInt32) -> Bool { address &- base < size }
}

/// A device on the CSR bus: its bank (4 KiB at CSR base + bank × 0x1000) and
/// its register map, or nil for a bank reserved for a later device.
public struct CSRBank: Hashable, Sendable {
    public var bank: Int
    public var name: String
    public var registers: RegisterMap?
    public var summary: String
    public init(bank: Int, name: String, registers: RegisterMap?, _ summary: String = "") {
        self.bank = bank; self.name = name; self.registers = registers; self.summary = summary
    }
}

/// One line of the CPU's 32 interrupt inputs (each sets its bit of IP).
public struct InterruptLine: Hashable, Sendable {
    public var number: Int
    public var name: String
    /// The device driving it (a CSR bank name or another source).
    public var source: String
    public var summary: String
    public init(_ number: Int, _ name: String, source: String, _ summary: String = "") {
        self.number = number; self.name = name; self.source = source; self.summary = summary
    }
}

/// A Wishbone master on the shared bus. Its place in
/// `SoCDescription.masters` is its priority (0 highest) and its number in
/// the RTL's arbiter; `signal` is the prefix of its ports in the RTL top
/// (`d` → d_cyc, d_adr, ...). A `yielding` master gives the bus up after
/// each of its beats (`FixedPriorityArbiter`): the coprocessor, which holds
/// CYC from its first read to its last.
public struct BusMaster: Hashable, Sendable {
    public var name: String
    public var signal: String
    public var summary: String
    public var yielding: Bool
    public init(_ name: String, signal: String, _ summary: String = "", yielding: Bool = false) {
        self.name = name; self.signal = signal; self.summary = summary; self.yielding = yielding
    }
}

/// A description the SoC builder rejects.
public enum SoCDescriptionError: Error, Hashable, Sendable, CustomStringConvertible {
    case emptyRegion(String)
    case sizeNotPowerOfTwo(region: String, size: UInt32)
    case misalignedRegion(region: String, base: UInt32, size: UInt32)
    /// Decoding ignores bit 31, so a region must lie below 0x80000000.
    case regionInUncachedAlias(region: String, base: UInt32)
    case overlappingRegions(String, String)
    case duplicateName(String)
    case badTiming(region: String)
    case missingCSRRegion
    case csrBankOutOfRange(device: String, bank: Int, banks: Int)
    case duplicateCSRBank(Int, String, String)
    case registerMapTooLarge(device: String, size: Int)
    case interruptOutOfRange(line: String, number: Int)
    case duplicateInterrupt(Int, String, String)
    case unknownInterruptSource(line: String, source: String)
    case badClock(hertz: UInt64)
    /// No master, more than the arbiter takes (32), or a name or port prefix twice.
    case badMasters(String)

    public var description: String {
        func h(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case .emptyRegion(let r): return "\(r): size is 0"
        case .sizeNotPowerOfTwo(let r, let s): return "\(r): size \(h(s)) is not a power of two"
        case .misalignedRegion(let r, let b, let s): return "\(r): base \(h(b)) is not aligned to its size \(h(s))"
        case .regionInUncachedAlias(let r, let b):
            return "\(r): base \(h(b)) has bit 31 set; decoding ignores bit 31, so use the cached address"
        case .overlappingRegions(let a, let b): return "\(a) and \(b) overlap"
        case .duplicateName(let n): return "\(n) is declared twice"
        case .badTiming(let r): return "\(r): an access must take at least one cycle"
        case .missingCSRRegion: return "no CSR region: CSR banks need one"
        case .csrBankOutOfRange(let d, let b, let n): return "\(d): CSR bank \(b) is outside 0...\(n - 1)"
        case .duplicateCSRBank(let b, let x, let y): return "CSR bank \(b) is used by both \(x) and \(y)"
        case .registerMapTooLarge(let d, let s): return "\(d): register map of \(s) bytes does not fit a 4 KiB bank"
        case .interruptOutOfRange(let l, let n): return "\(l): interrupt line \(n) is outside 0...31"
        case .duplicateInterrupt(let n, let x, let y): return "interrupt line \(n) is used by both \(x) and \(y)"
        case .unknownInterruptSource(let l, let s): return "\(l): source \(s) is not a CSR device of this SoC"
        case .badClock(let hz): return "clock of \(hz) Hz: the period must be a whole number of picoseconds"
        case .badMasters(let why): return "bus masters: \(why)"
        }
    }
}

/// A clock domain besides the system clock, as declared: its frequency
/// must give a whole number of picoseconds per period.
public struct ClockDomain: Equatable, Sendable {
    public let name: String
    public let hertz: UInt64
    public let summary: String
    public init(_ name: String, hertz: UInt64, _ summary: String) {
        self.name = name
        self.hertz = hertz
        self.summary = summary
    }
}

/// A checked SoC description.
public struct SoCDescription: Equatable, Sendable {
    public static let csrBankSize: UInt32 = 0x1000
    /// Bit 31 of an address is ignored by decoding; software uses it to bypass the D-cache.
    public static let uncachedAliasBit: UInt32 = 0x8000_0000

    public let name: String
    /// The CPU's configuration (its reset vectors, caches, CFG word).
    public let cpu: CoreConfig
    /// The system clock (`clocks[0]`): the CPU, the bus and every CSR device.
    public let clock: Clock
    public let clockHertz: UInt64
    /// Every clock domain, the system clock first, then `otherClocks` in
    /// declared order. This order is the order of edges falling on the same
    /// instant (`ClockEdges`), in the model and in the RTL harness.
    public let clocks: [Clock]
    /// In address order.
    public let regions: [MapEntry]
    /// In bank order.
    public let csrBanks: [CSRBank]
    /// In line order.
    public let interrupts: [InterruptLine]
    /// The shared bus's masters, highest priority first (a fixed-priority
    /// arbiter, the grant held while CYC is held: `FixedPriorityArbiter`).
    public let masters: [BusMaster]

    /// The CPU's two Wishbone ports, the data port first.
    public static let cpuMasters = [BusMaster("cpu-d", signal: "d", "LM32 data port"),
                                    BusMaster("cpu-i", signal: "i", "LM32 instruction port")]
    /// The automaton coprocessor's master (docs/automaton.md): single reads,
    /// CYC held from its first to its last, so it yields after each beat;
    /// the lowest priority, so the CPU waits for at most one of its beats.
    public static let coprocessorMaster = BusMaster("coprocessor", signal: "c", "automaton coprocessor (reads)",
                                                    yielding: true)
    /// The PCIe endpoint's DMA engine (docs/pcie-endpoint.md): single beats,
    /// CYC held from a piece's first beat to its last, so it yields after
    /// each beat like the coprocessor; the lowest priority, so neither the
    /// CPU nor the coprocessor waits for more than one of its beats (the
    /// host's DMA tolerates latency, the firmware's fetches do not).
    public static let pcieMaster = BusMaster("pcie-dma", signal: "e", "PCIe endpoint DMA engine", yielding: true)

    /// The system clock's name (the RTL tops' port is `clk`).
    public static let systemClockName = "sys_clk"

    public init(name: String, cpu: CoreConfig = .milkymist, clockHertz: UInt64, otherClocks: [ClockDomain] = [],
                regions: [MapEntry], csrBanks: [CSRBank],
                interrupts: [InterruptLine], masters: [BusMaster] = cpuMasters) throws(SoCDescriptionError) {
        guard let clock = Clock(name: Self.systemClockName, hertz: clockHertz) else { throw .badClock(hertz: clockHertz) }
        var clocks = [clock]
        for d in otherClocks {
            guard let c = Clock(name: d.name, hertz: d.hertz) else { throw .badClock(hertz: d.hertz) }
            clocks.append(c)
        }
        if let n = clocks.map(\.name).duplicate { throw .duplicateName(n) }
        guard (1...32).contains(masters.count) else { throw .badMasters("\(masters.count) masters (1...32)") }
        if let n = masters.map(\.name).duplicate ?? masters.map(\.signal).duplicate { throw .badMasters("\(n) twice") }
        var names = Set<String>()
        for r in regions {
            guard r.size > 0 else { throw .emptyRegion(r.name) }
            guard r.size & (r.size - 1) == 0 else { throw .sizeNotPowerOfTwo(region: r.name, size: r.size) }
            guard r.base & (r.size - 1) == 0 else { throw .misalignedRegion(region: r.name, base: r.base, size: r.size) }
            guard r.base & Self.uncachedAliasBit == 0, UInt64(r.base) + UInt64(r.size) <= 0x8000_0000 else {
                throw .regionInUncachedAlias(region: r.name, base: r.base)
            }
            guard r.timing.readCycles >= 1, r.timing.writeCycles >= 1 else { throw .badTiming(region: r.name) }
            guard names.insert(r.name).inserted else { throw .duplicateName(r.name) }
        }
        let sorted = regions.sorted { $0.base < $1.base }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.base <= a.last {
            throw .overlappingRegions(a.name, b.name)
        }
        var byBank: [Int: String] = [:]
        if !csrBanks.isEmpty {
            guard let csr = sorted.first(where: { $0.kind == .csr }) else { throw .missingCSRRegion }
            let count = Int(csr.size / Self.csrBankSize)
            for d in csrBanks {
                guard names.insert(d.name).inserted else { throw .duplicateName(d.name) }
                guard d.bank >= 0, d.bank < count else { throw .csrBankOutOfRange(device: d.name, bank: d.bank, banks: count) }
                if let other = byBank[d.bank] { throw .duplicateCSRBank(d.bank, other, d.name) }
                byBank[d.bank] = d.name
                if let m = d.registers, m.size > Int(Self.csrBankSize) {
                    throw .registerMapTooLarge(device: d.name, size: m.size)
                }
            }
        }
        var byLine: [Int: String] = [:]
        let deviceNames = Set(csrBanks.map(\.name))
        for l in interrupts {
            guard (0..<32).contains(l.number) else { throw .interruptOutOfRange(line: l.name, number: l.number) }
            if let other = byLine[l.number] { throw .duplicateInterrupt(l.number, other, l.name) }
            byLine[l.number] = l.name
            guard deviceNames.contains(l.source) else { throw .unknownInterruptSource(line: l.name, source: l.source) }
        }
        self.name = name
        self.cpu = cpu
        self.clock = clock
        self.clockHertz = clockHertz
        self.clocks = clocks
        self.otherClocks = otherClocks
        self.regions = sorted
        self.csrBanks = csrBanks.sorted { $0.bank < $1.bank }
        self.interrupts = interrupts.sorted { $0.number < $1.number }
        self.masters = masters
    }

    /// The domains declared besides the system clock, as given.
    public let otherClocks: [ClockDomain]

    /// The same SoC with other bus masters (checked again).
    public func with(masters: [BusMaster]) throws(SoCDescriptionError) -> SoCDescription {
        try SoCDescription(name: name, cpu: cpu, clockHertz: clockHertz, otherClocks: otherClocks, regions: regions,
                           csrBanks: csrBanks, interrupts: interrupts, masters: masters)
    }

    /// The clock domain named `n`.
    public func clock(named n: String) -> Clock? { clocks.first { $0.name == n } }

    /// The number of the master named `n` in the arbiter.
    public func master(named n: String) -> Int? { masters.firstIndex { $0.name == n } }

    public func region(named n: String) -> MapEntry? { regions.first { $0.name == n } }
    public func region(_ kind: RegionKind) -> MapEntry? { regions.first { $0.kind == kind } }
    public func bank(named n: String) -> CSRBank? { csrBanks.first { $0.name == n } }
    public func interrupt(named n: String) -> InterruptLine? { interrupts.first { $0.name == n } }

    /// The region decoding `address` (bit 31 ignored), or nil: an unmapped address.
    public func decode(_ address: UInt32) -> MapEntry? {
        let a = address & ~Self.uncachedAliasBit
        return regions.first { $0.contains(a) }
    }

    /// The cached (bit 31 clear) base address of a CSR bank.
    public func csrBase(bank: Int) -> UInt32 {
        (region(.csr)?.base ?? 0) + UInt32(bank) * Self.csrBankSize
    }
}

extension SoCDescription {
    /// Reserved banks and lines of DESIGN.md §5, for devices of later issues.
    public static let coprocessorBank = 2, pcieBank = 3

    /// The milkymist SoC's system clock: 80 MHz (12 500 ps). The sysctl's
    /// FREQUENCY register reads it.
    public static let milkymistClockHertz: UInt64 = 80_000_000
    /// The PCIe endpoint's user clock: 62.5 MHz (16 000 ps), a domain of its
    /// own next to the system clock.
    public static let pcieUserClock = ClockDomain("pcie_user_clk", hertz: 62_500_000,
                                                  "PCIe endpoint user clock (the endpoint's transaction layer)")

    /// The device SoC (DESIGN.md §5): BRAM 64 KiB at 0, SDRAM 16 MiB at
    /// 0x40000000 with a fixed latency of `sdramLatency` cycles per access,
    /// the CSR bridge at 0x60000000 (software uses the 0xE0000000 alias),
    /// UART, sysctl and two reserved banks, six interrupt lines, 80 MHz, and
    /// the PCIe user clock's domain.
    public static func milkymist(sdramLatency: Int = SDRAM.defaultLatency) throws(SoCDescriptionError) -> SoCDescription {
        try SoCDescription(
            name: "milkymist",
            cpu: .milkymist,
            clockHertz: milkymistClockHertz,
            otherClocks: [pcieUserClock],
            regions: [
                MapEntry("bram", base: 0x0000_0000, size: 0x1_0000, kind: .bram,
                         timing: SlaveTiming(readCycles: 2, writeCycles: 2),
                         "firmware and its data; the boot image is loaded here at reset"),
                MapEntry("sdram", base: 0x4000_0000, size: 0x100_0000, kind: .sdram,
                         timing: SlaveTiming(readCycles: sdramLatency, writeCycles: sdramLatency),
                         "golden image and DMA buffers; fixed latency"),
                MapEntry("csr", base: 0x6000_0000, size: 0x1_0000, kind: .csr,
                         timing: SlaveTiming(readCycles: CSRBridge.readCycles, writeCycles: CSRBridge.writeCycles),
                         "CSR bridge, 4 KiB per device; software uses the uncached alias 0xe0000000"),
            ],
            csrBanks: [
                CSRBank(bank: 0, name: "uart", registers: UART.registerMap, "Milkymist UART (cores/uart)"),
                CSRBank(bank: 1, name: "sysctl", registers: Sysctl.registerMap,
                        "Milkymist sysctl: GPIO, two timers, frequency, system ID"),
                CSRBank(bank: coprocessorBank, name: "coprocessor", registers: AutomatonCoprocessor.registerMap,
                        "automaton coprocessor (docs/automaton.md)"),
                CSRBank(bank: pcieBank, name: "pcie", registers: EndpointRegisters.csrMap,
                        "PCIe endpoint: mailbox, DMA, MSI (docs/pcie-endpoint.md)"),
            ],
            interrupts: [
                InterruptLine(0, "uart", source: "uart", "level: TX_EVT & TX_IRQ_EN | RX_EVT & RX_IRQ_EN"),
                InterruptLine(1, "gpio", source: "sysctl", "1-cycle pulse on a change of an enabled input"),
                InterruptLine(2, "timer0", source: "sysctl", "1-cycle pulse when COUNTER reaches COMPARE"),
                InterruptLine(3, "timer1", source: "sysctl", "1-cycle pulse when COUNTER reaches COMPARE"),
                InterruptLine(4, "coprocessor", source: "coprocessor", "level: STATUS.DONE & CTRL.IRQ_EN"),
                InterruptLine(5, "pcie", source: "pcie", "level: IRQ_PENDING & IRQ_ENABLE (DMA done/error, doorbell, traffic error)"),
            ],
            masters: cpuMasters + [coprocessorMaster, pcieMaster])
    }
}

extension Array where Element: Hashable {
    /// An element present twice, if any.
    var duplicate: Element? {
        var seen = Set<Element>()
        return first { !seen.insert($0).inserted }
    }
}

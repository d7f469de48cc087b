import LM32
import SimBus

/// What the upstream unit-test device (tb_lm32_system.v) and the character
/// port report.
public enum TestbenchEvent: Equatable, Sendable {
    /// A test case finished: its name (from the TESTNAME register) and verdict.
    case testCase(name: String, passed: Bool)
    /// A character written to the character port.
    case character(UInt8)
    /// The program wrote CTRL (or 0xBEEF to 0xDEAD0000): end of run.
    case finish
}

/// The upstream LM32 test bench as a machine: one 64 KiB RAM shared by both
/// ports (reads wrap every 64 KiB; data writes land only when
/// address[31:16] = 0), the unit-test device at 0xFFFF0000 and a character
/// port at 0xFF000000. Writes to other addresses are dropped, as in the bench.
/// An optional window answers with bus errors, for exception tests.
public final class TestbenchBus: LM32Bus {
    public static let ramSize = UnitTestBench.ramBytes
    public static let testDeviceBase: UInt32 = 0xFFFF_0000
    public static let characterPort: UInt32 = 0xFF00_0000
    public static let finishAddress: UInt32 = 0xDEAD_0000

    public let ram = WordMemory(base: 0, byteCount: TestbenchBus.ramSize)
    /// Accesses inside this range answer with ERR (instruction and data side).
    public var errorWindow: ClosedRange<UInt32>? {
        get { flags.pointee.hasErrorWindow ? flags.pointee.errorLow...flags.pointee.errorHigh : nil }
        set {
            flags.pointee.hasErrorWindow = newValue != nil
            flags.pointee.errorLow = newValue?.lowerBound ?? 0
            flags.pointee.errorHigh = newValue?.upperBound ?? 0
        }
    }
    public private(set) var events: [TestbenchEvent] = []
    /// Called for every event as it happens (the CLI streams output with it).
    public var onEvent: ((TestbenchEvent) -> Void)?
    private var testNameAddress: UInt32 = 0

    /// State read on every access, behind a pointer (no exclusivity checks).
    private struct Flags {
        var finished = false
        var hasErrorWindow = false
        var errorLow: UInt32 = 0
        var errorHigh: UInt32 = 0
    }
    private let flags = UnsafeMutablePointer<Flags>.allocate(capacity: 1)

    public init() { flags.initialize(to: Flags()) }
    deinit { flags.deallocate() }

    /// Set once the program ends itself.
    public var finished: Bool { flags.pointee.finished }

    @inline(__always) private func inErrorWindow(_ a: UInt32) -> Bool {
        flags.pointee.hasErrorWindow && a >= flags.pointee.errorLow && a <= flags.pointee.errorHigh
    }

    public func fetch(_ address: UInt32) -> BusResult {
        if inErrorWindow(address) { return .error }
        return .ok(ram.word(at: address))
    }

    public func read(_ address: UInt32, sel: UInt8) -> BusResult {
        if inErrorWindow(address) { return .error }
        return .ok(ram.word(at: address))
    }

    public func write(_ address: UInt32, data: UInt32, sel: UInt8) -> Bool {
        if inErrorWindow(address) { return false }
        if address >> 16 == 0 {
            ram.write(at: address, data: data, sel: sel)
            return true
        }
        switch address & ~3 {
        case Self.testDeviceBase:
            emit(.finish)
        case Self.testDeviceBase + 4:
            emit(.testCase(name: testName(), passed: data == 0))
        case Self.testDeviceBase + 8:
            testNameAddress = data & 0xFFFF
        case Self.characterPort:
            emit(.character(UInt8(truncatingIfNeeded: data)))
        case Self.finishAddress where data & 0xFFFF == 0xBEEF:
            emit(.finish)
        default:
            break
        }
        return true
    }

    private func emit(_ e: TestbenchEvent) {
        if e == .finish { flags.pointee.finished = true }
        events.append(e)
        onEvent?(e)
    }

    /// The NUL-terminated test name (at most 32 characters), read from RAM.
    private func testName() -> String {
        var bytes: [UInt8] = []
        var a = testNameAddress
        while bytes.count < 32 {
            let b = ram.byte(at: a)
            if b == 0 { break }
            bytes.append(b)
            a &+= 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Why a run stopped.
public enum StopReason: Equatable, Sendable {
    /// The program ended itself through the test device.
    case finished
    /// The cycle limit was reached first.
    case cycleLimit
    /// The host asked the run to stop (e.g. SIGINT).
    case interrupted
}

/// The functional core on the test bench.
public final class TestbenchMachine {
    public let bus: TestbenchBus
    public let core: LM32Core

    public init(config: CoreConfig = .testbenchCache) {
        bus = TestbenchBus()
        core = LM32Core(config: config, bus: bus)
    }

    /// Place bytes in RAM.
    public func load(_ bytes: [UInt8], at address: UInt32) {
        bus.ram.load(bytes, at: address)
    }

    /// Run until the program finishes, `maxCycles` retirements pass, or
    /// `shouldStop` (polled every 4096 instructions) returns true.
    public func run(maxCycles: UInt64, shouldStop: (() -> Bool)? = nil) -> StopReason {
        let core = self.core, bus = self.bus
        var n: UInt64 = core.retired
        while n < maxCycles {
            core.step()
            n &+= 1
            if bus.finished { return .finished }
            if n & 4095 == 0, let shouldStop, shouldStop() { return .interrupted }
        }
        return .cycleLimit
    }

    /// Test cases reported so far.
    public var testCases: [(name: String, passed: Bool)] {
        bus.events.compactMap { if case let .testCase(n, p) = $0 { return (n, p) } else { return nil } }
    }
}

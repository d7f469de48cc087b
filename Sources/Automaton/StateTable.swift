import SimKernel

/// One state of the challenge automaton.
public struct StateEntry: Hashable, Sendable {
    public var operation: Operation
    /// The state's 32-bit constant `k`.
    public var constant: UInt32
    /// Which bit (0...31) of the step's mixed value `t` picks the successor.
    public var branchBit: UInt8
    /// The next state when that bit is 0 and when it is 1.
    public var successor0: UInt8, successor1: UInt8

    public init(_ operation: Operation, constant: UInt32, branchBit: UInt8, successor0: UInt8, successor1: UInt8) {
        self.operation = operation
        self.constant = constant
        self.branchBit = branchBit
        self.successor0 = successor0
        self.successor1 = successor1
    }

    /// The descriptor word of the in-memory table: operation in byte 0,
    /// branch bit in byte 1, successor 0 in byte 2, successor 1 in byte 3.
    public var descriptor: UInt32 {
        UInt32(operation.rawValue) | UInt32(branchBit) << 8 | UInt32(successor0) << 16 | UInt32(successor1) << 24
    }
}

/// Why a state table, a challenge or a run is refused: the status codes of
/// docs/automaton.md ("Errors"), shared by the reference, the device's
/// STATUS.ERROR field and the RTL.
public enum AutomatonError: UInt8, Error, CaseIterable, Sendable, CustomStringConvertible {
    /// The step count is 0.
    case zeroSteps = 1
    /// The window length is not a power of two (0 included) or exceeds 2^30 words.
    case windowLength = 2
    /// The window's words are not all in one memory region (device check).
    case windowRange = 3
    /// The environment count exceeds 16.
    case environmentCount = 4
    /// The state count is 0 or above 64.
    case stateCount = 5
    /// The table's words are not all in one memory region (device check).
    case tableAddress = 6
    /// A descriptor with an unknown operation, a branch bit above 31 or a successor not below the state count.
    case tableEntry = 7
    /// The memory answered a read of the window or the table with an error.
    case busError = 8
    /// Software aborted the run (device only).
    case aborted = 9

    public var description: String {
        switch self {
        case .zeroSteps: "the step count is 0"
        case .windowLength: "the window length is not a power of two (1 to 2^30 words)"
        case .windowRange: "the window is not inside one memory region"
        case .environmentCount: "more than 16 environment words"
        case .stateCount: "the state count is not 1 to 64"
        case .tableAddress: "the state table is not inside one memory region"
        case .tableEntry: "a state has an unknown operation, a branch bit above 31 or a successor outside the table"
        case .busError: "bus error"
        case .aborted: "aborted"
        }
    }
}

/// A validated state table: 1 to 64 states, every successor inside it.
public struct StateTable: Hashable, Sendable {
    public static let maxStates = 64
    public let entries: [StateEntry]

    public init(_ entries: [StateEntry]) throws(AutomatonError) {
        guard (1...Self.maxStates).contains(entries.count) else { throw .stateCount }
        for e in entries where e.branchBit > 31 || Int(e.successor0) >= entries.count || Int(e.successor1) >= entries.count {
            throw .tableEntry
        }
        self.entries = entries
    }

    /// Decode the in-memory form: per state its constant word, then its descriptor word.
    public init(words: [UInt32]) throws(AutomatonError) {
        guard words.count % 2 == 0, (1...Self.maxStates).contains(words.count / 2) else { throw .stateCount }
        var entries: [StateEntry] = []
        for i in stride(from: 0, to: words.count, by: 2) {
            entries.append(try Self.entry(constant: words[i], descriptor: words[i + 1], states: words.count / 2))
        }
        try self.init(entries)
    }

    /// One state from its two words, checked against a table of `states` states.
    public static func entry(constant: UInt32, descriptor d: UInt32, states: Int) throws(AutomatonError) -> StateEntry {
        let b = (UInt8(truncatingIfNeeded: d), UInt8(truncatingIfNeeded: d >> 8),
                 UInt8(truncatingIfNeeded: d >> 16), UInt8(truncatingIfNeeded: d >> 24))
        guard let op = Operation(rawValue: b.0), b.1 <= 31, Int(b.2) < states, Int(b.3) < states else { throw .tableEntry }
        return StateEntry(op, constant: constant, branchBit: b.1, successor0: b.2, successor1: b.3)
    }

    /// The in-memory form: constant and descriptor per state.
    public var words: [UInt32] { entries.flatMap { [$0.constant, $0.descriptor] } }

    /// A random table of `states` states drawn from SplitMix64(`seed`), one
    /// draw `r` per state: k = r[31:0], operation = r[34:32], branch bit =
    /// r[44:40], successor 0 = r[55:48] mod n, successor 1 = r[63:56] mod n.
    public static func random(seed: UInt64, states: Int = maxStates) throws(AutomatonError) -> StateTable {
        guard (1...maxStates).contains(states) else { throw .stateCount }
        var g = SplitMix64(seed: seed)
        let n = UInt64(states)
        return try StateTable((0..<states).map { _ in
            let r = g.next()
            return StateEntry(Operation(rawValue: UInt8(r >> 32 & 7))!, constant: UInt32(truncatingIfNeeded: r),
                              branchBit: UInt8(r >> 40 & 31), successor0: UInt8((r >> 48 & 0xFF) % n),
                              successor1: UInt8((r >> 56) % n))
        })
    }
}

/// A malformed table text (docs/automaton.md, "Table text format").
public struct TableFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

extension StateTable {
    /// The text format: one state per line in state order, `OP CONSTANT
    /// BRANCH-BIT SUCCESSOR0 SUCCESSOR1`; numbers decimal or 0x-hex; `#`
    /// starts a comment; blank lines are ignored.
    public init(text: String) throws(TableFormatError) {
        var entries: [StateEntry] = []
        var lineNo = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNo += 1
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = line.split(whereSeparator: \.isWhitespace)
            if f.isEmpty { continue }
            func fail(_ m: String) -> TableFormatError { TableFormatError(line: lineNo, message: m) }
            guard f.count == 5 else { throw fail("expected OP CONSTANT BRANCH-BIT SUCCESSOR0 SUCCESSOR1, found \(f.count) fields") }
            guard let op = Operation(mnemonic: String(f[0])) else {
                throw fail("unknown operation '\(f[0])' (known: \(Operation.allCases.map(\.mnemonic).joined(separator: ", ")))")
            }
            guard let k = parseNumber(f[1]), k <= UInt64(UInt32.max) else { throw fail("bad constant '\(f[1])' (32 bits)") }
            guard let bit = parseNumber(f[2]), bit <= 31 else { throw fail("bad branch bit '\(f[2])' (0 to 31)") }
            guard let s0 = parseNumber(f[3]), s0 < UInt64(Self.maxStates) else { throw fail("bad successor '\(f[3])'") }
            guard let s1 = parseNumber(f[4]), s1 < UInt64(Self.maxStates) else { throw fail("bad successor '\(f[4])'") }
            guard entries.count < Self.maxStates else { throw fail("more than \(Self.maxStates) states") }
            entries.append(StateEntry(op, constant: UInt32(k), branchBit: UInt8(bit), successor0: UInt8(s0), successor1: UInt8(s1)))
        }
        guard !entries.isEmpty else { throw TableFormatError(line: 0, message: "the table has no states") }
        do { try self.init(entries) } catch {
            let bad = entries.firstIndex { Int($0.successor0) >= entries.count || Int($0.successor1) >= entries.count } ?? 0
            throw TableFormatError(line: 0, message: "state \(bad): a successor is not below the state count \(entries.count)")
        }
    }

    /// The text format, one commented line per state.
    public var text: String {
        var out = "# socsim automaton table v1: \(entries.count) states; OP CONSTANT BRANCH-BIT SUCCESSOR0 SUCCESSOR1\n"
        for (i, e) in entries.enumerated() {
            let k = String(e.constant, radix: 16)
            let op = e.operation.mnemonic + String(repeating: " ", count: 4 - e.operation.mnemonic.count)
            out += "\(op) 0x\(String(repeating: "0", count: 8 - k.count) + k) \(e.branchBit) \(e.successor0) \(e.successor1)  # \(i)\n"
        }
        return out
    }
}

/// A decimal or 0x-prefixed hexadecimal number (underscores allowed).
public func parseNumber<S: StringProtocol>(_ s: S) -> UInt64? {
    let t = String(s.filter { $0 != "_" })
    if t.hasPrefix("0x") || t.hasPrefix("0X") { return UInt64(t.dropFirst(2), radix: 16) }
    return UInt64(t)
}

/// A challenge and an answer as they travel over PCIe (docs/automaton.md,
/// "A challenge and an answer on the wire"): 32-bit little-endian words at
/// fixed byte offsets.

/// Why a challenge or an answer does not decode.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    case size(expected: Int, found: Int)
    case magic(expected: UInt32, found: UInt32)
    /// A reserved byte or an entry past a count is not zero (byte offset).
    case nonZeroPadding(offset: Int)
    case invalid(AutomatonError)

    public var description: String {
        switch self {
        case .size(let e, let f): "expected \(e) bytes, found \(f)"
        case .magic(let e, let f): "magic 0x\(String(f, radix: 16)), expected 0x\(String(e, radix: 16))"
        case .nonZeroPadding(let o): "byte 0x\(String(o, radix: 16)) must be zero"
        case .invalid(let e): e.description
        }
    }
}

/// The challenge the device sends: the automaton's inputs with environment
/// test selectors in place of the environment values.
public struct ChallengeMessage: Hashable, Sendable {
    public static let magic: UInt32 = 0x3154_5541       // "AUT1"
    public static let size = 0x260
    /// Byte offsets.
    public static let idOffset = 0x04, nonceOffset = 0x08, windowBaseOffset = 0x10, windowWordsOffset = 0x14,
                      stepsOffset = 0x18, countsOffset = 0x1C, environmentOffset = 0x20, tableOffset = 0x60

    public var id: UInt32
    public var nonce: UInt64
    public var window: Window
    public var steps: UInt32
    public var table: StateTable
    /// Up to 16 environment test selectors (their meaning is the host model's).
    public var environmentTests: [UInt32]

    public init(id: UInt32, nonce: UInt64, window: Window, steps: UInt32, table: StateTable,
                environmentTests: [UInt32]) throws(AutomatonError) {
        guard steps > 0 else { throw .zeroSteps }
        guard environmentTests.count <= Environment.capacity else { throw .environmentCount }
        self.id = id; self.nonce = nonce; self.window = window; self.steps = steps; self.table = table
        self.environmentTests = environmentTests
    }

    /// The challenge to run once the environment tests have given `environment`
    /// (one value per selector).
    public func challenge(environment: Environment) throws(AutomatonError) -> Challenge {
        guard environment.words.count == environmentTests.count else { throw .environmentCount }
        return try Challenge(nonce: nonce, window: window, steps: steps, table: table, environment: environment)
    }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.size)
        put32(&out, 0, Self.magic)
        put32(&out, Self.idOffset, id)
        put32(&out, Self.nonceOffset, UInt32(truncatingIfNeeded: nonce))
        put32(&out, Self.nonceOffset + 4, UInt32(truncatingIfNeeded: nonce >> 32))
        put32(&out, Self.windowBaseOffset, window.base)
        put32(&out, Self.windowWordsOffset, window.words)
        put32(&out, Self.stepsOffset, steps)
        out[Self.countsOffset] = UInt8(table.entries.count)
        out[Self.countsOffset + 1] = UInt8(environmentTests.count)
        for (i, t) in environmentTests.enumerated() { put32(&out, Self.environmentOffset + 4 * i, t) }
        for (i, w) in table.words.enumerated() { put32(&out, Self.tableOffset + 4 * i, w) }
        return out
    }

    public init(bytes b: [UInt8]) throws(WireError) {
        guard b.count == Self.size else { throw .size(expected: Self.size, found: b.count) }
        let magic = get32(b, 0)
        guard magic == Self.magic else { throw .magic(expected: Self.magic, found: magic) }
        let states = Int(b[Self.countsOffset]), envCount = Int(b[Self.countsOffset + 1])
        for o in [Self.countsOffset + 2, Self.countsOffset + 3] where b[o] != 0 { throw .nonZeroPadding(offset: o) }
        guard envCount <= Environment.capacity else { throw .invalid(.environmentCount) }
        guard (1...StateTable.maxStates).contains(states) else { throw .invalid(.stateCount) }
        let envEnd = Self.environmentOffset + 4 * envCount, tableEnd = Self.tableOffset + 8 * states
        for o in Array(envEnd..<Self.tableOffset) + Array(tableEnd..<Self.size) where b[o] != 0 {
            throw .nonZeroPadding(offset: o)
        }
        let table = try checked { () throws(AutomatonError) in
            try StateTable(words: (0..<2 * states).map { get32(b, Self.tableOffset + 4 * $0) })
        }
        let base = get32(b, Self.windowBaseOffset)
        let window = try checked { () throws(AutomatonError) in try Window(base: base, words: get32(b, Self.windowWordsOffset)) }
        guard window.base == base else { throw .nonZeroPadding(offset: Self.windowBaseOffset) }
        self = try checked { () throws(AutomatonError) in
            try ChallengeMessage(id: get32(b, Self.idOffset),
                                 nonce: UInt64(get32(b, Self.nonceOffset)) | UInt64(get32(b, Self.nonceOffset + 4)) << 32,
                                 window: window, steps: get32(b, Self.stepsOffset), table: table,
                                 environmentTests: (0..<envCount).map { get32(b, Self.environmentOffset + 4 * $0) })
        }
    }
}

/// The hypervisor's answer.
public struct AnswerMessage: Hashable, Sendable {
    public static let magic: UInt32 = 0x3152_5541       // "AUR1"
    public static let size = 0x18
    public var id: UInt32
    public var digest: UInt64
    public var finalState: UInt32
    public var stepsDone: UInt32

    public init(id: UInt32, digest: UInt64, finalState: UInt32, stepsDone: UInt32) {
        self.id = id; self.digest = digest; self.finalState = finalState; self.stepsDone = stepsDone
    }

    public init(id: UInt32, result: AutomatonResult) {
        self.init(id: id, digest: result.digest, finalState: UInt32(result.finalState), stepsDone: result.stepsDone)
    }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.size)
        put32(&out, 0x00, Self.magic)
        put32(&out, 0x04, id)
        put32(&out, 0x08, UInt32(truncatingIfNeeded: digest))
        put32(&out, 0x0C, UInt32(truncatingIfNeeded: digest >> 32))
        put32(&out, 0x10, finalState)
        put32(&out, 0x14, stepsDone)
        return out
    }

    public init(bytes b: [UInt8]) throws(WireError) {
        guard b.count == Self.size else { throw .size(expected: Self.size, found: b.count) }
        let magic = get32(b, 0)
        guard magic == Self.magic else { throw .magic(expected: Self.magic, found: magic) }
        self.init(id: get32(b, 0x04), digest: UInt64(get32(b, 0x08)) | UInt64(get32(b, 0x0C)) << 32,
                  finalState: get32(b, 0x10), stepsDone: get32(b, 0x14))
    }
}

private func checked<T>(_ body: () throws(AutomatonError) -> T) throws(WireError) -> T {
    do { return try body() } catch { throw .invalid(error) }
}

private func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
    for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
}

private func get32(_ b: [UInt8], _ at: Int) -> UInt32 {
    (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) }
}

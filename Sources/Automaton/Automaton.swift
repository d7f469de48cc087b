/// The challenge automaton, version 1 (docs/automaton.md): the inputs, one
/// step, and the reference run over a memory view. The device model, the
/// host hypervisor model and `socsim automaton run` all compute through this
/// file, so they cannot disagree.

/// The version of docs/automaton.md this code implements.
public let automatonVersion = 1

/// The window the automaton reads: `words` 32-bit words from byte address
/// `base`. The addresses are the ones bound into the digest.
public struct Window: Hashable, Sendable {
    public static let maxWords: UInt32 = 1 << 30
    /// Word-aligned: bits 1:0 of the given base are ignored.
    public let base: UInt32
    /// A power of two, 1 to 2^30.
    public let words: UInt32

    public init(base: UInt32, words: UInt32) throws(AutomatonError) {
        guard words != 0, words & (words - 1) == 0, words <= Self.maxWords else { throw .windowLength }
        self.base = base & ~3
        self.words = words
    }

    /// The address of word `index` (taken modulo the length), modulo 2^32.
    @inlinable @inline(__always)
    public func address(ofWord index: UInt32) -> UInt32 { base &+ (index & (words &- 1)) << 2 }

    /// The last byte address of the window (modulo 2^32).
    public var lastByte: UInt32 { base &+ (words << 2) &- 1 }
}

/// The environment table: up to 16 words; E[i] reads 0 for i at or above the count.
public struct Environment: Hashable, Sendable {
    public static let capacity = 16
    public let words: [UInt32]
    /// All 16 entries, zeros past `words`.
    @usableFromInline let table: [UInt32]

    public init(_ words: [UInt32] = []) throws(AutomatonError) {
        guard words.count <= Self.capacity else { throw .environmentCount }
        self.words = words
        table = words + Array(repeating: 0, count: Self.capacity - words.count)
    }

    /// E[i] for i = index[3:0].
    @inlinable @inline(__always)
    public subscript(index: UInt32) -> UInt32 { table[Int(index & 15)] }
}

/// Everything a challenge fixes: the automaton's inputs.
public struct Challenge: Hashable, Sendable {
    public var nonce: UInt64
    public var window: Window
    /// At least 1.
    public let steps: UInt32
    public var table: StateTable
    public var environment: Environment

    public init(nonce: UInt64, window: Window, steps: UInt32, table: StateTable, environment: Environment) throws(AutomatonError) {
        guard steps > 0 else { throw .zeroSteps }
        self.nonce = nonce
        self.window = window
        self.steps = steps
        self.table = table
        self.environment = environment
    }
}

/// What the automaton reads: the window's words by absolute address.
public protocol AutomatonMemory {
    /// The word at the word-aligned `address`: the four bytes at `address`
    /// ..< `address` + 4 as a little-endian value; nil for a bus error.
    func word(at address: UInt32) -> UInt32?
}

/// The automaton between steps: the two accumulators, the current state and
/// the steps done so far.
public struct AutomatonState: Hashable, Sendable {
    /// The multiplier of the per-step finaliser (odd: a bijection modulo 2^32).
    public static let multiplier: UInt32 = 0x9E37_79B1
    public var a: UInt32, b: UInt32
    public var state: UInt8 = 0
    public var stepsDone: UInt32 = 0

    /// The start: a = nonce[31:0], b = nonce[63:32], state 0.
    public init(nonce: UInt64) {
        a = UInt32(truncatingIfNeeded: nonce)
        b = UInt32(truncatingIfNeeded: nonce >> 32)
    }

    /// The 64-bit digest: b in the high half, a in the low half.
    public var digest: UInt64 { UInt64(b) << 32 | UInt64(a) }

    /// The address the next step reads: word a[log2 N - 1 : 0] of the window.
    @inlinable @inline(__always)
    public func address(in window: Window) -> UInt32 { window.address(ofWord: a) }

    /// One step, given the word `w` read at `address` (the one `address(in:)`
    /// gave) and the current state's entry.
    @inlinable @inline(__always)
    public mutating func step(word w: UInt32, at address: UInt32, entry e: StateEntry, environment: Environment) {
        let x = w ^ address
        let u = e.operation.apply(a, x, e.constant, env: environment[e.constant])
        let v = u &* Self.multiplier
        let t = v ^ (v >> 16)
        (a, b) = (b ^ t, a)
        state = (t >> UInt32(e.branchBit)) & 1 == 0 ? e.successor0 : e.successor1
        stepsDone &+= 1
    }
}

/// The result of a run.
public struct AutomatonResult: Hashable, Sendable {
    public var digest: UInt64
    public var finalState: UInt8
    public var stepsDone: UInt32
    /// Set when a read failed; the other fields are then those before the failing step.
    public var busErrorAddress: UInt32?

    public init(digest: UInt64, finalState: UInt8, stepsDone: UInt32, busErrorAddress: UInt32? = nil) {
        self.digest = digest
        self.finalState = finalState
        self.stepsDone = stepsDone
        self.busErrorAddress = busErrorAddress
    }

    @usableFromInline init(_ s: AutomatonState, busErrorAddress: UInt32? = nil) {
        self.init(digest: s.digest, finalState: s.state, stepsDone: s.stepsDone, busErrorAddress: busErrorAddress)
    }
}

extension Challenge {
    /// The reference run: all steps over `memory`, stopping at the first bus error.
    @inlinable
    public func run<M: AutomatonMemory>(on memory: M) -> AutomatonResult {
        var s = AutomatonState(nonce: nonce)
        let window = self.window, env = environment
        return table.entries.withUnsafeBufferPointer { entries in
            for _ in 0..<steps {
                let address = s.address(in: window)
                guard let w = memory.word(at: address) else { return AutomatonResult(s, busErrorAddress: address) }
                s.step(word: w, at: address, entry: entries[Int(s.state)], environment: env)
            }
            return AutomatonResult(s)
        }
    }
}

/// A memory view over bytes at a base address (e.g. an image file placed at
/// the address the challenge names): reads outside them are bus errors.
public struct ByteImage: AutomatonMemory, Sendable {
    public let base: UInt32
    /// The words of the image, little-endian, the last one padded with zeros.
    public let words: [UInt32]
    public let byteCount: Int

    public init(_ bytes: [UInt8], at base: UInt32) {
        self.base = base & ~3
        byteCount = bytes.count
        var w = [UInt32](repeating: 0, count: (bytes.count + 3) / 4)
        for (i, byte) in bytes.enumerated() { w[i >> 2] |= UInt32(byte) << (UInt32(i & 3) * 8) }
        words = w
    }

    public init(words: [UInt32], at base: UInt32) {
        self.base = base & ~3
        self.words = words
        byteCount = words.count * 4
    }

    /// True when every word of `window` lies inside the image.
    public func covers(_ window: Window) -> Bool {
        UInt64(window.base &- base) + UInt64(window.words) * 4 <= UInt64(words.count) * 4
    }

    @inlinable @inline(__always)
    public func word(at address: UInt32) -> UInt32? {
        let i = Int((address &- base) >> 2)
        return i < words.count ? words[i] : nil
    }
}

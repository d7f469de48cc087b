/// The challenge automaton's operations: the one table of mixing operations
/// (docs/automaton.md, "Operations"). Each combines the accumulator `a` with
/// the bound word `x` under the state's constant `k`; every one is a
/// bijection of `a` for fixed `x` and of `x` for fixed `a`, so a different
/// word read always gives a different result. The device model, the RTL
/// (`RTL/soc/socsim_automaton.v`) and the host model compute exactly these.
public enum Operation: UInt8, CaseIterable, Sendable {
    case add = 0, sub, xor, rotl, swap, xsh, rsub, env

    /// The name used in the text table format and the documentation.
    public var mnemonic: String {
        switch self {
        case .add: "ADD"
        case .sub: "SUB"
        case .xor: "XOR"
        case .rotl: "ROTL"
        case .swap: "SWAP"
        case .xsh: "XSH"
        case .rsub: "RSUB"
        case .env: "ENV"
        }
    }

    public init?(mnemonic: String) {
        guard let op = Operation.allCases.first(where: { $0.mnemonic == mnemonic.uppercased() }) else { return nil }
        self = op
    }

    /// The formula, as the documentation prints it.
    public var formula: String {
        switch self {
        case .add: "(a + x) ^ k"
        case .sub: "(x - a) ^ k"
        case .xor: "(a ^ x) + k"
        case .rotl: "rotl(a, k[4:0]) + (x ^ k)"
        case .swap: "(a + rotateLeft(x, 16)) ^ k"
        case .xsh: "(a ^ (a >> 11)) + (x ^ k)"
        case .rsub: "(a - rotateLeft(x, 8)) + k"
        case .env: "(a + (x ^ k)) ^ E[k[3:0]]"
        }
    }

    /// The operation's value `u` (32-bit arithmetic modulo 2^32); `env` is the
    /// environment word E[k[3:0]], used by `ENV` only.
    @inlinable @inline(__always)
    public func apply(_ a: UInt32, _ x: UInt32, _ k: UInt32, env: UInt32) -> UInt32 {
        switch self {
        case .add: return (a &+ x) ^ k
        case .sub: return (x &- a) ^ k
        case .xor: return (a ^ x) &+ k
        case .rotl: return rotateLeft(a, k & 31) &+ (x ^ k)
        case .swap: return (a &+ rotateLeft(x, 16)) ^ k
        case .xsh: return (a ^ (a >> 11)) &+ (x ^ k)
        case .rsub: return (a &- rotateLeft(x, 8)) &+ k
        case .env: return (a &+ (x ^ k)) ^ env
        }
    }
}

/// Rotate left by `n` (0...31) bits.
@inlinable @inline(__always)
public func rotateLeft(_ v: UInt32, _ n: UInt32) -> UInt32 { v << (n & 31) | v >> ((32 &- n) & 31) }

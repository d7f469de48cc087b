/// A fixed-priority arbiter for several Wishbone masters on one shared bus:
/// the one arbitration rule of the SoC (docs/soc.md, "Cycle contract"),
/// used by the cycle model's interconnect, and generated into the RTL's
/// (`SoCDescription.arbiterVerilog`) from the same master list. Master 0 has
/// the highest priority. The grant is kept while its owner holds CYC (no
/// pre-emption inside a cycle or burst); when the bus is free, the
/// highest-priority requester gets it in the same cycle.
public struct FixedPriorityArbiter: Sendable, Equatable {
    /// How many masters (at most 32).
    public let count: Int
    /// The master owning the bus during the last arbitrated cycle.
    public private(set) var owner: Int?

    public init(count: Int) {
        precondition((1...32).contains(count), "1...32 masters")
        self.count = count
    }

    /// The grant for `requests` (bit i = master i asserts CYC) without
    /// arbitrating: what `arbitrate` would return.
    @inline(__always)
    public func grant(requests: UInt32) -> Int? {
        if let o = owner, requests >> UInt32(o) & 1 != 0 { return o }
        return requests == 0 ? nil : requests.trailingZeroBitCount
    }

    /// One cycle of arbitration. Returns the master granted for this cycle.
    @inline(__always)
    public mutating func arbitrate(requests: UInt32) -> Int? {
        owner = grant(requests: requests)
        return owner
    }

    /// The bus is released (a reset): no owner.
    public mutating func release() { owner = nil }
}

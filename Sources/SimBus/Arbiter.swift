/// A fixed-priority arbiter for several Wishbone masters on one shared bus:
/// the one arbitration rule of the SoC (docs/soc.md, "Cycle contract"),
/// used by the cycle model's interconnect, and generated into the RTL's
/// (`SoCDescription.interconnectVerilog`) from the same master list. Master
/// 0 has the highest priority. The grant is kept while its owner holds CYC
/// (no pre-emption inside a cycle or burst), except that a master declared
/// *yielding* gives it up after each of its beats (the cycle after its ACK
/// or ERR is arbitrated again, so a device that holds CYC across many
/// single reads does not lock the others out); when the bus is free, the
/// highest-priority requester gets it in the same cycle. One byte of state,
/// as it is part of a cycle model's per-cycle state.
public struct FixedPriorityArbiter: Sendable, Equatable {
    /// The owner's number, -1 for none.
    public private(set) var ownerIndex: Int8 = -1
    /// Bit i: master i yields the bus after each of its beats.
    public let yielding: UInt32

    /// An arbiter for `count` masters (at most 32); bit i of `yielding`:
    /// master i is re-arbitrated after each of its beats.
    public init(count: Int, yielding: UInt32 = 0) {
        precondition((1...32).contains(count), "1...32 masters")
        precondition(count == 32 || yielding >> UInt32(count) == 0, "yielding masters among the \(count)")
        self.yielding = yielding
    }

    /// The master owning the bus during the last arbitrated cycle.
    public var owner: Int? { ownerIndex < 0 ? nil : Int(ownerIndex) }

    /// The grant for `requests` (bit i = master i asserts CYC), -1 for none,
    /// without arbitrating: what `arbitrate` would grant. `beatEnded`: the
    /// owner's beat ended (ACK or ERR) in the last arbitrated cycle.
    @inline(__always)
    public func grantIndex(requests: UInt32, beatEnded: Bool = false) -> Int8 {
        let o = ownerIndex
        if o >= 0 && requests &>> UInt32(truncatingIfNeeded: o) & 1 != 0
            && !(beatEnded && yielding &>> UInt32(truncatingIfNeeded: o) & 1 != 0) { return o }
        return requests == 0 ? -1 : Int8(truncatingIfNeeded: requests.trailingZeroBitCount)
    }

    /// Make `grantIndex`'s answer the owner (the cycle is arbitrated).
    @inline(__always)
    public mutating func take(_ grant: Int8) { ownerIndex = grant }

    /// One cycle of arbitration. Returns the master granted for this cycle.
    public mutating func arbitrate(requests: UInt32, beatEnded: Bool = false) -> Int? {
        take(grantIndex(requests: requests, beatEnded: beatEnded))
        return owner
    }

    /// The bus is released (a reset): no owner.
    public mutating func release() { ownerIndex = -1 }
}

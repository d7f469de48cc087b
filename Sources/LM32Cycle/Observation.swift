import LM32

// `CycleObservation`, what the cycle model shows in one clock cycle, is
// generated from the observation schema: Observation+Schema.swift.

/// A retired instruction with its architectural effects, in the functional
/// core's vocabulary (`Effect`), so that the two models' traces compare.
/// `cycle` is the true clock cycle of the retirement.
public struct CycleRetirement: Equatable, Sendable {
    public var cycle: UInt64
    public var pc: UInt32
    public var word: UInt32
    public var effects: [Effect]
    public init(cycle: UInt64, pc: UInt32, word: UInt32, effects: [Effect]) {
        self.cycle = cycle; self.pc = pc; self.word = word; self.effects = effects
    }
}

/// One completed Wishbone beat (the cycle of its ACK or ERR).
public struct WishboneBeat: Equatable, Sendable, CustomStringConvertible {
    public enum Port: String, Sendable { case instruction = "I", data = "D" }
    public var cycle: UInt64
    public var port: Port
    public var address: UInt32
    /// The data written (WE) or read.
    public var data: UInt32
    public var sel: UInt8
    public var cti: UInt8
    public var write: Bool
    public var error: Bool

    public init(cycle: UInt64, port: Port, address: UInt32, data: UInt32, sel: UInt8, cti: UInt8, write: Bool, error: Bool) {
        self.cycle = cycle; self.port = port; self.address = address; self.data = data
        self.sel = sel; self.cti = cti; self.write = write; self.error = error
    }

    public var description: String {
        "\(cycle) \(port.rawValue)\(write ? "W" : "R") adr=0x\(hex(address)) dat=0x\(hex(data)) sel=\(sel) cti=\(cti)\(error ? " ERR" : "")"
    }
}

/// The per-event view of the observation stream.
public enum CycleEvent: Equatable, Sendable {
    /// An instruction completes in W (valid_w & ~kill_w), including the
    /// excepting instruction that writes ea/ba.
    case retire(cycle: UInt64, pc: UInt32, word: UInt32)
    /// Register-file write at the edge ending `cycle`.
    case registerWrite(cycle: UInt64, index: Int, value: UInt32)
    case beat(WishboneBeat)
    /// An exception is taken by the instruction in W.
    case exception(cycle: UInt64, eid: Int, debug: Bool, pc: UInt32)
}

extension CycleObservation {
    /// The events of this cycle, in a fixed order: retirement, register
    /// write, instruction beat, data beat, exception.
    public var events: [CycleEvent] {
        var e: [CycleEvent] = []
        if retire { e.append(.retire(cycle: cycle, pc: pcW, word: insnW)) }
        if rfWe { e.append(.registerWrite(cycle: cycle, index: Int(rfIdx), value: rfData)) }
        for (port, b) in [(WishboneBeat.Port.instruction, ibus), (.data, dbus)] where b.ack || b.err {
            e.append(.beat(WishboneBeat(cycle: cycle, port: port, address: b.adr, data: b.we ? b.datW : b.datR,
                                        sel: b.sel, cti: b.cti, write: b.we, error: b.err)))
        }
        if excW != 0 { e.append(.exception(cycle: cycle, eid: Int(eidW), debug: excW & 2 != 0, pc: pcW)) }
        return e
    }
}

@inline(__always) func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}

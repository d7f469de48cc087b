import LM32

/// What the cycle model shows in one clock cycle. The fields and their
/// meaning follow the RTL bridge's observation record (`socsim_rtl_obs_t` in
/// RTL/bridge/bridge.h) so that a conformance checker can compare the two
/// field by field: "cycle k" is the clock period after the k-th rising edge
/// since reset was released, and every field holds the value the rising edge
/// ending cycle k acts on (e.g. `ack` = the beat completes at that edge,
/// `retire` = the instruction in W writes the register file there).
public struct CycleObservation: Equatable, Sendable {
    /// One Wishbone master port in one cycle.
    public struct Wishbone: Equatable, Sendable {
        public var adr: UInt32 = 0
        /// DAT_O (master to slave).
        public var datW: UInt32 = 0
        /// DAT_I (slave to master): the RAM word at adr[15:2].
        public var datR: UInt32 = 0
        public var sel: UInt8 = 0
        public var cti: UInt8 = 0
        public var cyc = false
        public var we = false
        public var ack = false
        public var err = false
        public init() {}
    }

    public var cycle: UInt64 = 0
    public var pcF: UInt32 = 0, pcD: UInt32 = 0, pcX: UInt32 = 0, pcM: UInt32 = 0, pcW: UInt32 = 0
    /// The instruction word in W (follows pc_w).
    public var insnW: UInt32 = 0
    public var rfWe = false
    public var rfIdx: UInt8 = 0
    public var rfData: UInt32 = 0
    public var ip: UInt32 = 0
    public var im: UInt32 = 0
    public var cc: UInt32 = 0
    public var interrupt: UInt32 = 0
    public var ibus = Wishbone()
    public var dbus = Wishbone()
    /// valid_f..valid_w in bits 0..4.
    public var valid: UInt8 = 0
    /// stall_a..stall_m in bits 0..4.
    public var stall: UInt8 = 0
    /// kill_f..kill_w in bits 0..4.
    public var kill: UInt8 = 0
    /// valid_w & ~kill_w.
    public var retire = false
    /// Exception taken by the instruction in W: bit 0 non-debug, bit 1 debug.
    public var excW: UInt8 = 0
    /// Its exception ID (the shadow pipeline's eid_w, 3 bits).
    public var eidW: UInt8 = 0
    public var ie = false, eie = false, bie = false
    /// Test-device events (bit 0 end, 1 result, 2 name, 3 character).
    public var tdev: UInt8 = 0
    public var tdevData: UInt32 = 0
    /// The SoC reset is high in this cycle (the cycle after a system-reset
    /// write, docs/soc.md cycle contract; never on the test bench).
    public var reset = false
    /// The milkymist SoC's pins (socsim_soc_top's ports; 0 on the test
    /// bench, as the bridge reports them there): the GPIO inputs and
    /// outputs, an RXTX write presented to the UART in this cycle (the byte's
    /// stamp) with `uartTxData` the granted master's DAT_O[7:0] (as the RTL's
    /// uart_tx_data, in every cycle), and STAT.THRE.
    public var gpioIn: UInt8 = 0
    public var gpioOut: UInt8 = 0
    public var uartTxWr = false
    public var uartTxData: UInt8 = 0
    public var uartThre = false

    public init() {}
}

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

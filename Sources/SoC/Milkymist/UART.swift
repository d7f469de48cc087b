import SimBus

/// The Milkymist UART (cores/uart, reference §6.4) on CSR bank 0. Only
/// csr_a[2:0] is decoded, so the registers alias every 0x20 bytes of the bank.
///
/// Transmit timing follows uart_transceiver.v: a free-running counter gives an
/// `enable16` strobe every DIVISOR cycles (it reloads DIVISOR−1 when it
/// reaches 0, and starts at DIVISOR−1 at reset). A write to RXTX starts the
/// start bit at once; the transmitter counts 160 strobes after the write
/// cycle (15 for the start bit, 16 per data bit and for the stop bit, then
/// one bit time to the done state), drops busy at that strobe's edge, and
/// THRE and TX_EVT read 1 two cycles after that strobe (tx_done, then the
/// event register). There is no FIFO: writing while busy restarts the
/// transmitter with the new byte (the old one is cut off and counted).
///
/// Receive: `drive(rx:at:)` puts an 8N1 frame on the rx pin, and the
/// transceiver's receiver runs on the same strobes: a 2-flip-flop
/// synchroniser, start-bit detection on a strobe, samples every 16 strobes
/// from the 10th; a good stop bit makes RXTX read the byte one cycle after
/// that strobe and RX_EVT one cycle later. `receive(_:)` delivers a byte at
/// once instead. THRU (loopback) and the break detector are declared but not
/// modelled.
public struct UART: CSRDevice, Sendable {
    /// 80 MHz / 115200 baud / 16, as Milkymist computes the reset value.
    public static let resetDivisor: UInt32 = 43
    /// `enable16` strobes from the write of RXTX to the end of the stop bit.
    public static let strobesPerByte: UInt64 = 160

    public static let registerMap: RegisterMap = try! RegisterMap("uart", size: 0x20) {
        Register("RXTX", at: 0x00, "read: last byte received; write: transmit a byte (clears THRE)") {
            Field("DATA", bits: 0...7, .readOnlyWriteAction, "received byte / byte to send")
        }
        Register("DIVISOR", at: 0x04, "one bit = 16 x DIVISOR cycles") {
            Field("DIVISOR", bits: 0...15, .readWrite, reset: UInt64(resetDivisor), "clk / baud / 16")
        }
        Register("STAT", at: 0x08, "status and events") {
            Field("THRE", bit: 0, .readOnly, reset: 1, "transmitter idle")
            Field("RX_EVT", bit: 1, .writeOneToClear, "a byte was received")
            Field("TX_EVT", bit: 2, .writeOneToClear, "a byte was sent")
        }
        Register("CTRL", at: 0x0C, "interrupt enables") {
            Field("RX_IRQ_EN", bit: 0, .readWrite, "IRQ on RX_EVT")
            Field("TX_IRQ_EN", bit: 1, .readWrite, "IRQ on TX_EVT")
            Field("THRU", bit: 2, .readWrite, "loop the rx pin to the tx pin", tagged: true)
        }
        Register("DEBUG", at: 0x10, "break detector") {
            Field("BREAK_EN", bit: 0, .readWrite, reset: 1, "a received break raises the CPU's ext_break", tagged: true)
        }
    }

    /// Register indices, from the declaration (so the model decodes what the map says).
    public static let rxtx = index("RXTX"), divisor = index("DIVISOR"), stat = index("STAT"),
                      ctrl = index("CTRL"), debug = index("DEBUG")

    /// A byte the transmitter started, with the cycle of the RXTX write.
    public struct Sent: Equatable, Sendable {
        public var cycle: UInt64
        public var byte: UInt8
        public init(cycle: UInt64, byte: UInt8) { self.cycle = cycle; self.byte = byte }
    }

    public private(set) var cycle: UInt64 = 0
    public private(set) var registers = RegisterFile(UART.registerMap)
    /// Every byte written to RXTX, in order.
    public private(set) var sent: [Sent] = []
    /// Bytes cut off by a write to RXTX while the transmitter was busy.
    public private(set) var overruns = 0
    /// The interrupt line this device drives (a bit number of IP).
    public let line: Int

    // Hot state (mirrored into `registers` for bus reads).
    private var divisorValue = UART.resetDivisor
    private var thre = true, rxEvent = false, txEvent = false
    private var rxIRQEnable = false, txIRQEnable = false
    /// The enable16 counter during `cycle` (the strobe is high when it is 0).
    private var enable16Counter = UART.resetDivisor - 1
    private var txBusy = false
    private var txStrobes: UInt64 = 0
    /// The cycle from which THRE and TX_EVT read 1, once the byte is done.
    private var txEventAt: UInt64?
    private var rxData: UInt8 = 0
    // Receiver: frames on the pin, the transceiver's state, bytes on their way to RXTX/RX_EVT.
    private var rxFrames: [(start: UInt64, byte: UInt8, bit: UInt64)] = []
    private var rxBusy = false, rxCount16: UInt8 = 0, rxBitcount: UInt8 = 0, rxReg: UInt8 = 0
    private var rxArriving: [(dataAt: UInt64, byte: UInt8)] = []

    /// A UART coming out of reset at the start of `cycle`.
    public init(line: Int = 0, cycle: UInt64 = 0) {
        self.line = line
        self.cycle = cycle
    }

    public var transmitterIdle: Bool { thre }
    public var interruptLines: UInt32 {
        (txEvent && txIRQEnable) || (rxEvent && rxIRQEnable) ? 1 << UInt32(line) : 0
    }

    /// The cycle from which THRE will read 1 again (nil when idle or done).
    public var transmitDoneCycle: UInt64? { txEventAt }

    /// The first cycle after `cycle` in which `interruptLines` may differ
    /// without a bus write (an earlier one when unsure), nil when never as
    /// things stand. Lets a cycle-exact bus advance the UART lazily.
    public var nextInterruptChange: UInt64? {
        if rxBusy || !rxFrames.isEmpty || !rxArriving.isEmpty { return cycle + 1 }
        if let at = txEventAt { return max(at, cycle + 1) }
        guard txBusy else { return nil }
        // TX_EVT reads 1 two cycles after the 160th strobe since the write.
        let needed = Self.strobesPerByte - txStrobes
        return cycle + UInt64(enable16Counter) + (needed - 1) * period + 2
    }

    /// The enable16 period in cycles after the next reload (DIVISOR−1 is
    /// 16 bits wide, so DIVISOR 0 gives 65536).
    private var period: UInt64 { UInt64((divisorValue &- 1) & 0xFFFF) + 1 }

    public mutating func advance(to target: UInt64) {
        guard target > cycle else { return }
        let n = target - cycle
        let first = UInt64(enable16Counter)           // edges until the first strobe cycle
        if first < n && (rxBusy || !rxFrames.isEmpty) {
            var t = cycle + first
            while t < target {
                receiverStrobe(at: t)
                t += period
            }
        }
        if first < n {
            let p = period
            let strobes = 1 + (n - 1 - first) / p
            if txBusy {
                let needed = Self.strobesPerByte - txStrobes
                if strobes >= needed {
                    let doneStrobe = cycle + first + (needed - 1) * p
                    txBusy = false
                    txStrobes = 0
                    txEventAt = doneStrobe + 2
                } else {
                    txStrobes += strobes
                }
            }
            let last = cycle + first + (strobes - 1) * p
            enable16Counter = UInt32(p - 1 - (target - last - 1))
        } else {
            enable16Counter -= UInt32(n)
        }
        cycle = target
        if let at = txEventAt, at <= cycle {
            thre = true
            txEvent = true
            txEventAt = nil
        }
        while let a = rxArriving.first, a.dataAt <= cycle {
            rxData = a.byte
            guard a.dataAt + 1 <= cycle else { break }
            rxEvent = true
            rxArriving.removeFirst()
        }
    }

    /// Put an 8N1 frame on the rx pin: the start bit begins in cycle `start`,
    /// each bit lasts `bitCycles` (default: 16 × DIVISOR, a sender at our baud
    /// rate). Frames must not overlap.
    public mutating func drive(rx byte: UInt8, at start: UInt64, bitCycles: UInt64? = nil) {
        let bit = bitCycles ?? 16 * period
        if let last = rxFrames.last { precondition(start >= last.start + 10 * last.bit, "rx frames overlap") }
        rxFrames.append((start, byte, bit))
    }

    /// The rx pin during cycle `c` (idle high).
    private func rxPin(_ c: UInt64) -> UInt8 {
        for f in rxFrames where c >= f.start && c < f.start + 10 * f.bit {
            let k = (c - f.start) / f.bit
            return k == 0 ? 0 : k == 9 ? 1 : (f.byte >> UInt8(k - 1)) & 1
        }
        return 1
    }

    /// uart_transceiver.v's receiver at a strobe in cycle `t` (it sees the pin
    /// through two flip-flops, i.e. as it was in `t − 2`).
    private mutating func receiverStrobe(at t: UInt64) {
        let rx2 = t >= 2 ? rxPin(t - 2) : 1
        if !rxBusy {
            if rx2 == 0 { rxBusy = true; rxCount16 = 7; rxBitcount = 0 }
        } else {
            let c16 = rxCount16
            rxCount16 = (rxCount16 + 1) & 15
            if c16 == 0 {
                let bc = rxBitcount
                rxBitcount = (rxBitcount + 1) & 15
                if bc == 0 {
                    if rx2 == 1 { rxBusy = false }               // not a start bit after all
                } else if bc == 9 {
                    rxBusy = false
                    if rx2 == 1 { rxArriving.append((t + 1, rxReg)) }   // stop bit ok; errors are dropped
                } else {
                    rxReg = rx2 << 7 | rxReg >> 1
                }
            }
        }
        // Frames whose stop bit the synchroniser has passed are done.
        while let f = rxFrames.first, t >= f.start + 10 * f.bit + 2, !rxBusy { rxFrames.removeFirst() }
    }

    public func read(index: Int) -> UInt32 {
        switch Self.alias(index) {
        case Self.rxtx: return UInt32(rxData)
        case Self.divisor: return divisorValue
        case Self.stat: return (thre ? 1 : 0) | (rxEvent ? 2 : 0) | (txEvent ? 4 : 0)
        case Self.ctrl, Self.debug: return UInt32(registers.read(at: Self.alias(index) * 4, count: 4))
        default: return 0
        }
    }

    public mutating func write(index: Int, value: UInt32) {
        let i = Self.alias(index)
        let wasBusy = txBusy
        advance(to: cycle + 1)
        syncToFile()
        registers.write(at: i * 4, count: 4, value: UInt64(value))
        syncFromFile()
        switch i {
        case Self.rxtx:
            // tx_wr has priority over the strobe of the same cycle.
            // A byte finishing at this very edge is cut off too.
            if wasBusy { overruns += 1 }
            txBusy = true
            txStrobes = 0
            txEventAt = nil
            thre = false
            sent.append(Sent(cycle: cycle - 1, byte: UInt8(truncatingIfNeeded: value)))
        default: break
        }
    }

    /// A byte arrives on the rx pin (untimed): RXTX reads it, RX_EVT is set.
    public mutating func receive(_ byte: UInt8) {
        rxData = byte
        rxEvent = true
    }

    /// Tagged fields software has written, each once.
    public var unmodelledWrites: [String] { registers.unmodelledWrites }

    private mutating func syncToFile() {
        registers.set("DIVISOR", "DIVISOR", to: UInt64(divisorValue))
        registers.set("STAT", "THRE", to: thre ? 1 : 0)
        registers.set("STAT", "RX_EVT", to: rxEvent ? 1 : 0)
        registers.set("STAT", "TX_EVT", to: txEvent ? 1 : 0)
        registers.set("RXTX", "DATA", to: UInt64(rxData))
    }

    private mutating func syncFromFile() {
        divisorValue = UInt32(registers.value(of: "DIVISOR", "DIVISOR"))
        rxEvent = registers.value(of: "STAT", "RX_EVT") != 0
        txEvent = registers.value(of: "STAT", "TX_EVT") != 0
        rxIRQEnable = registers.value(of: "CTRL", "RX_IRQ_EN") != 0
        txIRQEnable = registers.value(of: "CTRL", "TX_IRQ_EN") != 0
    }
}

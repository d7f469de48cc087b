import SimBus
import SimKernel

/// The asynchronous FIFO of one direction of the endpoint's clock-domain crossing
/// (RTL/soc/socsim_pcie_cdc_fifo.v), register for register: 16 entries, binary
/// pointers in their own domain published as Gray-coded registers, each carried into
/// the other domain by two flip-flops. `full` and `empty` compare against the
/// synchronised pointer, so a word written at a write edge is visible from the second
/// read edge after it (docs/pcie-endpoint.md, "Crossing latency").
public struct CrossingFIFO: Hashable, Sendable {
    static let addressBits = 4
    static let pointerMask: UInt8 = (1 << (addressBits + 1)) - 1
    /// Gray bits compared inverted for `full`: the pointer's top two.
    static let fullInvert: UInt8 = 0b11 << (addressBits - 1)

    private var memory = [UInt64](repeating: 0, count: 1 << addressBits)
    private var wBin: UInt8 = 0, wGray: UInt8 = 0, wSync1: UInt8 = 0, wSync2: UInt8 = 0
    private var rBin: UInt8 = 0, rGray: UInt8 = 0, rSync1: UInt8 = 0, rSync2: UInt8 = 0

    public init() {}

    static func gray(_ b: UInt8) -> UInt8 { b ^ (b >> 1) }

    /// The writer cannot write: the reader's synchronised pointer is one lap behind.
    public var full: Bool { wGray == wSync2 ^ Self.fullInvert }
    /// Nothing the reader can see.
    public var empty: Bool { rGray == rSync2 }
    /// Every word written has been read (both pointers, whichever domain sees them).
    public var drained: Bool { wBin == rBin }
    /// Each side's synchroniser holds the other side's current pointer: edges without a
    /// read or a write change nothing.
    public var settled: Bool { wSync1 == rGray && wSync2 == wSync1 && rSync1 == wGray && rSync2 == rSync1 }
    /// The word at the read pointer.
    public var readData: UInt64 { memory[Int(rBin) & ((1 << Self.addressBits) - 1)] }

    /// A rising edge of the write clock with `enable` and `data` as sampled there.
    public mutating func writeEdge(reset: Bool, enable: Bool, data: UInt64) {
        let write = enable && !full
        if write { memory[Int(wBin) & ((1 << Self.addressBits) - 1)] = data }
        if reset {
            wBin = 0; wGray = 0; wSync1 = 0; wSync2 = 0
            return
        }
        if write {
            wBin = (wBin &+ 1) & Self.pointerMask
            wGray = Self.gray(wBin)
        }
        wSync2 = wSync1
        wSync1 = rGray
    }

    /// A rising edge of the read clock with `enable` as sampled there.
    public mutating func readEdge(reset: Bool, enable: Bool) {
        let read = enable && !empty
        if reset {
            rBin = 0; rGray = 0; rSync1 = 0; rSync2 = 0
            return
        }
        if read {
            rBin = (rBin &+ 1) & Self.pointerMask
            rGray = Self.gray(rBin)
        }
        rSync2 = rSync1
        rSync1 = wGray
    }
}

/// The endpoint cycle for cycle as the RTL (RTL/soc/socsim_pcie_endpoint.v) has it: the
/// two crossings, the receiver that collects one TLP and decides it in the cycle after its
/// last dword, the transmitter, the MSI queue and the DMA engine (device memory to host) on
/// the system clock; the user clock only moves the crossings. What a TLP is answered with,
/// the counters, the configuration space and the registers are the transaction-level
/// `Endpoint`'s decisions, taken in the deciding cycle; this type adds when.
///
/// Stepped one rising edge at a time on `ClockEdges` order with the input vector of
/// `EndpointPorts.inputs`; `outputs` is the vector of `EndpointPorts.outputs` after it.
public struct EndpointCycle {
    /// Device memory regions the DMA engine may reach (bus addresses, bit 31 ignored):
    /// the SoC's BRAM and SDRAM, the RTL's MEM0_* / MEM1_* parameters.
    public static let defaultRegions: [Range<UInt64>] = [0 ..< 0x1_0000, 0x4000_0000 ..< 0x4100_0000]

    enum Receive { case collect, decide, wait }
    enum DMAState { case idle, check, piece, fetch, send, read, finish }

    /// One dword the transmitter writes into the crossing: fixed, or the BAR0 register it
    /// carries, read when it enters the crossing.
    enum TxWord: Hashable {
        case fixed(UInt32)
        case bar0(dword: Int)
    }
    /// An answer ends the receiver's wait; a DMA write ends its piece; the endpoint's own
    /// MSI and MRd end nothing.
    enum JobKind { case answer, dma, own }
    struct Job {
        var kind: JobKind
        var words: [(word: TxWord, sop: Bool, eop: Bool)]
        var next = 0
    }

    public let configuration: EndpointConfiguration
    public let regions: [Range<UInt64>]
    /// The decisions: configuration space, registers, counters.
    public private(set) var endpoint: Endpoint

    var rx = CrossingFIFO()
    var tx = CrossingFIFO()
    public private(set) var cycle: UInt64 = 0

    var receive = Receive.collect
    var inPacket = false
    var packet: [UInt32] = []
    var job: Job?
    var jobDone = false

    var msiPending = 0
    var msiPacket: [UInt32] = []

    var dma = DMAState.idle
    var dmaTxDone = false
    var dLocal: UInt32 = 0, dLength: UInt32 = 0
    var dHost: UInt64 = 0, dAt: UInt64 = 0, dEnd: UInt64 = 0
    var dError = DMAError.none
    var dDone: UInt32 = 0
    var pStart: UInt64 = 0, pEnd: UInt64 = 0
    var pEntry = 0, pLast = 0
    var pWord0: UInt32 = 0
    var mCyc = false
    /// The payload buffer: local words of the current piece, big-endian lanes.
    var pbuf = [UInt32](repeating: 0, count: 1025)

    // DMA from the host: the transfer's direction and requester ID, 32 tags, the bytes
    // outstanding, the completion data per tag (1 024 wire-order dwords each), and the
    // write-back of a request made whole.
    struct ReadTag {
        var start: UInt32 = 0       // the request's first host byte, bits 31:0
        var count = 0               // its bytes
        var remaining = 0           // bytes still due (the next Byte Count)
        var offset = 0              // next byte, from the request's dword address
        var deadline: UInt64 = 0    // cycle from which it has timed out
    }
    enum CompletionOutcome { case poisoned, mismatch, failed(abort: Bool), accepted(take: Int, whole: Bool) }
    static let slotDwords = 1024
    var dFrom = false
    var dRequester: UInt16 = 0
    var tags = [ReadTag](repeating: ReadTag(), count: 32)
    var pendingTags: UInt32 = 0
    var outstanding = 0
    var armed = false
    var slots = [UInt32](repeating: 0, count: 32 * EndpointCycle.slotDwords)
    var wbActive = false, wbDone = false
    var wbTag = 0, wbCount = 0
    var wbLocalStart: UInt32 = 0, wbWord: UInt32 = 0, wbLastWord: UInt32 = 0, wbLead: UInt32 = 0

    public private(set) var outputs: [UInt64]

    static let registerOffset: [String: Int] = Dictionary(
        uniqueKeysWithValues: EndpointRegisters.csrMap.registers.map { ($0.name, $0.offset) })
    static func dword(_ name: String) -> Int { registerOffset[name]! / 4 }
    static func fieldMask(_ register: String, _ field: String) -> UInt32 {
        var f = RegisterFile(EndpointRegisters.csrMap)
        f.set(register, field, to: 1)
        return UInt32(truncatingIfNeeded: f.value(of: register))
    }
    static let statusDword = dword("STATUS"), dmaStatusDword = dword("DMA_STATUS")
    static let statusBusy = fieldMask("STATUS", "DMA_BUSY"), dmaStatusBusy = fieldMask("DMA_STATUS", "BUSY")
    static let dmaControlDword = dword("DMA_CONTROL"), msiControlDword = dword("MSI_CONTROL")
    static let dmaStart = fieldMask("DMA_CONTROL", "START"), dmaFromHost = fieldMask("DMA_CONTROL", "FROM_HOST")
    static let msiSend = fieldMask("MSI_CONTROL", "SEND")
    static let decodedDwords = EndpointRegisters.csrSize / 4
    static let bar0Dwords = EndpointRegisters.csrOnlyOffset / 4
    static let maxMSIPending = 15

    public init(_ configuration: EndpointConfiguration = EndpointConfiguration(),
                regions: [Range<UInt64>] = EndpointCycle.defaultRegions) {
        self.configuration = configuration
        self.regions = regions
        endpoint = Endpoint(configuration, memory: ByteMemory(count: 0))
        outputs = Array(repeating: 0, count: EndpointPorts.outputs.count)
        outputs = computeOutputs(Array(repeating: 0, count: EndpointPorts.inputs.count))
    }

    /// Nothing in either crossing, no TLP being received or answered, no DMA transfer
    /// and no MSI waiting.
    public var idle: Bool {
        rx.drained && tx.drained && receive == .collect && !inPacket && job == nil && dma == .idle && msiPending == 0
    }

    /// A DMA transfer is in progress (DMA_STATUS.BUSY).
    public var dmaBusy: Bool { dma != .idle }

    /// `idle`, no one-cycle pulse pending, and both crossings' synchronisers settled:
    /// an edge of either clock with idle inputs (no CSR write, no Wishbone answer,
    /// `rx_valid` low) changes nothing but the cycle counter. `skipQuiescent` relies on it.
    public var quiescent: Bool {
        idle && !jobDone && !dmaTxDone && !wbDone && !wbActive && !mCyc && rx.settled && tx.settled
    }

    /// Advances a `quiescent` endpoint to system cycle `target` (its counter) as if every
    /// edge of both clocks up to there had been made with idle inputs.
    public mutating func skipQuiescent(toCycle target: UInt64) {
        precondition(quiescent && target >= cycle, "only a quiescent endpoint skips, and only forward")
        cycle = target
        outputs[EndpointPorts.output.cycle] = target
    }

    /// CSR dword `dword` of bank 3 as `dat_r` shows it for that address (the word
    /// address is decoded modulo the decoded block, as the RTL's `adr[6:0]`).
    public func csrRead(dword: Int) -> UInt32 { register(dword % Self.decodedDwords) }

    // MARK: the write-back of a whole DMA read

    /// The write-back word's position from the request's first local byte (15 bits, two's
    /// complement: -3 ... count + 3).
    var writeBackRelative: UInt32 { ((wbWord & 0x7FFF) &- wbLocalStart) & 0x7FFF }

    /// SEL of the write-back beat: lane j (the byte at the word address + j, SEL bit 3 - j)
    /// when that byte is one of the request's.
    var writeBackSelect: UInt32 {
        var sel: UInt32 = 0
        for j in 0..<4 {
            let t = (writeBackRelative &+ UInt32(j)) & 0x7FFF
            if t & 0x4000 == 0 && Int(t & 0x3FFF) < wbCount { sel |= 1 << (3 - j) }
        }
        return sel
    }

    /// The write-back beat's data: the four completion bytes at the word's lanes.
    var writeBackData: UInt32 {
        let rr = (wbLead &+ (writeBackRelative & 0xFFF) &+ 4) & 0xFFF
        let i = Int(rr >> 2)
        let base = wbTag * Self.slotDwords
        let pair = UInt64(slots[base + ((i - 1) & 0x3FF)]) << 32 | UInt64(slots[base + i])
        return UInt32(truncatingIfNeeded: (pair << (8 * UInt64(rr & 3))) >> 32)
    }

    // MARK: registers as the RTL reads them

    /// CSR dword `dw` (0 ..< 128) as read: stored, with the DMA engine's busy views.
    func register(_ dw: Int) -> UInt32 {
        var v = UInt32(truncatingIfNeeded: endpoint.csr.read(at: 4 * dw, count: 4))
        if dma != .idle {
            if dw == Self.statusDword { v |= Self.statusBusy }
            if dw == Self.dmaStatusDword { v |= Self.dmaStatusBusy }
        }
        return v
    }

    func txWord(_ w: TxWord) -> UInt32 {
        switch w {
        case .fixed(let v): return v
        case .bar0(let dw): return dw < Self.bar0Dwords ? register(dw).byteSwapped : 0
        }
    }

    /// The device cycle counter as an instant of the transaction-level endpoint: the one
    /// whose `cycle(at:)` plus `doorbellSyncCycles` is `c`, so that a doorbell decided in
    /// cycle `c` latches `c` as the RTL does.
    func doorbellInstant(_ c: UInt64) -> Instant {
        let back = min(c, configuration.doorbellSyncCycles)
        return Instant(picoseconds: (c - back) * configuration.systemClock.period.picoseconds)
    }

    // MARK: edges

    /// One rising edge of `domain` (`EndpointPorts.systemDomain` or `.userDomain`) with
    /// the inputs sampled there; updates `outputs`.
    public mutating func edge(domain: Int, inputs: [UInt64]) {
        precondition(inputs.count == EndpointPorts.inputs.count, "one value per input")
        if domain == EndpointPorts.userDomain {
            let reset = inputs[EndpointPorts.input.userReset] != 0
            let word = inputs[EndpointPorts.input.rxSop] << 33 | inputs[EndpointPorts.input.rxEop] << 32 | inputs[EndpointPorts.input.rxData]
            rx.writeEdge(reset: reset, enable: inputs[EndpointPorts.input.rxValid] != 0, data: word)
            tx.readEdge(reset: reset, enable: inputs[EndpointPorts.input.txReady] != 0)
        } else {
            systemEdge(inputs)
        }
        outputs = computeOutputs(inputs)
    }

    func computeOutputs(_ inputs: [UInt64]) -> [UInt64] {
        var out = outputs
        out[EndpointPorts.output.rxReady] = rx.full ? 0 : 1
        let t = tx.readData
        out[EndpointPorts.output.txData] = t & 0xFFFF_FFFF
        out[EndpointPorts.output.txSop] = t >> 33 & 1
        out[EndpointPorts.output.txEop] = t >> 32 & 1
        out[EndpointPorts.output.txValid] = tx.empty ? 0 : 1
        out[EndpointPorts.output.datR] = UInt64(register(Int(inputs[EndpointPorts.input.adr]) % Self.decodedDwords))
        out[EndpointPorts.output.irq] = endpoint.irq ? 1 : 0
        out[EndpointPorts.output.cycle] = cycle
        out[EndpointPorts.output.mCyc] = mCyc ? 1 : 0
        out[EndpointPorts.output.mStb] = mCyc ? 1 : 0
        out[EndpointPorts.output.mAdr] = UInt64(wbActive ? wbWord : pWord0 &+ UInt32(truncatingIfNeeded: 4 * pEntry))
        out[EndpointPorts.output.mWe] = wbActive ? 1 : 0
        out[EndpointPorts.output.mSel] = wbActive ? UInt64(writeBackSelect) : 0xF
        out[EndpointPorts.output.mCti] = 0
        out[EndpointPorts.output.mDatW] = wbActive ? UInt64(writeBackData) : 0
        return out
    }

    mutating func resetState() {
        let keep = (rx, tx, pbuf, slots)
        self = EndpointCycle(configuration, regions: regions)
        (rx, tx, pbuf, slots) = keep
    }

    /// A rising edge of the system clock: every register of the system domain takes the
    /// value the RTL computes from the state before the edge and the sampled inputs.
    mutating func systemEdge(_ inputs: [UInt64]) {
        let reset = inputs[EndpointPorts.input.reset] != 0
        let we = inputs[EndpointPorts.input.we] != 0
        let adr = Int(inputs[EndpointPorts.input.adr]) % Self.decodedDwords
        let datW = UInt32(truncatingIfNeeded: inputs[EndpointPorts.input.datW])

        // ---- what the state before the edge drives
        let take = receive == .collect && !rx.empty
        let beat = rx.readData
        let sop = beat >> 33 & 1 == 1, eop = beat >> 32 & 1 == 1
        let starts = take && sop, cont = take && !sop && inPacket
        let decide = receive == .decide && job == nil
        let transmitterFree = job == nil && receive != .decide
        let dmaTxReady = dma == .send && !dmaTxDone
        let dmaTxStart = transmitterFree && dmaTxReady
        let read = readRequest()
        let readTaken = transmitterFree && !dmaTxReady && read.request
        let msiStart = transmitterFree && !dmaTxReady && !read.request && msiPending != 0
        var put: (word: UInt32, sop: Bool, eop: Bool)?
        var finished: JobKind?
        if var j = job, !tx.full {
            let w = j.words[j.next]
            put = (txWord(w.word), w.sop, w.eop)
            j.next += 1
            if j.next == j.words.count {
                finished = j.kind
                job = nil
            } else {
                job = j
            }
        }
        let msiRequest = we && adr == Self.msiControlDword && datW & Self.msiSend != 0
        let dmaStart = we && adr == Self.dmaControlDword && datW & Self.dmaStart != 0 && dma == .idle
        // the configuration space and routing ID before the edge (a configuration write
        // decided in this cycle takes effect at its end)
        let busMaster = endpoint.config.busMasterEnabled
        let nextPieceEnd = pieceEnd
        let requester = endpoint.id.rawValue
        let cycleNow = cycle
        let expiredTag = dma == .read && !decide ? lowestTag(expiredTags(at: cycleNow)) : nil
        // completion data into its tag's slot as it arrives
        if cont && packet.count >= 3 {
            let d0 = packet[0], d2 = packet[2]
            let tag = Int(d2 >> 8 & 0x1F)
            if d0 >> 24 == 0b010_01010 && dma == .read && pendingTags >> UInt32(tag) & 1 == 1 && d2 >> 13 & 7 == 0 {
                let index = tags[tag].offset / 4 + min(packet.count, 2047) - 3
                if index < Self.slotDwords { slots[tag * Self.slotDwords + index] = UInt32(truncatingIfNeeded: beat) }
            }
        }

        // ---- the crossings
        tx.writeEdge(reset: reset, enable: put != nil,
                     data: put.map { UInt64($0.sop ? 1 : 0) << 33 | UInt64($0.eop ? 1 : 0) << 32 | UInt64($0.word) } ?? 0)
        rx.readEdge(reset: reset, enable: take)
        if reset {
            resetState()
            return
        }
        cycle = cycleNow &+ 1
        let jobDoneBefore = jobDone, dmaTxDoneBefore = dmaTxDone, wbDoneBefore = wbDone
        jobDone = finished == .answer
        dmaTxDone = finished == .dma
        wbDone = false

        // ---- the transmitter takes a new job: the decided TLP's answer, a DMA write, an
        // MRd, an MSI
        var decidedPacket: [UInt32]?
        if decide {
            decidedPacket = packet
        } else if dmaTxStart {
            job = dmaWriteJob()
        } else if readTaken {
            job = Job(kind: .own, words: framed(readRequestPacket(read).map { .fixed($0) }))
        } else if msiStart {
            job = Job(kind: .own, words: framed(msiPacket.map { .fixed($0) }))
            msiPending -= 1
        }

        // ---- registers: the host's write (the decided TLP), the firmware's, the hardware's.
        // The firmware's write to a register the host cannot write goes first, so that a
        // cause the decided TLP raises survives its clearing in the same cycle and the MSI
        // check sees the configuration space of before the edge.
        let firmwareFirst = we && !EndpointRegisters.sharedNames.contains(registerName(adr) ?? "")
        if firmwareFirst { firmwareWrite(adr, datW, msiRequest: msiRequest) }
        var outcome: (tag: Int, CompletionOutcome)?
        if let p = decidedPacket {
            if let c = decideCompletion(p) {
                outcome = c
                if case .accepted(_, true) = c.1 {} else { jobDone = true }
            } else if !decideTLP(p, cycle: cycleNow) {
                jobDone = true
            }
        }
        if we && !firmwareFirst { firmwareWrite(adr, datW, msiRequest: msiRequest) }
        if msiStart {
            endpoint.csr.set("MSI_CYCLE_LO", "CYCLE", to: cycleNow & 0xFFFF_FFFF)
            endpoint.csr.set("MSI_CYCLE_HI", "CYCLE", to: cycleNow >> 32)
        }
        if expiredTag != nil { endpoint.count(.completionTimeouts) }

        // ---- the receiver collects the next TLP's dwords
        switch receive {
        case .collect:
            if starts {
                packet = [UInt32(truncatingIfNeeded: beat)]
                inPacket = !eop
            } else if cont {
                packet.append(UInt32(truncatingIfNeeded: beat))
                if eop { inPacket = false }
            }
            if (starts || cont) && eop { receive = .decide }
        case .decide:
            if decide { receive = .wait }
        case .wait:
            if jobDoneBefore || wbDoneBefore { receive = .collect }
        }

        // ---- the DMA engine
        if dma == .read {
            readEdge(read, taken: readTaken, outcome: outcome, expired: expiredTag, busMaster: busMaster,
                     cycle: cycleNow, inputs: inputs)
        } else {
            dmaEdge(start: dmaStart, fromHost: datW & Self.dmaFromHost != 0, requester: requester, busMaster: busMaster,
                    pieceEnd: nextPieceEnd, txDone: dmaTxDoneBefore, inputs: inputs)
        }
    }

    func registerName(_ dw: Int) -> String? {
        EndpointRegisters.csrMap.registers.first { $0.offset == 4 * dw }?.name
    }

    /// A job's dwords with `sop` on the first and `eop` on the last of each packet.
    func framed(_ words: [TxWord]) -> [(word: TxWord, sop: Bool, eop: Bool)] {
        words.enumerated().map { ($0.element, $0.offset == 0, $0.offset == words.count - 1) }
    }

    mutating func firmwareWrite(_ dw: Int, _ value: UInt32, msiRequest: Bool) {
        // DMA_CONTROL.START is this engine's (the transaction-level engine stays idle).
        let v = dw == Self.dmaControlDword ? value & ~Self.dmaStart : value
        endpoint.csrWrite(offset: 4 * dw, value: v, at: doorbellInstant(cycle))
        if msiRequest, let m = endpoint.outbox.popLast() {
            msiPacket = m.packet.dwords
            msiPending = min(msiPending + 1, Self.maxMSIPending)
        }
    }

    /// The decided TLP: the endpoint's answer becomes the transmitter's job; the data of
    /// BAR0 read completions is read as each dword enters the crossing. False when there
    /// is nothing to send.
    mutating func decideTLP(_ dwords: [UInt32], cycle c: UInt64) -> Bool {
        var bar0Read: Int?
        if case .memoryRead(let h)? = try? TLPCodec.decode(dwords: dwords), endpoint.config.bar0Contains(h.address) {
            bar0Read = Int(h.address - UInt64(endpoint.config.bar0Base)) / 4
        }
        endpoint.receive(WirePacket(dwords: dwords), at: doorbellInstant(c))
        let answers = endpoint.outbox
        endpoint.outbox.removeAll()
        var words: [(word: TxWord, sop: Bool, eop: Bool)] = []
        var dataIndex = 0
        for a in answers {
            let d = a.packet.dwords
            let header = d[0] >> 29 & 1 == 1 ? 4 : 3
            for (k, v) in d.enumerated() {
                var w = TxWord.fixed(v)
                if let first = bar0Read, k >= header {
                    w = .bar0(dword: first + dataIndex)
                    dataIndex += 1
                }
                words.append((w, k == 0, k == d.count - 1))
            }
        }
        guard !words.isEmpty else { return false }
        job = Job(kind: .answer, words: words)
        return true
    }

    // MARK: the DMA engine (device memory to host)

    /// One system edge of the DMA engine, as the RTL's D_* states: START captures the
    /// registers, CHECK refuses in `EndpointDMA`'s order, each PIECE (up to the next
    /// MPS-aligned host address) re-checks bus mastering and fetches its local words by
    /// single Wishbone beats, SEND waits until the transmitter wrote its MWr, FINISH
    /// updates the registers and raises the cause.
    mutating func dmaEdge(start: Bool, fromHost: Bool, requester: UInt16, busMaster: Bool, pieceEnd nextEnd: UInt64,
                          txDone: Bool, inputs: [UInt64]) {
        switch dma {
        case .idle:
            guard start else { return }
            dFrom = fromHost
            dRequester = requester
            dLocal = UInt32(endpoint.csr.value(of: "DMA_LOCAL"))
            dHost = endpoint.csr.value(of: "DMA_HOST_HI") << 32 | endpoint.csr.value(of: "DMA_HOST_LO")
            dLength = UInt32(endpoint.csr.value(of: "DMA_LENGTH", "BYTES"))
            dError = .none
            dDone = 0
            dma = .check
        case .check:
            dAt = dHost
            dEnd = dHost &+ UInt64(dLength)
            let overflow = dHost.addingReportingOverflow(UInt64(dLength) + 4096).overflow
            if dLength == 0 || overflow {
                fail(.length)
            } else if !localRangeOK || (dFrom && overlapsProtected) {
                fail(.localRange)
            } else if !busMaster {
                fail(.busMasterDisabled)
            } else if dFrom {
                armed = true
                dma = .read
            } else {
                dma = .piece
            }
        case .piece:
            if dAt == dEnd {
                dma = .finish
            } else if !busMaster {
                fail(.busMasterDisabled)
            } else {
                let delta = dLocal &- UInt32(truncatingIfNeeded: dHost)
                let lo = UInt32(truncatingIfNeeded: dAt) &+ delta
                let hi = UInt32(truncatingIfNeeded: nextEnd) &- 1 &+ delta
                let w0 = ((UInt32(truncatingIfNeeded: dAt) & ~3) &+ delta) & ~3
                pStart = dAt
                pEnd = nextEnd
                pWord0 = w0
                pEntry = lo >> 2 != w0 >> 2 ? 1 : 0
                pLast = Int(((hi >> 2) &- (w0 >> 2)) & 0x7FF)
                mCyc = true
                dma = .fetch
            }
        case .fetch:
            let ack = inputs[EndpointPorts.input.mAck] != 0, err = inputs[EndpointPorts.input.mErr] != 0
            guard ack || err else { return }
            if pEntry < pbuf.count { pbuf[pEntry] = UInt32(truncatingIfNeeded: inputs[EndpointPorts.input.mDatR]) }
            let entry = pEntry
            pEntry = (pEntry + 1) & 0x7FF
            if err {
                mCyc = false
                fail(.localRange)
            } else if entry == pLast {
                mCyc = false
                dma = .send
            }
        case .send:
            guard txDone else { return }
            dDone &+= UInt32(pEnd - pStart)
            dAt = pEnd
            dma = .piece
        case .read:
            break
        case .finish:
            endpoint.csr.set("DMA_STATUS", "ERROR", to: UInt64(dError.rawValue))
            endpoint.csr.set("DMA_DONE_BYTES", "BYTES", to: UInt64(dDone))
            endpoint.raise(dError == .none ? .dmaDone : .dmaError)
            dma = .idle
        }
    }

    mutating func fail(_ e: DMAError) {
        dError = e
        dma = .finish
    }

    /// The local range lies in one device-memory region (bit 31 ignored) and does not
    /// pass 2^32.
    var localRangeOK: Bool {
        let end = UInt64(dLocal) + UInt64(dLength)
        guard end <= 1 << 32 else { return false }
        let a = UInt64(dLocal & 0x7FFF_FFFF)
        return regions.contains { a >= $0.lowerBound && a + UInt64(dLength) <= $0.upperBound }
    }

    /// A transfer from the host may not write the protected range (the golden image).
    var overlapsProtected: Bool {
        guard let p = configuration.protectedRange, !p.isEmpty else { return false }
        return UInt64(p.lowerBound) < UInt64(dLocal) + UInt64(dLength) && dLocal < p.upperBound
    }

    /// The end of the piece starting at `dAt`: the next MRRS- (reads) or MPS-aligned
    /// (writes) host address, or the transfer's end.
    var pieceEnd: UInt64 {
        let limit = UInt64(dFrom ? endpoint.config.maxReadRequestSize : endpoint.config.maxPayloadSize)
        return min((dAt & ~(limit - 1)) &+ limit, dEnd)
    }

    /// `EndpointDMA.issueReads`' condition for one more MRd this cycle: the transfer still
    /// has bytes to request without an error, bus mastering is on, a tag is free and the
    /// completion buffer has room for the whole answer or nothing is outstanding.
    struct ReadRequest {
        var request = false
        var more = false
        var tag = 0
        var end: UInt64 = 0
        var count = 0
    }

    func readRequest() -> ReadRequest {
        guard dma == .read else { return ReadRequest() }
        var r = ReadRequest()
        r.more = dError == .none && dAt != dEnd
        r.end = pieceEnd
        r.count = Int(r.end &- dAt)
        let room = outstanding == 0 || outstanding + r.count <= configuration.completionBufferBytes
        let free = lowestTag(~pendingTags)
        r.tag = free ?? 0
        r.request = armed && r.more && endpoint.config.busMasterEnabled && room && free != nil
        return r
    }

    func lowestTag(_ mask: UInt32) -> Int? { mask == 0 ? nil : mask.trailingZeroBitCount }

    func expiredTags(at c: UInt64) -> UInt32 {
        var m: UInt32 = 0
        for t in 0..<32 where pendingTags >> UInt32(t) & 1 == 1 && tags[t].deadline <= c { m |= 1 << UInt32(t) }
        return m
    }

    /// The MRd of the next piece (`RequestRules.readRequests`).
    func readRequestPacket(_ r: ReadRequest) -> [UInt32] {
        let h = RequestRules.readRequests(address: dAt, count: r.count, maxReadRequest: 4096,
                                          requester: PCIeID(rawValue: dRequester), tags: [UInt8(r.tag)])[0]
        guard let p = try? WirePacket(.memoryRead(h)) else { preconditionFailure("the DMA engine built an invalid MRd") }
        return p.dwords
    }

    var timeoutCycles: UInt64 {
        configuration.completionTimeout.duration.picoseconds / configuration.systemClock.period.picoseconds
    }

    /// A decided completion for an outstanding read of this transfer (its tag pending, its
    /// requester the transfer's), judged in `Endpoint.completion`'s order and counted; nil
    /// for any other TLP (the `Endpoint` counts other completions as unexpected).
    mutating func decideCompletion(_ dwords: [UInt32]) -> (tag: Int, CompletionOutcome)? {
        guard dma == .read, let tlp = try? TLPCodec.decode(dwords: dwords) else { return nil }
        let h: CompletionHeader, payload: [UInt8]
        switch tlp {
        case .completion(let c): (h, payload) = (c, [])
        case .completionWithData(let c, let p): (h, payload) = (c, p)
        default: return nil
        }
        let tag = Int(h.tag)
        guard tag < 32, pendingTags >> UInt32(tag) & 1 == 1, h.requester.rawValue == dRequester else { return nil }
        endpoint.count(.tlpsReceived)
        if h.flags.poisoned {
            endpoint.config.raise("STATUS", "DETECTED_PARITY_ERROR")
            endpoint.count(.poisoned)
            return (tag, .poisoned)
        }
        let t = tags[tag]
        let plen = payload.count
        if !payload.isEmpty && h.status == .successful {
            let valid = plen - Int(h.lowerAddress & 3)
            let end = (Int(h.lowerAddress & 0x3C) + plen) % 64
            if plen > endpoint.config.maxPayloadSize || (h.byteCount > valid && end != 0) {
                endpoint.count(.completionMismatch)
                return (tag, .mismatch)
            }
        }
        if h.status != .successful {
            endpoint.count(.completions)
            let abort = h.status == .completerAbort
            endpoint.count(abort ? .completionCA : .completionUR)
            return (tag, .failed(abort: abort))
        }
        let lead = t.offset & 3
        let next7 = Int((t.start & 0x7C) + UInt32(t.offset & 0x7F)) & 0x7F
        let maxDwords = (lead + t.remaining + 3) >> 2
        if h.byteCount != t.remaining || Int(h.lowerAddress) != next7 || plen <= lead || plen / 4 > maxDwords {
            endpoint.count(.completionMismatch)
            return (tag, .mismatch)
        }
        endpoint.count(.completions)
        let take = min(plen - lead, t.remaining)
        return (tag, .accepted(take: take, whole: take == t.remaining))
    }

    /// One system edge of the DMA engine reading from the host (the RTL's D_READ): an MRd
    /// issued, the decided completion's or the expired tag's effect, the write-back of a
    /// whole request, the end of the transfer. Later assignments win as in the RTL.
    mutating func readEdge(_ r: ReadRequest, taken: Bool, outcome: (tag: Int, CompletionOutcome)?, expired: Int?,
                           busMaster: Bool, cycle c: UInt64, inputs: [UInt64]) {
        let errorBefore = dError, pendingBefore = pendingTags, outstandingBefore = outstanding
        let wbActiveBefore = wbActive, wbWordBefore = wbWord, atBefore = dAt
        if taken {
            tags[r.tag] = ReadTag(start: UInt32(truncatingIfNeeded: dAt), count: r.count, remaining: r.count,
                                  offset: Int(dAt & 3), deadline: c &+ timeoutCycles)
            outstanding = outstandingBefore + r.count
            dAt = r.end
        } else if armed && r.more && !busMaster {
            dError = .busMasterDisabled
            armed = false
        } else if !r.request {
            armed = false
        }
        var freed: Int?
        var event = expired != nil
        if let e = expired { freed = e }
        if let (tag, o) = outcome {
            switch o {
            case .poisoned, .failed: freed = tag; event = true
            case .accepted(_, let whole): if whole { freed = tag }; event = true
            case .mismatch: break
            }
        }
        if let f = freed {
            pendingTags &= ~(1 << UInt32(f))
            outstanding = outstandingBefore - tags[f].count + (taken ? r.count : 0)
        }
        if taken { pendingTags |= 1 << UInt32(r.tag) }
        if let (tag, o) = outcome, case .accepted(let take, let whole) = o {
            let t = tags[tag]
            tags[tag].remaining = t.remaining - take
            tags[tag].offset = t.offset + take
            if whole {
                dDone &+= UInt32(t.count)
                let delta = dLocal &- UInt32(truncatingIfNeeded: dHost)
                wbActive = true
                wbTag = tag
                wbLocalStart = (t.start &+ delta) & 0x7FFF
                wbWord = (t.start &+ delta) & ~3
                wbLastWord = (t.start &+ delta &+ UInt32(t.count) &- 1) & ~3
                wbCount = t.count
                wbLead = t.start & 3
                mCyc = true
            }
        }
        if event { armed = true }
        if errorBefore == .none, let (_, o) = outcome {
            switch o {
            case .poisoned: dError = .poisoned
            case .failed(let abort): dError = abort ? .completerAbort : .unsupportedRequest
            default: break
            }
        }
        if errorBefore == .none && expired != nil { dError = .completionTimeout }
        let ack = inputs[EndpointPorts.input.mAck] != 0, err = inputs[EndpointPorts.input.mErr] != 0
        if wbActiveBefore && (ack || err) {
            wbWord = wbWordBefore &+ 4
            if err && errorBefore == .none { dError = .localRange }
            if err || wbWordBefore == wbLastWord {
                wbActive = false
                wbDone = true
                mCyc = false
            }
        }
        if pendingBefore == 0 && !wbActiveBefore && !taken && !r.request && (errorBefore != .none || atBefore == dEnd)
            && !event {
            dma = .finish
        }
    }

    /// The MWr of the current piece from the fetched words (`RequestRules.writeRequests`).
    func dmaWriteJob() -> Job {
        let delta = dLocal &- UInt32(truncatingIfNeeded: dHost)
        let bytes: [UInt8] = (pStart ..< pEnd).map { h in
            let local = UInt32(truncatingIfNeeded: h) &+ delta
            let entry = Int(((local & ~3) &- pWord0) >> 2)
            return UInt8(truncatingIfNeeded: pbuf[entry] >> (24 - 8 * (local & 3)))
        }
        let tlp = RequestRules.writeRequests(address: pStart, data: bytes, maxPayload: 4096, requester: endpoint.id)[0]
        guard let p = try? WirePacket(tlp) else { preconditionFailure("the DMA engine built an invalid MWr") }
        return Job(kind: .dma, words: framed(p.dwords.map { .fixed($0) }))
    }
}

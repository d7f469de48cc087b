import LM32Cycle
import PCIe
import SimKernel
import SoC

/// The cycle-exact PCIe endpoint (`EndpointCycle`) on the cycle-exact SoC
/// (docs/pcie-endpoint.md, "On the cycle-exact SoC"): CSR bank 3, IRQ 5, its
/// DMA engine a master of the shared bus, clocked on every rising edge of the
/// system clock and of the PCIe user clock in `ClockEdges` order, its stream
/// ports facing the modelled host (`RootComplex`) as the lock-step's host
/// drives them (no gaps: a queued packet is offered every user cycle, the
/// host always ready).
///
/// Edges at instant 0 are the reset's: the endpoint leaves its reset state
/// there. The host may first enumerate it (`enumerate`) while the rest of
/// the SoC is still in reset; SoC cycle 0 then starts at the endpoint's
/// system cycle `origin` (0 without enumeration), and the system edge at
/// `(origin + c + 1) × period` ends SoC cycle `c` with that cycle's inputs
/// (the CSR write presented in it, the bus's answer to the DMA master in
/// it). The endpoint's counter is SoC cycle + `origin`. The endpoint is brought lazily to the cycles the bus
/// asks for; while it is `quiescent` and the host has nothing in flight it
/// skips in closed form. A system reset of the SoC leaves it as it is (the
/// link and the host's set-up survive, as on the functional SoC).
final class PCIeCycleEndpoint: HostStreamOwner {
    let clocks: [Clock]
    let period: UInt64, userPeriod: UInt64
    /// The master number of its DMA engine, its CSR bank and interrupt line.
    let master: Int, bank: Int, line: Int
    private(set) var model: EndpointCycle
    private var edges: ClockEdges
    private var inputs: [UInt64]
    /// The modelled host on the stream ports.
    let hostStream: HostStream
    var root: RootComplex { hostStream.root }
    private(set) var now = Instant.zero
    /// The endpoint's system cycle at the start of SoC cycle 0.
    private(set) var origin: UInt64 = 0
    /// The instant the endpoint's system cycle 0 starts: its reset holds the system edges
    /// before it (`PCIeSetup.resetEdges`), and every edge of either clock earlier than half
    /// a system period before its first own edge.
    let base: UInt64
    /// Packets the device sent, as the host received them.
    var received: [WirePacket] { hostStream.received }
    var hostNow: Instant { now }
    /// An edge budget for one request's round trip.
    var hostRequestEdges: Int { 100_000 }
    func stepForHost() {
        let e = edges.next()!
        hostStream.runSoftware(before: e.time)
        step(e)
    }

    /// The CSR write presented in a cycle and the bus's answer to the DMA master in a
    /// cycle, sampled at the system edge ending that cycle.
    private var pendingWrite: (cycle: UInt64, dword: Int, value: UInt32)?
    private var answer: (cycle: UInt64, answer: WishboneAnswer)?

    init(soc: SoCDescription, setup: PCIeSetup, master: Int, bank: Int, line: Int) {
        guard let user = soc.clock(named: SoCDescription.pcieUserClock.name) else {
            preconditionFailure("the SoC description has no PCIe user clock")
        }
        // the ports' clock order (system, user) is the description's
        precondition(EndpointPorts.clocks.map(\.description) == [soc.clock.name, user.name])
        clocks = [soc.clock, user]
        period = soc.clock.period.picoseconds
        userPeriod = user.period.picoseconds
        self.master = master; self.bank = bank; self.line = line
        var ec = setup.endpoint
        ec.systemClock = soc.clock
        let regions = soc.regions.filter { $0.kind != .csr }.map { UInt64($0.base) ..< UInt64($0.base) + UInt64($0.size) }
        model = EndpointCycle(ec, regions: regions)
        precondition(setup.resetEdges >= 1, "the reset takes at least one system edge")
        base = (setup.resetEdges - 1) * period
        edges = ClockEdges(clocks: clocks, from: Instant(picoseconds: base + period / 2))
        inputs = Array(repeating: 0, count: EndpointPorts.inputs.count)
        inputs[EndpointPorts.input.txReady] = 1
        hostStream = HostStream(setup.host)
    }

    /// Neither the endpoint nor the host has anything in flight: only a CSR write or a
    /// packet from the host changes the endpoint.
    var quiet: Bool { model.quiescent && hostStream.quiet }

    /// Makes every edge up to the start of SoC cycle `c`.
    func bring(to socCycle: UInt64) { bringEndpoint(to: origin + socCycle) }

    /// The instant the endpoint's system cycle `c` starts.
    private func start(ofCycle c: UInt64) -> UInt64 { base + c * period }

    /// The endpoint's system cycle holding the host software's next event (its start ≤ the event).
    private var nextHostCycle: UInt64? {
        hostStream.nextSoftwareEvent.map { $0.picoseconds >= base ? ($0.picoseconds - base) / period : 0 }
    }

    /// The first SoC cycle in which the host software's next event may show (nil: none pending).
    var nextHostEvent: UInt64? { nextHostCycle.map { $0 > origin ? $0 - origin : 0 } }

    /// Makes every edge up to the start of the endpoint's system cycle `c` (instants ≤
    /// its start).
    private func bringEndpoint(to c: UInt64) { bring(untilBefore: start(ofCycle: c) + 1) }

    /// Makes every edge at an instant before `limit` (picoseconds), each after the host
    /// software's events before it.
    private func bring(untilBefore limit: UInt64) {
        while true {
            let e = edges.peek()
            guard e.time.picoseconds < limit else { return }
            hostStream.runSoftware(before: e.time)
            if quiet {
                // every edge before `end` changes nothing but the counter; the edge ending a
                // pending write's cycle is made, not skipped, and so is every edge after the
                // host software's next event (edges at its instant come before it)
                let end = min(limit,
                              pendingWrite.map { start(ofCycle: $0.cycle) + 1 } ?? .max,
                              hostStream.nextSoftwareEvent.map { $0.picoseconds < .max ? $0.picoseconds + 1 : .max } ?? .max)
                if end > e.time.picoseconds {
                    let stop = (end - 1 - base) / period
                    model.skipQuiescent(toCycle: stop)
                    // the last edge skipped: the system edge starting `stop` or a later user edge
                    let lastUser = (end - 1) / userPeriod * userPeriod
                    now = Instant(picoseconds: max(start(ofCycle: stop), lastUser))
                    edges.restart(from: Instant(picoseconds: end))
                    continue
                }
            }
            _ = edges.next()
            step(e)
        }
    }

    private func step(_ e: ClockEdges.Edge) {
        prepare(e)
        let before = model.outputs
        model.edge(domain: e.domain, inputs: inputs)
        now = e.time
        if e.domain == EndpointPorts.userDomain { observe(before: before) }
    }

    /// The inputs of the edge `e`: the host's stream (user clock), the CSR write and
    /// the bus's answer of the cycle the edge ends (system clock).
    private func prepare(_ e: ClockEdges.Edge) {
        if e.domain == EndpointPorts.userDomain {
            EndpointPorts.setStream(hostStream.prepare(now: now), in: &inputs)
        } else {
            // the endpoint's system cycle the edge ends
            let ending = (e.time.picoseconds - base) / period - 1
            if let w = pendingWrite, w.cycle == ending {
                inputs[EndpointPorts.input.we] = 1
                inputs[EndpointPorts.input.adr] = UInt64(w.dword)
                inputs[EndpointPorts.input.datW] = UInt64(w.value)
                pendingWrite = nil
            } else {
                inputs[EndpointPorts.input.we] = 0
                inputs[EndpointPorts.input.datW] = 0
            }
            if let a = answer, a.cycle == ending {
                inputs[EndpointPorts.input.mAck] = a.answer.ack ? 1 : 0
                inputs[EndpointPorts.input.mErr] = a.answer.err ? 1 : 0
                inputs[EndpointPorts.input.mDatR] = a.answer.ack ? UInt64(a.answer.dat) : 0
                answer = nil
            } else {
                inputs[EndpointPorts.input.mAck] = 0
                inputs[EndpointPorts.input.mErr] = 0
                inputs[EndpointPorts.input.mDatR] = 0
            }
        }
    }

    /// What crossed the stream ports at the user edge just made, from the outputs before it.
    private func observe(before: [UInt64]) { hostStream.observe(EndpointPorts.deviceStream(before), at: now) }

    /// Queues a packet from the host (an empty one is dropped: a stream cannot carry it).
    func send(_ p: WirePacket) { hostStream.send(p) }

    /// The host enumerates the endpoint by configuration TLPs over the stream (BAR0, MSI,
    /// MPS/MRRS/RCB, memory space and bus mastering), before SoC cycle 0; SoC cycle 0 is
    /// the first of the endpoint's system cycles to start after the user-clock edge at
    /// which the host took the last answer (`PCIeSetup.origin(afterLastAnswerAt:)`).
    func enumerate() throws -> EnumeratedDevice {
        precondition(origin == 0 && model.cycle == 0, "the host enumerates before SoC cycle 0")
        let device = try (self as ConfigurationAccess).enumerate()
        origin = PCIeSetup.origin(afterLastAnswerAt: now.picoseconds, cycleZeroStart: base, period: period)
        return device
    }

    // MARK: the SoC's side

    /// IRQ 5 during the cycle the endpoint was brought to.
    var interruptLines: UInt32 { irq ? 1 << UInt32(line) : 0 }

    /// IRQ 5 as the endpoint's output after its last edge (a quiet skip leaves it).
    private var irq: Bool { model.outputs[EndpointPorts.output.irq] != 0 }

    /// CSR dword `dword` of the bank during cycle `c`.
    func read(dword: Int, at c: UInt64) -> UInt32 {
        bring(to: c)
        return model.csrRead(dword: dword)
    }

    /// A CSR write presented during cycle `c` (sampled at the edge ending it).
    func write(dword: Int, value: UInt32, at c: UInt64) {
        bring(to: c)
        pendingWrite = (origin + c, dword, value)
    }

    /// The DMA master's request during cycle `c` (its registered outputs), if it holds CYC.
    func request(at c: UInt64) -> WishboneRequest? {
        bring(to: c)
        let o = model.outputs
        guard o[EndpointPorts.output.mCyc] != 0 else { return nil }
        return WishboneRequest(cyc: true, adr: UInt32(truncatingIfNeeded: o[EndpointPorts.output.mAdr]),
                               datO: UInt32(truncatingIfNeeded: o[EndpointPorts.output.mDatW]),
                               sel: UInt8(truncatingIfNeeded: o[EndpointPorts.output.mSel]),
                               we: o[EndpointPorts.output.mWe] != 0,
                               cti: UInt8(truncatingIfNeeded: o[EndpointPorts.output.mCti]))
    }

    /// The endpoint's observed pins during SoC cycle `c` (after the bus's answer in it):
    /// IRQ 5 and its DMA master as on the bus; its stream outputs as they are half a
    /// system period before the edge ending the cycle (where the RTL bridge observes
    /// them), after every user-clock edge before that instant.
    func annotate(_ o: inout CycleObservation, at c: UInt64) {
        bring(untilBefore: start(ofCycle: origin + c + 1) - period / 2)
        let out = model.outputs
        o.pcieRxReady = out[EndpointPorts.output.rxReady] != 0
        o.pcieTxValid = out[EndpointPorts.output.txValid] != 0
        o.pcieTxSop = out[EndpointPorts.output.txSop] != 0
        o.pcieTxEop = out[EndpointPorts.output.txEop] != 0
        o.pcieTxData = UInt32(truncatingIfNeeded: out[EndpointPorts.output.txData])
        o.pcieIrq = irq
        if let r = request(at: c) {
            o.pcieCyc = true
            o.pcieAdr = r.adr
            o.pcieWe = r.we
        }
        if let a = answer, a.cycle == origin + c {
            o.pcieAck = a.answer.ack
            o.pcieErr = a.answer.err
        }
    }

    /// The bus's answer to the DMA master in cycle `c`.
    func answered(_ a: WishboneAnswer, at c: UInt64) { answer = (origin + c, a) }

    /// The same endpoint state as `other`'s at cycle `c`: outputs and every CSR dword.
    func sameState(as other: PCIeCycleEndpoint, at c: UInt64) -> Bool {
        bring(to: c)
        other.bring(to: c)
        guard model.cycle == other.model.cycle, model.outputs == other.model.outputs,
              received == other.received, quiet == other.quiet else { return false }
        return (0..<(EndpointRegisters.csrSize / 4)).allSatisfy { model.csrRead(dword: $0) == other.model.csrRead(dword: $0) }
    }
}

// Lock-step of the cycle-exact Swift endpoint (PCIe.EndpointCycle) and the
// verilated RTL endpoint (profile pcie-endpoint-bridge) under one modelled host
// (docs/pcie-endpoint.md, "Lock-step"): both get the same input vector before
// every rising edge of both clocks, and every output of EndpointPorts is compared
// after it. The host side (the root complex's packets on the rx stream, tx_ready,
// the firmware's CSR accesses and the Wishbone slave answering the DMA engine) is
// driven from the model's outputs, which equal the RTL's until a divergence.

import PCIe
import SimKernel
import SoC
import Verilated

/// The first output that differed.
public struct EndpointDivergence: Error, Hashable, Sendable, CustomStringConvertible {
    public var edge: Int
    public var time: Instant
    public var clock: String
    public var cycle: UInt64
    public var signal: String
    public var model: UInt64
    public var rtl: UInt64

    public var description: String {
        "edge \(edge) (\(clock) cycle \(cycle), \(time.picoseconds) ps): \(signal) model 0x\(String(model, radix: 16))"
            + " rtl 0x\(String(rtl, radix: 16))"
    }
}

/// Why a lock-step run stopped other than by a divergence.
public enum EndpointLockStepError: Error, Hashable, Sendable, CustomStringConvertible {
    case edgeOrder(String)
    case notQuiet(edges: Int)

    public var description: String {
        switch self {
        case .edgeOrder(let s): "the bridge's edges differ from ClockEdges: \(s)"
        case .notQuiet(let n): "the endpoint was still busy after \(n) edges of draining"
        }
    }
}

/// One CSR access of the firmware: a write, or a read of `adr` (dat_r is compared).
public struct FirmwareAccess: Hashable, Sendable {
    public var dword: Int
    public var value: UInt32?
    public init(dword: Int, value: UInt32?) {
        self.dword = dword
        self.value = value
    }
}

/// The model and the RTL endpoint under one host, edge by edge.
public final class EndpointLockStep: HostStreamOwner {
    public let clocks: [Clock]
    public private(set) var model: EndpointCycle
    public let rtl: RTLPortedModel
    /// The host on the stream ports.
    public let hostStream: HostStream
    public var root: RootComplex { hostStream.root }
    private var edges: ClockEdges
    private var inputs: [UInt64]
    private var outputs: [UInt64]
    private var rng: SplitMix64

    /// Edges made (both clocks) and outputs compared.
    public private(set) var edgeCount = 0
    public private(set) var comparisons = 0
    public private(set) var now = Instant(picoseconds: 0)
    /// Packets the device sent, as the host received them.
    public var received: [WirePacket] { hostStream.received }
    public var hostNow: Instant { now }
    public var hostRequestEdges: Int { 200_000 }
    public func stepForHost() throws { try step() }

    // firmware and the Wishbone slave
    private var firmware: [FirmwareAccess] = []
    private var wishboneWait = 0
    /// Percent of user cycles the host holds back a dword / is not ready for one.
    public var rxGapPercent = 10
    public var txStallPercent = 10
    /// Whose outputs the host, firmware and Wishbone slave react to: the model's (default)
    /// or the RTL's. Equal until a divergence, which stops the run.
    public var driveFromRTL = false
    /// Called after every edge (debugging).
    public var trace: ((EndpointLockStep) -> Void)?
    /// Maximum wait states of the Wishbone slave, and the percent of beats it answers ERR.
    public var wishboneMaxWait = 3
    public var wishboneErrorPercent = 0

    /// The SoC description's clocks (system, PCIe user) and a fresh model and RTL instance.
    public init(seed: UInt64 = 1, host: HostConfiguration = HostConfiguration(),
                endpoint: EndpointConfiguration = EndpointConfiguration(), library: RTLPortedLibrary? = nil) throws {
        let all = try SoCDescription.milkymist().clocks
        clocks = try EndpointPorts.clocks.map { c in
            guard let clock = all.first(where: { $0.name == c.description }) else {
                throw EndpointLockStepError.edgeOrder("the SoC description has no clock \(c.description)")
            }
            return clock
        }
        let lib = try library ?? RTLPortedLibrary.load(.pcieEndpoint)
        guard lib.inputs.map(\.name) == EndpointPorts.inputs.map(\.name),
              lib.inputs.map(\.width) == EndpointPorts.inputs.map(\.width),
              lib.outputs.map(\.name) == EndpointPorts.outputs.map(\.name),
              lib.outputs.map(\.width) == EndpointPorts.outputs.map(\.width) else {
            throw EndpointLockStepError.edgeOrder("the library's ports differ from EndpointPorts: rebuild RTL/build.sh pcie-endpoint-bridge")
        }
        rtl = try RTLPortedModel(library: lib, clocks: clocks)
        var ec = endpoint
        ec.completionTimeout = CompletionTimeout(.ps(EndpointPorts.completionTimeoutCycles * ec.systemClock.period.picoseconds))
        model = EndpointCycle(ec)
        hostStream = HostStream(host)
        edges = ClockEdges(clocks: clocks)
        inputs = Array(repeating: 0, count: EndpointPorts.inputs.count)
        outputs = model.outputs
        rng = SplitMix64(seed: seed)
        try reset()
    }

    private func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    private func chance(_ percent: Int) -> Bool { below(100) < percent }

    /// Both resets held for 4 cycles of each clock, then released.
    private func reset() throws {
        inputs[EndpointPorts.input.reset] = 1
        inputs[EndpointPorts.input.userReset] = 1
        var seen = [0, 0]
        while seen.min()! < 4 {
            let e = try step()
            seen[e.domain] += 1
        }
        inputs[EndpointPorts.input.reset] = 0
        inputs[EndpointPorts.input.userReset] = 0
    }

    // MARK: one edge

    /// Makes the next rising edge on both sides and compares every output.
    @discardableResult
    public func step() throws -> ClockEdges.Edge {
        var peek = edges
        guard let next = peek.next() else { preconditionFailure("ClockEdges never ends") }
        prepare(next.domain)
        _ = edges.next()
        let before = outputs
        model.edge(domain: next.domain, inputs: inputs)
        let e = try rtl.step(inputs)
        guard e == next else { throw EndpointLockStepError.edgeOrder("expected \(next), the bridge made \(e)") }
        edgeCount += 1
        trace?(self)
        now = e.time
        for (k, port) in EndpointPorts.outputs.enumerated() where model.outputs[k] != rtl.outputs[k] {
            throw EndpointDivergence(edge: edgeCount, time: e.time, clock: clocks[e.domain].name, cycle: e.cycle,
                                     signal: port.name, model: model.outputs[k], rtl: rtl.outputs[k])
        }
        comparisons += EndpointPorts.outputs.count
        outputs = driveFromRTL ? rtl.outputs : model.outputs
        observe(e.domain, before: before)
        return e
    }

    /// Sets the inputs of `domain` for its coming edge.
    private func prepare(_ domain: Int) {
        if domain == EndpointPorts.userDomain {
            let b = hostStream.prepare(now: now, holdBack: { chance(rxGapPercent) }, txReady: !chance(txStallPercent))
            EndpointPorts.setStream(b, in: &inputs)
        } else {
            if firmware.isEmpty {
                inputs[EndpointPorts.input.we] = 0
            } else {
                let a = firmware.removeFirst()
                inputs[EndpointPorts.input.adr] = UInt64(a.dword)
                inputs[EndpointPorts.input.we] = a.value == nil ? 0 : 1
                inputs[EndpointPorts.input.datW] = UInt64(a.value ?? 0)
            }
            inputs[EndpointPorts.input.mAck] = 0
            inputs[EndpointPorts.input.mErr] = 0
            inputs[EndpointPorts.input.mDatR] = 0
            if outputs[EndpointPorts.output.mCyc] != 0 {
                if wishboneWait == 0 {
                    let adr = UInt32(truncatingIfNeeded: outputs[EndpointPorts.output.mAdr])
                    if chance(wishboneErrorPercent) {
                        inputs[EndpointPorts.input.mErr] = 1
                    } else {
                        inputs[EndpointPorts.input.mAck] = 1
                        inputs[EndpointPorts.input.mDatR] = UInt64(Self.memoryWord(adr))
                    }
                    wishboneWait = below(wishboneMaxWait + 1)
                } else {
                    wishboneWait -= 1
                }
            }
        }
    }

    /// Device memory as the Wishbone slave holds it: a pattern of the word address.
    public static func memoryWord(_ address: UInt32) -> UInt32 {
        var z = UInt64(address & ~3) &* 0x9E37_79B9_7F4A_7C15
        z ^= z >> 29
        return UInt32(truncatingIfNeeded: z)
    }

    /// What moved at the edge just made, from the outputs before it.
    private func observe(_ domain: Int, before: [UInt64]) {
        guard domain == EndpointPorts.userDomain else { return }
        hostStream.observe(EndpointPorts.deviceStream(before), at: now)
    }

    // MARK: host and firmware

    /// Stores `bytes` in host memory (what device reads get).
    public func writeHostMemory(_ address: UInt64, _ bytes: [UInt8]) { hostStream.writeHostMemory(address, bytes) }

    /// Queues a packet from the host (any bytes; an empty one is dropped).
    public func hostSend(_ p: WirePacket) { hostStream.send(p) }

    /// Packets the host queued for the device (its own requests and its completions).
    public var packetsSent: Int { hostStream.packetsSent }

    /// Reads CSR dword `dword` as the firmware would (after what is queued): dat_r of the
    /// model and of the RTL in the cycle the read is presented (equal, or the run has
    /// stopped at the divergence).
    public func csrRead(_ dword: Int) throws -> (model: UInt32, rtl: UInt32) {
        firmware([FirmwareAccess(dword: dword, value: nil)])
        while true {
            let e = try step()
            if e.domain == EndpointPorts.systemDomain && firmware.isEmpty && inputs[EndpointPorts.input.adr] == UInt64(dword)
                && inputs[EndpointPorts.input.we] == 0 {
                let k = EndpointPorts.output.datR
                return (UInt32(truncatingIfNeeded: model.outputs[k]), UInt32(truncatingIfNeeded: rtl.outputs[k]))
            }
        }
    }

    /// Whether the model's DMA engine is idle.
    public var dmaIdle: Bool { !model.dmaBusy }

    /// Queues firmware CSR accesses, one per system cycle.
    public func firmware(_ accesses: [FirmwareAccess]) { firmware += accesses }

    public func run(edges n: Int) throws {
        for _ in 0..<n { try step() }
    }

    /// Whether nothing is queued or in flight on either side.
    public var quiet: Bool {
        hostStream.quiet && firmware.isEmpty && model.idle
    }

    /// Runs until `quiet`, then `settle` edges more.
    public func drain(limit: Int = 2_000_000, settle: Int = 64) throws {
        var n = 0
        while !quiet {
            try step()
            n += 1
            if n > limit { throw EndpointLockStepError.notQuiet(edges: n) }
        }
        try run(edges: settle)
    }
}

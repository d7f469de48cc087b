import SimKernel

/// Why a host request failed.
public enum HostError: Error, Hashable, Sendable, CustomStringConvertible {
    case timeout(what: String)
    case completion(what: String, CompletionStatus)
    /// The host's own tags are all outstanding.
    case noTag
    /// No event is left but the awaited result never came (a model defect).
    case stalled(what: String)
    /// Configuration reads of the Vendor ID return all ones: no device.
    case noDevice
    /// A packet the receiver could never accept: more credits than it advertises.
    case tooLargeForCredits(bytes: Int)

    public var description: String {
        switch self {
        case .timeout(let w): "\(w): no completion within the host's request timeout"
        case .completion(let w, let s): "\(w): completed with status \(s)"
        case .noTag: "no free tag for another host request"
        case .stalled(let w): "\(w): the simulation ran out of events before it completed"
        case .noDevice: "no device answers configuration reads"
        case .tooLargeForCredits(let n): "a \(n)-byte packet needs more credits than the device advertises"
        }
    }
}

/// Endpoint, link and root complex on one scheduler (docs/pcie-endpoint.md, "Host").
///
/// Each direction has one transmit queue. When its line is free the transmitter sends
/// the first queued packet that has credits and may pass every packet queued before it
/// (posted may pass non-posted and completions, completions may pass non-posted); a
/// packet arrives after its serialisation and the link latency, the receiver handles it
/// at once and returns its credits. Host software calls (`configRead`, `mmioRead`...)
/// run the scheduler until their answer is in.
public final class PCIeSystem {
    public let scheduler: Scheduler
    public private(set) var link: Link
    public private(set) var endpoint: Endpoint
    public private(set) var host: RootComplex
    private var queues: [LinkDirection: [Outbound]] = [.downstream: [], .upstream: []]
    private var pumps: [LinkDirection: EventID] = [:]
    private var endpointWake: (at: Instant, id: EventID)?
    /// Called with each packet from the device once the root complex has handled it, at
    /// its arrival: lets a model of the host beyond the root complex (its IOMMU and
    /// memory, its CPU taking the MSI) follow the device's writes. It may schedule
    /// events and send host requests; it does not change what the root complex did.
    public var onUpstreamArrival: ((WirePacket, Instant) -> Void)?

    public init(endpoint: EndpointConfiguration = EndpointConfiguration(),
                host: HostConfiguration = HostConfiguration(),
                link: LinkConfiguration = LinkConfiguration(),
                memory: DeviceMemory? = nil,
                scheduler: Scheduler = Scheduler()) {
        self.scheduler = scheduler
        self.link = Link(link)
        self.endpoint = Endpoint(endpoint, memory: memory)
        self.host = RootComplex(host)
    }

    public var now: Instant { scheduler.now }

    /// Packets waiting to be sent in `direction`.
    public func queued(_ direction: LinkDirection) -> Int { queues[direction]!.count }

    // MARK: transmit queues

    /// Queues a packet from the host (any bytes: hostile traffic too).
    public func hostSend(_ packet: WirePacket) throws(HostError) {
        let cost = packet.creditCost
        let limit = link.configuration.deviceCredits[cost.flowClass]
        if let d = limit.data, cost.data > d { throw .tooLargeForCredits(bytes: packet.dwords.count * 4) }
        queues[.downstream]!.append(Outbound(packet: packet, note: nil))
        pump(.downstream)
    }

    private func drainEndpoint() {
        if !endpoint.outbox.isEmpty {
            queues[.upstream]! += endpoint.outbox
            endpoint.outbox.removeAll()
            pump(.upstream)
        }
        let next = endpoint.nextWakeup
        if next != endpointWake?.at {
            if let w = endpointWake { scheduler.cancel(w.id) }
            endpointWake = nil
            if let t = next {
                let at = max(t, scheduler.now)
                let id = scheduler.schedule(at: at, phase: .device, component: "endpoint", label: "wake") { [unowned self] s in
                    self.endpointWake = nil
                    self.endpoint.wake(at: s.now)
                    self.drainEndpoint()
                }
                endpointWake = (t, id)
            }
        }
    }

    private static func mayPass(_ later: FlowControlClass, _ earlier: FlowControlClass) -> Bool {
        switch (later, earlier) {
        case (.posted, .nonPosted), (.posted, .completion), (.completion, .nonPosted): true
        default: false
        }
    }

    private func schedulePump(_ d: LinkDirection, at t: Instant) {
        guard pumps[d] == nil else { return }
        pumps[d] = scheduler.schedule(at: t, phase: .link, component: "link \(d.rawValue)", label: "transmit") { [unowned self] _ in
            self.pumps[d] = nil
            self.pump(d)
        }
    }

    private func pump(_ d: LinkDirection) {
        guard pumps[d] == nil, !queues[d]!.isEmpty else { return }
        let now = scheduler.now
        if link.lineFree(d) > now {
            schedulePump(d, at: link.lineFree(d))
            return
        }
        let queue = queues[d]!
        var chosen: Int?
        for (i, o) in queue.enumerated() {
            let c = o.packet.creditCost
            guard queue[..<i].allSatisfy({ Self.mayPass(c.flowClass, $0.packet.creditCost.flowClass) }) else { continue }
            if link.hasCredits(for: c, d, at: now) {
                chosen = i
                break
            }
        }
        guard let i = chosen else {
            // Credits come back with UpdateFC DLLPs for packets already sent.
            if let t = link.nextCreditEvent(d) { schedulePump(d, at: max(t, now)) }
            return
        }
        let out = queues[d]!.remove(at: i)
        let cost = out.packet.creditCost
        let delivery: Delivery
        do {
            delivery = try link.send(wireBytes: out.packet.wireBytes, cost: cost, d, readyAt: now)
        } catch {
            preconditionFailure("credits checked before sending: \(error)")
        }
        scheduler.schedule(at: delivery.arrival, phase: .link, component: "link \(d.rawValue)", label: "arrival") { [unowned self] s in
            self.arrive(out.packet, d, at: s.now)
        }
        if let note = out.note {
            endpoint.transmitted(note, start: delivery.start, end: delivery.end)
            drainEndpoint()
        }
        schedulePump(d, at: delivery.end)
    }

    private func arrive(_ packet: WirePacket, _ d: LinkDirection, at now: Instant) {
        link.release(cost: packet.creditCost, d, at: now)
        switch d {
        case .downstream:
            endpoint.receive(packet, at: now)
            drainEndpoint()
        case .upstream:
            for (t, p) in host.receive(packet, at: now) {
                scheduler.schedule(at: t, phase: .host, component: "root complex", label: "completion") { [unowned self] _ in
                    self.queues[.downstream]!.append(Outbound(packet: p, note: nil))
                    self.pump(.downstream)
                }
            }
            onUpstreamArrival?(packet, now)
        }
        // The packet's credits come back with an UpdateFC on the opposite line: a transmitter
        // waiting for them learns when, and the opposite line may have answers to send.
        pump(d)
        pump(d.opposite)
    }

    // MARK: firmware

    /// A firmware write to CSR bank 3 now.
    public func firmwareWrite(_ register: String, _ value: UInt32) {
        endpoint.csrWrite(register, value, at: scheduler.now)
        drainEndpoint()
    }

    public func firmwareRead(_ register: String) -> UInt32 { endpoint.csrRead(register) }

    /// A firmware write of the CSR word at byte `offset` in bank 3, now.
    public func firmwareWrite(offset: Int, _ value: UInt32) {
        endpoint.csrWrite(offset: offset, value: value, at: scheduler.now)
        drainEndpoint()
    }

    /// Loads device memory directly (the firmware image, a test pattern).
    public func loadDeviceMemory(_ bytes: [UInt8], at address: UInt32) { endpoint.memory.write(address, bytes) }

    public func deviceMemory(_ address: UInt32, count: Int) -> [UInt8] { endpoint.memory.read(address, count: count) }

    /// Starts a DMA transfer as the firmware would and runs until it ends; returns
    /// DMA_STATUS.ERROR.
    public func dma(local: UInt32, host address: UInt64, bytes: Int, fromHost: Bool) throws -> DMAError {
        firmwareWrite("DMA_LOCAL", local)
        firmwareWrite("DMA_HOST_LO", UInt32(truncatingIfNeeded: address))
        firmwareWrite("DMA_HOST_HI", UInt32(address >> 32))
        firmwareWrite("DMA_LENGTH", UInt32(truncatingIfNeeded: bytes))
        firmwareWrite("DMA_CONTROL", (fromHost ? 2 : 0) | 1)
        while endpoint.dmaBusy {
            guard try scheduler.runNext() else { throw HostError.stalled(what: "DMA") }
        }
        return DMAError(rawValue: UInt8(endpoint.csr.value(of: "DMA_STATUS", "ERROR"))) ?? .none
    }

    /// Host memory as the root complex holds it.
    public func hostMemory(_ address: UInt64, count: Int) -> [UInt8] { host.memory.read(address, count: count) }
    public func writeHostMemory(_ address: UInt64, _ bytes: [UInt8]) { host.memory.write(address, bytes) }

    // MARK: host software

    /// Runs until no event is left.
    public func runToCompletion() throws { try scheduler.runToCompletion() }

    public func run(for d: SimKernel.Duration) throws { try scheduler.run(until: scheduler.now + d) }

    private func result(_ tag: UInt8, _ what: String) throws -> [UInt8] {
        while true {
            if let r = host.takeResult(tag) {
                switch r {
                case .data(let bytes): return bytes
                case .status(let s): throw HostError.completion(what: what, s)
                case .timeout: throw HostError.timeout(what: what)
                }
            }
            guard try scheduler.runNext() else { throw HostError.stalled(what: what) }
        }
    }

    private func issue(_ request: (tag: UInt8, packet: WirePacket)?) throws -> UInt8 {
        guard let (tag, packet) = request else { throw HostError.noTag }
        try hostSend(packet)
        scheduler.schedule(after: host.configuration.requestTimeout, phase: .host, component: "root complex",
                           label: "request timeout") { [unowned self] s in self.host.expire(at: s.now) }
        return tag
    }

    /// Configuration dword `register` of the device, by CfgRd0.
    public func configRead(_ register: Int) throws -> UInt32 {
        let what = "CfgRd0 0x\(String(register * 4, radix: 16))"
        let tag = try issue(host.configRequest(register: register, value: nil, at: scheduler.now))
        let b = try result(tag, what)
        guard b.count == 4 else { throw HostError.completion(what: what, .completerAbort) }
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    /// Writes the enabled bytes of configuration dword `register` by CfgWr0.
    public func configWrite(_ register: Int, _ value: UInt32, firstBE: UInt8 = 0xF) throws {
        let what = "CfgWr0 0x\(String(register * 4, radix: 16))"
        let tag = try issue(host.configRequest(register: register, value: value, firstBE: firstBE, at: scheduler.now))
        _ = try result(tag, what)
    }

    /// `count` dwords of BAR0 from `offset`, by one MRd.
    public func mmioRead(_ offset: Int, dwords count: Int = 1) throws -> [UInt32] {
        let address = UInt64(host.configuration.bar0Base) + UInt64(offset)
        let tag = try issue(host.memoryRead(address: address, dwords: count, at: scheduler.now))
        let b = try result(tag, "MRd BAR0+0x\(String(offset, radix: 16))")
        return stride(from: 0, to: b.count - 3, by: 4).map { (i: Int) -> UInt32 in
            let lo = UInt32(b[i]) | UInt32(b[i + 1]) << 8
            return lo | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
        }
    }

    public func mmioRead(_ register: String) throws -> UInt32 {
        guard let r = EndpointRegisters.bar0Map.register(register) else { preconditionFailure("no BAR0 register \(register)") }
        return try mmioRead(r.offset)[0]
    }

    /// Posted MWr of `words` to BAR0 at `offset`.
    public func mmioWrite(_ offset: Int, _ words: [UInt32]) throws {
        try hostSend(host.memoryWrite(address: UInt64(host.configuration.bar0Base) + UInt64(offset), words: words))
    }

    public func mmioWrite(_ register: String, _ value: UInt32) throws {
        guard let r = EndpointRegisters.bar0Map.register(register) else { preconditionFailure("no BAR0 register \(register)") }
        try mmioWrite(r.offset, [value])
    }
}

import SimKernel

/// One DMA transfer between device memory and host memory (docs/pcie-endpoint.md).
struct DMATransfer: Sendable {
    enum Direction: Sendable { case toHost, fromHost }

    var direction: Direction
    var local: UInt32
    var host: UInt64
    var error: DMAError = .none
    /// Bytes that reached their destination (writes: handed to the link).
    var bytesDone = 0

    // Device to host: the MWr TLPs, issued one at a time as the previous one starts.
    var writes: [TLP] = []
    var writeBytes: [Int] = []
    var nextWrite = 0
    var sentWrites = 0
    /// When the last MWr's last bit leaves: the transfer is done then.
    var doneAt: Instant?

    // Host to device: the MRd pieces, tags, bytes outstanding and the reassembler.
    var pieces: [ByteRange] = []
    var nextPiece = 0
    var tags = TagPool()
    var tagBytes: [UInt8: Int] = [:]
    var outstandingBytes = 0
    var reassembler: CompletionReassembler
}

extension Endpoint {
    /// When the endpoint next needs `wake`: a transfer's end or a completion deadline.
    public var nextWakeup: Instant? {
        guard let d = dma else { return nil }
        return [d.doneAt, d.reassembler.nextDeadline].compactMap { $0 }.min()
    }

    /// Runs what is due at `now`: the end of a write transfer, completion timeouts.
    public mutating func wake(at now: Instant) {
        guard let d = dma else { return }
        if let t = d.doneAt, t <= now {
            finishDMA()
            return
        }
        for r in dma!.reassembler.expire(at: now) {
            count(.completionTimeouts)
            releaseTag(r.tag)
            failDMA(.completionTimeout)
        }
        issueReads(at: now)
    }

    mutating func startDMA(at now: Instant) {
        guard dma == nil else { return }
        let local = UInt32(csr.value(of: "DMA_LOCAL"))
        let host = csr.value(of: "DMA_HOST_HI") << 32 | csr.value(of: "DMA_HOST_LO")
        let length = Int(csr.value(of: "DMA_LENGTH", "BYTES"))
        let fromHost = csr.value(of: "DMA_CONTROL", "FROM_HOST") == 1
        dma = DMATransfer(direction: fromHost ? .fromHost : .toHost, local: local, host: host,
                          reassembler: CompletionReassembler(requester: id, timeout: configuration.completionTimeout))
        updateStatus()
        // The last 4 KiB of the 64-bit space are refused so that no split boundary overflows.
        if length == 0 || host > UInt64.max - UInt64(length) - 4096 {
            failDMA(.length)
        } else if UInt64(local) + UInt64(length) > 1 << 32 || !memory.contains(local, count: length) {
            failDMA(.localRange)
        } else if fromHost, let p = configuration.protectedRange,
                  p.overlaps(local ..< UInt32(truncatingIfNeeded: UInt64(local) + UInt64(length))) {
            failDMA(.localRange)
        } else if !config.busMasterEnabled {
            failDMA(.busMasterDisabled)
        }
        if dma!.error != .none {
            finishDMA()
            return
        }
        if fromHost {
            dma!.pieces = RequestRules.split(address: host, count: length, maxBytes: config.maxReadRequestSize)
            issueReads(at: now)
        } else {
            let mps = config.maxPayloadSize
            dma!.writes = RequestRules.writeRequests(address: host, data: memory.read(local, count: length),
                                                     maxPayload: mps, requester: id)
            dma!.writeBytes = RequestRules.split(address: host, count: length, maxBytes: mps).map(\.count)
            issueWrite()
        }
    }

    /// Issues the next MWr of a write transfer, unless bus mastering was turned off.
    mutating func issueWrite() {
        guard let d = dma, d.nextWrite < d.writes.count else { return }
        guard config.busMasterEnabled else {
            failDMA(.busMasterDisabled)
            finishDMA()
            return
        }
        let i = d.nextWrite
        dma!.nextWrite += 1
        dma!.bytesDone += d.writeBytes[i]
        send(d.writes[i], note: .dmaWrite(last: i == d.writes.count - 1))
    }

    /// Issues MRd requests while tags and completion buffer space allow, and ends the
    /// transfer once nothing is outstanding and nothing more will be issued.
    mutating func issueReads(at now: Instant) {
        while let d = dma, d.direction == .fromHost, d.error == .none, d.nextPiece < d.pieces.count {
            guard config.busMasterEnabled else {
                failDMA(.busMasterDisabled)
                break
            }
            let piece = d.pieces[d.nextPiece]
            if d.outstandingBytes > 0 && d.outstandingBytes + piece.count > configuration.completionBufferBytes { break }
            guard let tag = dma!.tags.allocate() else { break }
            let request = RequestRules.readRequests(address: piece.address, count: piece.count,
                                                    maxReadRequest: config.maxReadRequestSize,
                                                    requester: d.reassembler.requester, tags: [tag])[0]
            dma!.reassembler.expect(request, sent: now)
            dma!.tagBytes[tag] = piece.count
            dma!.outstandingBytes += piece.count
            dma!.nextPiece += 1
            send(.memoryRead(request))
        }
        if let d = dma, d.direction == .fromHost, d.reassembler.pending.isEmpty,
           d.error != .none || d.nextPiece == d.pieces.count {
            finishDMA()
        }
    }

    mutating func releaseTag(_ tag: UInt8) {
        dma!.tags.release(tag)
        dma!.outstandingBytes -= dma!.tagBytes.removeValue(forKey: tag) ?? 0
    }

    /// Records the transfer's first error; later ones do not replace it.
    mutating func failDMA(_ e: DMAError) {
        if dma!.error == .none { dma!.error = e }
    }

    mutating func finishDMA() {
        guard let d = dma else { return }
        dma = nil
        csr.set("DMA_STATUS", "ERROR", to: UInt64(d.error.rawValue))
        csr.set("DMA_DONE_BYTES", "BYTES", to: UInt64(d.bytesDone))
        raise(d.error == .none ? .dmaDone : .dmaError)
    }

    /// A completion arrived: for an outstanding DMA read it is checked, reassembled and,
    /// once its request is whole, written to device memory; anything else is discarded.
    mutating func completion(_ h: CompletionHeader, payload: [UInt8], at now: Instant) {
        guard let d = dma, d.direction == .fromHost, d.reassembler.pending[h.tag] != nil,
              h.requester == d.reassembler.requester else {
            count(.unexpectedCompletion)
            return
        }
        if h.flags.poisoned {
            config.raise("STATUS", "DETECTED_PARITY_ERROR")
            count(.poisoned)
            _ = dma!.reassembler.abandon(tag: h.tag)
            releaseTag(h.tag)
            failDMA(.poisoned)
            issueReads(at: now)
            return
        }
        if h.status == .successful && !payload.isEmpty {
            // At most MPS of data, and every completion but the last ends on a 64-byte boundary:
            // the smallest RCB, so that a wrongly programmed RCB bit cannot make the device
            // refuse a conforming root complex's completions.
            let valid = payload.count - Int(h.lowerAddress & 3)
            let end = Int(h.lowerAddress & 0x7C) + payload.count
            if payload.count > config.maxPayloadSize || (h.byteCount > valid && end % 64 != 0) {
                count(.completionMismatch)
                return
            }
        }
        let outcome: CompletionReassembler.Outcome
        do {
            outcome = try dma!.reassembler.accept(h, payload: payload)
        } catch {
            count(.completionMismatch)
            return
        }
        count(.completions)
        switch outcome {
        case .partial:
            break
        case .done(let tag, let request, let data):
            let first = request.address + UInt64(ByteEnables.firstOffset(request.firstBE))
            memory.write(d.local + UInt32(first - d.host), data)
            dma!.bytesDone += data.count
            releaseTag(tag)
        case .failed(let tag, _, let status):
            count(status == .completerAbort ? .completionCA : .completionUR)
            releaseTag(tag)
            failDMA(status == .completerAbort ? .completerAbort : .unsupportedRequest)
        }
        issueReads(at: now)
    }
}

import SimKernel

/// Request and completion rules as pure functions: splitting DMA transfers into
/// requests, forming completions under the read completion boundary, reassembling
/// completions by tag, and the completion timeout in simulated time.

/// A byte range of a DMA transfer that one request covers.
public struct ByteRange: Hashable, Sendable, CustomStringConvertible {
    public var address: UInt64
    public var count: Int

    public init(address: UInt64, count: Int) {
        self.address = address
        self.count = count
    }

    public var end: UInt64 { address + UInt64(count) }
    public var description: String { "0x\(String(address, radix: 16))+\(count)" }
}

/// Power-of-two sizes used by Device Control (MPS, MRRS) and Link Control (RCB).
public enum PCIeSize {
    /// Bytes for a Device Control MPS/MRRS encoding (000 = 128 ... 101 = 4096); nil if reserved.
    public static func bytes(encoding: UInt8) -> Int? { encoding <= 5 ? 128 << Int(encoding) : nil }

    /// The encoding of a size in bytes; nil unless it is 128...4096 and a power of two.
    public static func encoding(bytes: Int) -> UInt8? {
        guard bytes >= 128, bytes <= 4096, bytes & (bytes - 1) == 0 else { return nil }
        return UInt8(bytes.trailingZeroBitCount - 7)
    }
}

public enum RequestRules {
    /// Splits `count` bytes at `address` into pieces that each fit one request of at most
    /// `maxBytes` (MRRS for reads, MPS for writes, a power of two from 128 to 4096) and
    /// never cross a 4 KiB boundary. Pieces end on `maxBytes`-aligned addresses, so each
    /// needs at most `maxBytes / 4` dwords even when the transfer is unaligned.
    public static func split(address: UInt64, count: Int, maxBytes: Int) -> [ByteRange] {
        precondition(PCIeSize.encoding(bytes: maxBytes) != nil, "max size must be a power of two, 128...4096")
        precondition(count >= 0)
        var pieces: [ByteRange] = []
        var at = address
        let end = address + UInt64(count)
        while at < end {
            let boundary = (at / UInt64(maxBytes) + 1) * UInt64(maxBytes)   // also a 4 KiB multiple's divisor
            let pieceEnd = min(end, boundary)
            pieces.append(ByteRange(address: at, count: Int(pieceEnd - at)))
            at = pieceEnd
        }
        return pieces
    }

    /// The MRd headers for a device read of `count` bytes at `address`, one per piece of
    /// `split(maxBytes: maxReadRequest)`, tagged with `tags` in order (one tag per request).
    public static func readRequests(address: UInt64, count: Int, maxReadRequest: Int,
                                    requester: PCIeID, tags: [UInt8], flags: TLPFlags = .none) -> [MemoryReadHeader] {
        let pieces = split(address: address, count: count, maxBytes: maxReadRequest)
        precondition(tags.count >= pieces.count, "one tag per request")
        return zip(pieces, tags).map { piece, tag in
            let c = ByteEnables.cover(address: piece.address, count: piece.count)
            return MemoryReadHeader(requester: requester, tag: tag, address: c.dwordAddress, length: c.length,
                                    firstBE: c.firstBE, lastBE: c.lastBE, flags: flags)
        }
    }

    /// The MWr TLPs for a device write of `data` at `address`, split by max payload size.
    /// Disabled bytes in the first and last dword are sent as zero.
    public static func writeRequests(address: UInt64, data: [UInt8], maxPayload: Int,
                                     requester: PCIeID, flags: TLPFlags = .none) -> [TLP] {
        split(address: address, count: data.count, maxBytes: maxPayload).map { piece in
            let c = ByteEnables.cover(address: piece.address, count: piece.count)
            var payload = [UInt8](repeating: 0, count: c.length * 4)
            let lead = Int(piece.address - c.dwordAddress)
            let from = Int(piece.address - address)
            payload.replaceSubrange(lead ..< lead + piece.count, with: data[from ..< from + piece.count])
            return .memoryWrite(MemoryWriteHeader(requester: requester, tag: 0, address: c.dwordAddress,
                                                  firstBE: c.firstBE, lastBE: c.lastBE, flags: flags),
                                payload: payload)
        }
    }

    /// Lower Address of the first completion for a memory read: address bits 6:2 and the
    /// offset of the first enabled byte.
    public static func lowerAddress(of request: MemoryReadHeader) -> UInt8 {
        UInt8(truncatingIfNeeded: request.address & 0x7C) | UInt8(ByteEnables.firstOffset(request.firstBE))
    }

    /// The completions a completer returns for `request`, given the dwords it reads
    /// (`data.count == 4 * request.length`). Every completion but the last ends on a
    /// naturally aligned `readCompletionBoundary` (64 or 128); each carries at most
    /// `maxPayload` bytes and as many whole RCB blocks as fit (pass `maxPayload ==
    /// readCompletionBoundary` for RCB-sized completions, as many root complexes send).
    /// Byte Count is the bytes still to be returned including this completion; Lower
    /// Address is the low 7 bits of its first valid byte.
    public static func completions(for request: MemoryReadHeader, data: [UInt8], completer: PCIeID,
                                   readCompletionBoundary rcb: Int, maxPayload: Int) -> [TLP] {
        precondition(rcb == 64 || rcb == 128, "RCB is 64 or 128 bytes")
        precondition(maxPayload >= rcb && maxPayload <= 4096 && maxPayload & (maxPayload - 1) == 0,
                     "completion payload limit is a power of two from the RCB to 4096")
        precondition(data.count == 4 * request.length, "data covers the requested dwords")
        let total = ByteEnables.byteCount(length: request.length, firstBE: request.firstBE, lastBE: request.lastBE)
        let firstByte = request.address + UInt64(ByteEnables.firstOffset(request.firstBE))
        let endDW = request.address + UInt64(4 * request.length)
        var out: [TLP] = []
        var at = request.address          // dword address of the next completion's payload
        var remaining = total
        while at < endDW {
            // Furthest RCB boundary within maxPayload of `at`, or the end.
            let limit = at + UInt64(maxPayload)
            let segEnd = limit >= endDW ? endDW : limit / UInt64(rcb) * UInt64(rcb)
            let validStart = max(at, firstByte)
            let header = CompletionHeader(completer: completer, byteCount: remaining, requester: request.requester,
                                          tag: request.tag, lowerAddress: UInt8(validStart & 0x7F),
                                          flags: TLPFlags(trafficClass: request.flags.trafficClass,
                                                          relaxedOrdering: request.flags.relaxedOrdering,
                                                          noSnoop: request.flags.noSnoop))
            let from = Int(at - request.address), to = Int(segEnd - request.address)
            out.append(.completionWithData(header, payload: Array(data[from ..< to])))
            // Bytes this completion returns: from its first valid byte to its end (or the last valid byte).
            let validEnd = min(segEnd, firstByte + UInt64(total))
            remaining -= Int(validEnd - validStart)
            at = segEnd
        }
        return out
    }

    /// The CplD answering a configuration read: Length 1, Byte Count 4, Lower Address 0.
    public static func configReadCompletion(for request: ConfigRequestHeader, completer: PCIeID,
                                            value: UInt32) -> TLP {
        .completionWithData(CompletionHeader(completer: completer, byteCount: 4, requester: request.requester,
                                             tag: request.tag, lowerAddress: 0),
                            payload: [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF),
                                      UInt8((value >> 16) & 0xFF), UInt8(value >> 24)])
    }

    /// A completion without data for a non-posted request: the successful Cpl of a
    /// configuration write, or an unsuccessful status for any request. Memory reads keep
    /// their Byte Count and Lower Address; configuration requests use 4 and 0.
    public static func completionWithoutData(for request: TLP, completer: PCIeID,
                                             status: CompletionStatus) -> TLP? {
        switch request {
        case .memoryRead(let h):
            return .completion(CompletionHeader(
                completer: completer, status: status,
                byteCount: ByteEnables.byteCount(length: h.length, firstBE: h.firstBE, lastBE: h.lastBE),
                requester: h.requester, tag: h.tag, lowerAddress: lowerAddress(of: h),
                flags: TLPFlags(trafficClass: h.flags.trafficClass, relaxedOrdering: h.flags.relaxedOrdering,
                                noSnoop: h.flags.noSnoop)))
        case .configRead(let h), .configWrite(let h, _):
            return .completion(CompletionHeader(completer: completer, status: status, byteCount: 4,
                                                requester: h.requester, tag: h.tag, lowerAddress: 0))
        case .memoryWrite, .completion, .completionWithData, .vendorMessage:
            return nil   // posted requests and completions are never completed
        }
    }
}

/// Tags for outstanding non-posted requests: 32 by default (5-bit tags), 256 with the
/// Extended Tag Field enabled. Lowest free tag first, so runs are reproducible.
public struct TagPool: Hashable, Sendable {
    public let capacity: Int
    private var inUse: [Bool]

    public init(extendedTags: Bool = false) {
        capacity = extendedTags ? 256 : 32
        inUse = Array(repeating: false, count: capacity)
    }

    public var available: Int { inUse.lazy.filter { !$0 }.count }

    public mutating func allocate() -> UInt8? {
        guard let i = inUse.firstIndex(of: false) else { return nil }
        inUse[i] = true
        return UInt8(i)
    }

    public mutating func release(_ tag: UInt8) {
        precondition(Int(tag) < capacity && inUse[Int(tag)], "tag \(tag) is not outstanding")
        inUse[Int(tag)] = false
    }

    public func isOutstanding(_ tag: UInt8) -> Bool { Int(tag) < capacity && inUse[Int(tag)] }
}

/// Why a completion was not accepted by the reassembler.
public enum CompletionError: Error, Hashable, Sendable, CustomStringConvertible {
    case unexpectedTag(UInt8)
    case wrongRequester(tag: UInt8, PCIeID)
    case wrongByteCount(tag: UInt8, expected: Int, got: Int)
    case wrongLowerAddress(tag: UInt8, expected: UInt8, got: UInt8)
    case tooMuchData(tag: UInt8, expected: Int, got: Int)
    /// A successful completion of a read without data (a Cpl, not a CplD).
    case missingData(tag: UInt8)

    public var description: String {
        switch self {
        case .unexpectedTag(let t): "Tag: no request outstanding with tag \(t)"
        case .wrongRequester(let t, let id): "Requester ID: completion for tag \(t) is addressed to \(id)"
        case .wrongByteCount(let t, let e, let g): "Byte Count: tag \(t) expected \(e) remaining bytes, got \(g)"
        case .wrongLowerAddress(let t, let e, let g):
            "Lower Address: tag \(t) expected 0x\(hex(e, width: 2)), got 0x\(hex(g, width: 2))"
        case .tooMuchData(let t, let e, let g): "Length: tag \(t) expected at most \(e) DW, got \(g)"
        case .missingData(let t): "Fmt: successful completion for read tag \(t) carries no data"
        }
    }
}

/// Completion timeout: a finite simulated duration. The default range the base
/// specification gives is 50 µs to 50 ms; the default here is 50 ms.
public struct CompletionTimeout: Hashable, Sendable {
    public let duration: SimKernel.Duration

    public init(_ duration: SimKernel.Duration) {
        precondition(duration > .zero, "a completion timeout is finite and positive")
        self.duration = duration
    }

    public static let `default` = CompletionTimeout(.ms(50))
}

/// Reassembles completions of outstanding memory reads by tag, checking Byte Count and
/// Lower Address against what the request still expects. A value type: the endpoint
/// model owns one and feeds it every completion it receives.
public struct CompletionReassembler: Hashable, Sendable {
    public struct Pending: Hashable, Sendable {
        public var request: MemoryReadHeader
        public var deadline: Instant
        /// Valid bytes received so far, in address order.
        public var data: [UInt8]
        public var remaining: Int
        public var nextAddress: UInt64      // byte address of the next valid byte expected
    }

    /// What a completion led to.
    public enum Outcome: Hashable, Sendable {
        /// More completions are due for this tag.
        case partial(tag: UInt8)
        /// All bytes arrived: the requested bytes (first to last enabled byte).
        case done(tag: UInt8, request: MemoryReadHeader, data: [UInt8])
        /// The completer answered with an unsuccessful status; the request is over.
        case failed(tag: UInt8, request: MemoryReadHeader, status: CompletionStatus)
    }

    public let requester: PCIeID
    public let timeout: CompletionTimeout
    public private(set) var pending: [UInt8: Pending] = [:]

    public init(requester: PCIeID, timeout: CompletionTimeout = .default) {
        self.requester = requester
        self.timeout = timeout
    }

    /// Starts tracking a read sent at `sent`.
    public mutating func expect(_ request: MemoryReadHeader, sent: Instant) {
        precondition(pending[request.tag] == nil, "tag \(request.tag) is already outstanding")
        let total = ByteEnables.byteCount(length: request.length, firstBE: request.firstBE, lastBE: request.lastBE)
        pending[request.tag] = Pending(request: request, deadline: sent + timeout.duration, data: [],
                                       remaining: total,
                                       nextAddress: request.address + UInt64(ByteEnables.firstOffset(request.firstBE)))
    }

    /// Accepts one completion (`.completion` or `.completionWithData`).
    public mutating func accept(_ completion: CompletionHeader, payload: [UInt8]) throws(CompletionError) -> Outcome {
        let tag = completion.tag
        guard var p = pending[tag] else { throw .unexpectedTag(tag) }
        if completion.requester != requester { throw .wrongRequester(tag: tag, completion.requester) }
        if completion.status != .successful {
            pending[tag] = nil
            return .failed(tag: tag, request: p.request, status: completion.status)
        }
        if completion.byteCount != p.remaining {
            throw .wrongByteCount(tag: tag, expected: p.remaining, got: completion.byteCount)
        }
        let expectedLA = UInt8(p.nextAddress & 0x7F)
        if completion.lowerAddress != expectedLA {
            throw .wrongLowerAddress(tag: tag, expected: expectedLA, got: completion.lowerAddress)
        }
        let lead = Int(p.nextAddress & 3)
        if payload.count <= lead { throw .missingData(tag: tag) }
        let maxDW = (lead + p.remaining + 3) / 4
        if payload.count / 4 > maxDW { throw .tooMuchData(tag: tag, expected: maxDW, got: payload.count / 4) }
        let valid = min(payload.count - lead, p.remaining)
        p.data += payload[lead ..< lead + valid]
        p.remaining -= valid
        p.nextAddress += UInt64(valid)
        // A zero-length read is answered by one dword with Byte Count 1 and no valid data.
        if p.remaining <= 0 || (p.request.firstBE == 0 && p.request.length == 1) {
            pending[tag] = nil
            let data = p.request.firstBE == 0 && p.request.length == 1 ? [] : p.data
            return .done(tag: tag, request: p.request, data: data)
        }
        pending[tag] = p
        return .partial(tag: tag)
    }

    /// Stops tracking `tag` (its request is over for another reason, e.g. a poisoned
    /// completion) and returns its request; nil if it was not outstanding.
    public mutating func abandon(tag: UInt8) -> MemoryReadHeader? {
        pending.removeValue(forKey: tag)?.request
    }

    /// The earliest deadline among outstanding requests, for scheduling a timeout check.
    public var nextDeadline: Instant? { pending.values.map(\.deadline).min() }

    /// Removes and returns the requests whose completion timeout has expired at `now`
    /// (deadline ≤ now), in tag order.
    public mutating func expire(at now: Instant) -> [MemoryReadHeader] {
        let expired = pending.values.filter { $0.deadline <= now }.map(\.request).sorted { $0.tag < $1.tag }
        for r in expired { pending[r.tag] = nil }
        return expired
    }
}

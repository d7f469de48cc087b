import Testing
@testable import PCIe
import SimKernel

/// The host's stream offers its packets in an order that depends only on the packets and
/// their instants, not on how its owner interleaves edges with `send(_:at:)`: the SoC
/// lock-step's two hosts (one stepped edge by edge, one brought lazily) queue the storm's
/// next batch before or after taking a device read whose answers are due earlier.
@Suite struct HostStreamTests {
    static let userPeriod: UInt64 = 16_000

    /// Presents `p` to `host` as the device's transmitted packet, one dword per user
    /// edge, from the edge at `firstEdge` on; returns the edge after its last dword.
    static func deviceSends(_ p: WirePacket, to host: HostStream, firstEdge: UInt64) -> UInt64 {
        var t = firstEdge
        for (k, w) in p.dwords.enumerated() {
            _ = host.prepare(now: Instant(picoseconds: t - userPeriod))
            host.observe(DeviceStreamBeat(rxReady: false, data: w, sop: k == 0, eop: k == p.dwords.count - 1, valid: true),
                         at: Instant(picoseconds: t))
            t += userPeriod
        }
        return t
    }

    /// The packets the host offers over the user edges from `from` while the device
    /// takes every dword (`count` edges).
    static func offered(by host: HostStream, from: UInt64, edges count: Int) -> [[UInt32]] {
        var packets: [[UInt32]] = [], current: [UInt32] = []
        var t = from
        for _ in 0..<count {
            let b = host.prepare(now: Instant(picoseconds: t - userPeriod))
            host.observe(DeviceStreamBeat(rxReady: true, data: 0, sop: false, eop: false, valid: false),
                         at: Instant(picoseconds: t))
            if b.valid {
                current.append(b.data)
                if b.eop { packets.append(current); current = [] }
            }
            t += userPeriod
        }
        return packets
    }

    @Test func answersAndTimedPacketsKeepOneOrderWhateverTheInterleaving() throws {
        let read = RequestRules.readRequests(address: 0x1000_0000, count: 64, maxReadRequest: 4096,
                                             requester: PCIeID(rawValue: 0x0100), tags: [0])[0]
        let request = try WirePacket(.memoryRead(read))
        let start = 10 * Self.userPeriod
        let readTaken = start + UInt64(request.dwords.count) * Self.userPeriod
        let answerDue = readTaken - Self.userPeriod + HostConfiguration().readLatency.picoseconds
        // two batches of host software's packets: one due before the answer, one after it
        let early = try WirePacket(.memoryWrite(MemoryWriteHeader(requester: PCIeID(rawValue: 0), tag: 1, address: 0xF000_0000,
                                                                 firstBE: 0xF, lastBE: 0), payload: [1, 2, 3, 4]))
        let late = try WirePacket(.memoryWrite(MemoryWriteHeader(requester: PCIeID(rawValue: 0), tag: 2, address: 0xF000_0010,
                                                                firstBE: 0xF, lastBE: 0), payload: [5, 6, 7, 8]))
        let earlyAt = Instant(picoseconds: answerDue - 20 * Self.userPeriod)
        let lateAt = Instant(picoseconds: answerDue + 10 * Self.userPeriod)
        #expect(earlyAt.picoseconds > readTaken)

        // the host that queues both batches before taking the device's read
        let first = HostStream()
        first.send(early, at: earlyAt)
        first.send(late, at: lateAt)
        _ = Self.deviceSends(request, to: first, firstEdge: start)
        // the host that takes the read, then queues both batches
        let second = HostStream()
        _ = Self.deviceSends(request, to: second, firstEdge: start)
        second.send(early, at: earlyAt)
        second.send(late, at: lateAt)

        let a = Self.offered(by: first, from: readTaken, edges: 400)
        let b = Self.offered(by: second, from: readTaken, edges: 400)
        #expect(a == b)
        // by time: the early batch, the read's completion, the late batch
        #expect(a.count == 3)
        #expect(a.first == early.dwords && a.last == late.dwords)
        #expect(a.count == 3 && a[1].first.map { $0 >> 24 } == 0x4A)
    }
}

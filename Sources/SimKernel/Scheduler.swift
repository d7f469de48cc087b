import HeapModule

/// The order of events that fall on the same instant: lower phases run first.
/// Clock edges come before the device events they may cause, which come before
/// link and host actions; within one phase, events run in the order they were
/// scheduled (the sequence number), so the order never depends on a hash or on
/// the heap's layout.
public struct EventPhase: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rank: UInt8
    public init(rank: UInt8) { self.rank = rank }

    /// Clock edges (several domains at one instant: in the domains' declared order).
    public static let clockEdge = EventPhase(rank: 0)
    /// Device-internal events: a timer expiry, a UART bit time, a DMA step.
    public static let device = EventPhase(rank: 1)
    /// Something arriving over the PCIe link.
    public static let link = EventPhase(rank: 2)
    /// Host actions: the root complex, the host CPU and its software.
    public static let host = EventPhase(rank: 3)

    public static func < (a: EventPhase, b: EventPhase) -> Bool { a.rank < b.rank }
    public var description: String {
        switch rank {
        case 0: return "clockEdge"
        case 1: return "device"
        case 2: return "link"
        case 3: return "host"
        default: return "phase\(rank)"
        }
    }
}

/// The total order of events: (time, phase, sequence number).
public struct EventKey: Hashable, Comparable, Sendable {
    public let time: Instant
    public let phase: EventPhase
    public let sequence: UInt64

    public static func < (a: EventKey, b: EventKey) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.phase != b.phase { return a.phase < b.phase }
        return a.sequence < b.sequence
    }
}

/// A handle to a scheduled event, to cancel it.
public struct EventID: Hashable, Sendable {
    public let sequence: UInt64
}

/// An event that threw: the run stops with the component, the event's label
/// and the instant named.
public struct EventFailure: Error, CustomStringConvertible {
    public let component: String
    public let label: String
    public let time: Instant
    public let underlying: any Error

    public var description: String {
        "event '\(label)' of \(component) at \(time.picoseconds) ps failed: \(underlying)"
    }
}

/// A small deterministic discrete-event scheduler. Components say when they
/// next need attention; the scheduler runs the actions in (time, phase,
/// sequence) order and owns `now`. It knows nothing about buses or CPUs.
public final class Scheduler {
    public typealias Action = (Scheduler) throws -> Void

    private struct Pending {
        let component: String
        let label: String
        let action: Action
    }

    public private(set) var now: Instant = .zero
    private var queue = Heap<EventKey>()
    private var pending: [UInt64: Pending] = [:]
    private var nextSequence: UInt64 = 0
    /// How many events have run (a statistic; cancelled events do not count).
    public private(set) var eventsRun: UInt64 = 0

    public init() {}

    /// Schedules `action` at `time` (not before `now`).
    @discardableResult
    public func schedule(at time: Instant, phase: EventPhase = .device, component: String,
                         label: String, _ action: @escaping Action) -> EventID {
        precondition(time >= now, "\(component): '\(label)' scheduled at \(time.picoseconds) ps, before now (\(now.picoseconds) ps)")
        let seq = nextSequence
        nextSequence += 1
        queue.insert(EventKey(time: time, phase: phase, sequence: seq))
        pending[seq] = Pending(component: component, label: label, action: action)
        return EventID(sequence: seq)
    }

    /// Schedules `action` a duration after `now`.
    @discardableResult
    public func schedule(after delay: Duration, phase: EventPhase = .device, component: String,
                         label: String, _ action: @escaping Action) -> EventID {
        schedule(at: now + delay, phase: phase, component: component, label: label, action)
    }

    /// Cancels a scheduled event; cancelling one that ran or was cancelled does nothing.
    public func cancel(_ id: EventID) { pending[id.sequence] = nil }

    /// Whether an event is still waiting to run.
    public func isPending(_ id: EventID) -> Bool { pending[id.sequence] != nil }

    /// The key of the next event that will run, if any.
    public var nextEvent: EventKey? {
        while let top = queue.min {
            if pending[top.sequence] != nil { return top }
            queue.removeMin()
        }
        return nil
    }

    /// Runs the next event, advancing `now` to its time. Returns false when none is left.
    @discardableResult
    public func runNext() throws -> Bool {
        guard let key = nextEvent else { return false }
        queue.removeMin()
        let event = pending.removeValue(forKey: key.sequence)!
        now = key.time
        eventsRun += 1
        do {
            try event.action(self)
        } catch {
            throw EventFailure(component: event.component, label: event.label, time: key.time, underlying: error)
        }
        return true
    }

    /// Runs every event at or before `limit`, then sets `now` to `limit`.
    /// Events scheduled during the run are taken too if they fall within the limit.
    public func run(until limit: Instant) throws {
        while let key = nextEvent, key.time <= limit {
            try runNext()
        }
        if limit > now { now = limit }
    }

    /// Runs until no event is left.
    public func runToCompletion() throws {
        while try runNext() {}
    }
}

/// The rising edges of several clock domains merged into one deterministic
/// stream: by time, then by the domains' declared order (index in `clocks`).
/// Domain k's edge n is at n × period(k); every domain has an edge at time 0.
public struct ClockEdges: Sequence, IteratorProtocol {
    public struct Edge: Hashable, Sendable {
        public let time: Instant
        public let domain: Int
        /// The cycle this edge starts in its own domain (0 at time 0).
        public let cycle: UInt64
        public init(time: Instant, domain: Int, cycle: UInt64) {
            self.time = time
            self.domain = domain
            self.cycle = cycle
        }
    }

    public let clocks: [Clock]
    private var nextCycle: [UInt64]

    public init(clocks: [Clock]) {
        precondition(!clocks.isEmpty, "ClockEdges needs at least one clock")
        self.clocks = clocks
        self.nextCycle = Array(repeating: 0, count: clocks.count)
    }

    /// Starts at the first edge at or after `t` in every domain.
    public init(clocks: [Clock], from t: Instant) {
        self.init(clocks: clocks)
        for (k, c) in clocks.enumerated() {
            let p = c.period.picoseconds
            nextCycle[k] = (t.picoseconds + p - 1) / p
        }
    }

    /// The edge `next()` would give, without taking it (no copy of the state).
    public func peek() -> Edge {
        var best = 0
        var bestTime = clocks[0].instant(ofCycle: nextCycle[0])
        for k in 1..<clocks.count {
            let t = clocks[k].instant(ofCycle: nextCycle[k])
            if t < bestTime { best = k; bestTime = t }
        }
        return Edge(time: bestTime, domain: best, cycle: nextCycle[best])
    }

    /// Starts over at the first edge at or after `t` in every domain, in place
    /// (as `init(clocks:from:)` with the same clocks).
    public mutating func restart(from t: Instant) {
        for k in clocks.indices {
            let p = clocks[k].period.picoseconds
            nextCycle[k] = (t.picoseconds + p - 1) / p
        }
    }

    public mutating func next() -> Edge? {
        var best = 0
        var bestTime = clocks[0].instant(ofCycle: nextCycle[0])
        for k in 1..<clocks.count {
            let t = clocks[k].instant(ofCycle: nextCycle[k])
            if t < bestTime { best = k; bestTime = t }
        }
        let edge = Edge(time: bestTime, domain: best, cycle: nextCycle[best])
        nextCycle[best] += 1
        return edge
    }
}

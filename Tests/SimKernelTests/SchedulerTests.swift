import Testing
@testable import SimKernel

@Suite struct SchedulerTests {
    struct Boom: Error {}

    @Test func sameInstantOrderIsPhaseThenSequence() throws {
        let s = Scheduler()
        var log: [String] = []
        let t = Instant(picoseconds: 1_000)
        s.schedule(at: t, phase: .host, component: "h", label: "h1") { _ in log.append("host1") }
        s.schedule(at: t, phase: .device, component: "d", label: "d1") { _ in log.append("dev1") }
        s.schedule(at: t, phase: .clockEdge, component: "c", label: "c") { _ in log.append("edge") }
        s.schedule(at: t, phase: .device, component: "d", label: "d2") { _ in log.append("dev2") }
        s.schedule(at: Instant(picoseconds: 999), phase: .host, component: "h", label: "early") { _ in log.append("early") }
        try s.runToCompletion()
        #expect(log == ["early", "edge", "dev1", "dev2", "host1"])
        #expect(s.now == t)
        #expect(s.eventsRun == 5)
    }

    @Test func eventsScheduledDuringARunAreOrdered() throws {
        let s = Scheduler()
        var log: [UInt64] = []
        // A periodic event that reschedules itself, and one that lands between.
        func tick(_ s: Scheduler) {
            log.append(s.now.picoseconds)
            if s.now.picoseconds < 40 { s.schedule(after: .ps(10), component: "t", label: "tick", tick) }
        }
        s.schedule(at: .zero, component: "t", label: "tick", tick)
        s.schedule(at: Instant(picoseconds: 25), component: "x", label: "x") { _ in log.append(1_025) }
        try s.run(until: Instant(picoseconds: 30))
        #expect(log == [0, 10, 20, 1_025, 30])
        #expect(s.now == Instant(picoseconds: 30))
        try s.run(until: Instant(picoseconds: 100))
        #expect(log == [0, 10, 20, 1_025, 30, 40])
        #expect(s.now == Instant(picoseconds: 100))
        #expect(s.nextEvent == nil)
    }

    @Test func cancelledEventsDoNotRun() throws {
        let s = Scheduler()
        var ran = false
        let id = s.schedule(at: Instant(picoseconds: 5), component: "c", label: "x") { _ in ran = true }
        #expect(s.isPending(id))
        s.cancel(id)
        #expect(!s.isPending(id))
        #expect(s.nextEvent == nil)
        try s.runToCompletion()
        #expect(!ran)
    }

    @Test func aFailureNamesComponentLabelAndTime() {
        let s = Scheduler()
        s.schedule(at: Instant(picoseconds: 77), component: "uart", label: "bit") { _ in throw Boom() }
        #expect {
            try s.runToCompletion()
        } throws: { e in
            guard let f = e as? EventFailure else { return false }
            return f.component == "uart" && f.label == "bit" && f.time.picoseconds == 77
                && f.description.contains("uart") && f.description.contains("77 ps")
        }
    }

    @Test func sameScheduleGivesSameOrderWhateverTheInsertionPattern() throws {
        // Many events at few instants: the order is the key order, whatever the heap does.
        var rng = SplitMix64(seed: 9)
        let s = Scheduler()
        var log: [EventKey] = []
        var keys: [EventKey] = []
        for i in 0..<500 {
            let t = Instant(picoseconds: rng.next() % 7)
            let ph = EventPhase(rank: UInt8(rng.next() % 4))
            let id = s.schedule(at: t, phase: ph, component: "c", label: "\(i)") { s in
                log.append(s.nextEvent ?? EventKey(time: s.now, phase: ph, sequence: UInt64(i)))
            }
            keys.append(EventKey(time: t, phase: ph, sequence: id.sequence))
        }
        var order: [UInt64] = []
        while let k = s.nextEvent { order.append(k.sequence); try s.runNext() }
        #expect(order == keys.sorted().map(\.sequence))
    }

    @Test func clockEdgesOfTwoDomains() {
        // 80 MHz (12 500 ps) and 62.5 MHz (16 000 ps): they meet at 400 000 ps (their least common multiple),
        // where the declared order (system first) decides.
        let sys = Clock(name: "sys", period: .ps(12_500))
        let pcie = Clock(name: "pcie", period: .ps(16_000))
        var edges = ClockEdges(clocks: [sys, pcie])
        let first = (0..<10).map { _ in edges.next()! }
        #expect(first.map(\.time.picoseconds) == [0, 0, 12_500, 16_000, 25_000, 32_000, 37_500, 48_000, 50_000, 62_500])
        #expect(first.map(\.domain) == [0, 1, 0, 1, 0, 1, 0, 1, 0, 0])
        var all = ClockEdges(clocks: [sys, pcie])
        var atLCM: [ClockEdges.Edge] = []
        while let e = all.next(), e.time.picoseconds <= 400_000 {
            if e.time.picoseconds == 400_000 { atLCM.append(e) }
        }
        #expect(atLCM.map(\.domain) == [0, 1])
        #expect(atLCM.map(\.cycle) == [32, 25])
        var from = ClockEdges(clocks: [sys, pcie], from: Instant(picoseconds: 30_000))
        #expect(from.next()! == ClockEdges.Edge(time: Instant(picoseconds: 32_000), domain: 1, cycle: 2))
        #expect(from.next()! == ClockEdges.Edge(time: Instant(picoseconds: 37_500), domain: 0, cycle: 3))
    }
}

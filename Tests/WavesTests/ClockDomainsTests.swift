import Foundation
import SimKernel
import SoC
import Testing
import Verilated
import Waves

/// Two clock domains, model against RTL: the toy of RTL/toy/socsim_toy_top.v
/// (built by RTL/build.sh as profile toy-clocks) on the SoC description's
/// system clock and PCIe user clock, driven by the bridge, against a Swift
/// model of the same toy stepped on `ClockEdges`. The edge order and the
/// whole VCD (both clocks, both domains' registers, every change's time)
/// must be identical. A missing library FAILS with how to build it.
@Suite struct ClockDomainsTests {
    /// The toy's registers, as the Verilog declares them.
    struct Toy {
        var sysCount: UInt8 = 0, sysFlag = false
        var pcieCount: UInt8 = 0, sync1 = false, sync2 = false

        /// The rising edge of the system clock: count; toggle the flag at
        /// every edge where the count's low three bits were 0.
        mutating func sysEdge() {
            if sysCount & 7 == 0 { sysFlag.toggle() }
            sysCount &+= 1
        }

        /// The rising edge of the PCIe user clock: count; the two-flop
        /// synchroniser samples the flag as it is after every edge before.
        mutating func pcieEdge() {
            pcieCount &+= 1
            sync2 = sync1
            sync1 = sysFlag
        }
    }

    static let top = "socsim_toy_top"

    /// The SoC's domains, in the description's order: sys_clk, pcie_user_clk.
    static func clocks() throws -> [Clock] { try SoCDescription.milkymist().clocks }

    /// The model's VCD of the first `n` rising edges (with the falling edges
    /// the bridge makes before the next rising one), names and timing as the
    /// bridge writes them (bridge.h, "multi-clock tops"). `order` lists the
    /// domains in the order their edges act at a shared instant.
    static func modelVCD(clocks: [Clock], edges n: Int, order: [Int]? = nil) throws -> (vcd: [UInt8], edges: [ClockEdges.Edge]) {
        let sys = 0, pcie = try #require(clocks.firstIndex { $0.name == SoCDescription.pcieUserClock.name })
        var stream = ClockEdges(clocks: clocks)
        let rises = (0...n).map { _ in stream.next()! }
        let after = rises[n]
        let rank = order.map { o in { (d: Int) in o.firstIndex(of: d)! } } ?? { $0 }
        // (time, domain, rising); falling edges at n·P + P/2 before the next rise
        var transitions = rises.prefix(n).map { (time: $0.time.picoseconds, domain: $0.domain, rising: true) }
        for e in rises.prefix(n) {
            let t = e.time.picoseconds + clocks[e.domain].period.picoseconds / 2
            if (t, e.domain) < (after.time.picoseconds, after.domain) { transitions.append((t, e.domain, false)) }
        }
        transitions.sort { ($0.time, rank($0.domain)) < ($1.time, rank($1.domain)) }

        var bytes: [UInt8] = []
        let w = VCDWriter(version: "SoCSim toy model") { bytes += $0 }
        func signal(_ name: String, _ width: Int) -> VCDWriter.Signal {
            let s = w.declare(scope: ["TOP"], name: name, width: width)
            w.alias(s, scope: ["TOP", top], name: name)
            return s
        }
        let clk = clocks.map { signal($0.name, 1) }
        let sysCount = signal("sys_count", 8), sysFlag = signal("sys_flag", 1)
        let pcieCount = signal("pcie_count", 8), sync1 = signal("sync1", 1), sync2 = signal("sync2", 1)
        var toy = Toy()
        var level = [Bool](repeating: false, count: clocks.count)
        func values() -> [UInt64] {
            var v = level.map { $0 ? UInt64(1) : 0 }
            v += [UInt64(toy.sysCount), toy.sysFlag ? 1 : 0, UInt64(toy.pcieCount), toy.sync1 ? 1 : 0, toy.sync2 ? 1 : 0]
            return v
        }
        var i = 0, started = false
        while i < transitions.count {
            let t = transitions[i].time
            while i < transitions.count, transitions[i].time == t {
                let tr = transitions[i]
                level[tr.domain] = tr.rising
                if tr.rising { tr.domain == sys ? toy.sysEdge() : tr.domain == pcie ? toy.pcieEdge() : () }
                i += 1
            }
            if !started {
                try w.begin(at: t, initial: values())
                started = true
            } else {
                w.advance(to: t)
                for (s, v) in zip(clk + [sysCount, sysFlag, pcieCount, sync1, sync2], values()) { try w.set(s, v) }
            }
        }
        try w.flush()
        return (bytes, Array(rises.prefix(n)))
    }

    /// The bridge's VCD and edges of the first `n` rising edges.
    static func rtlVCD(clocks: [Clock], edges n: Int, path: String) throws -> [ClockEdges.Edge] {
        let lib = try RTLClockedLibrary.load(.toyClocks)
        let m = try RTLClockedModel(library: lib, clocks: clocks)
        try m.startVCD(path: path)
        let edges = try m.edges(n)
        try m.stopVCD()
        return edges
    }

    @Test func theLibraryDeclaresTheDescriptionsDomainsInItsOrder() throws {
        let lib = try RTLClockedLibrary.load(.toyClocks)
        #expect(lib.clockNames == (try Self.clocks()).map(\.name))
        #expect(MemoryLayout<socsim_clock_edge_t>.size == 24 && MemoryLayout<socsim_clocked_options_t>.size == 40)
        // the description's domains in another order are refused, and so is an odd period
        #expect(throws: RTLError.self) { _ = try RTLClockedModel(library: lib, clocks: try Self.clocks().reversed()) }
        let odd = [Clock(name: "sys_clk", period: .ps(12_501)), try Self.clocks()[1]]
        #expect {
            _ = try RTLClockedModel(library: lib, clocks: odd)
        } throws: { error in
            guard let e = error as? RTLError, case .createFailed(let m) = e else { return false }
            return m.contains("sys_clk") && m.contains("even")
        }
    }

    /// 2 000 edges: five common periods of 400 000 ps (32 system cycles, 25
    /// PCIe cycles), each with a shared instant where the flag toggles.
    @Test func edgeOrderAndVCDOfBothDomainsAreIdentical() throws {
        let clocks = try Self.clocks()
        #expect(clocks.map(\.period.picoseconds) == [12_500, 16_000])
        let n = 2_000
        let path = Tools.tempPath("toy-clocks-rtl.vcd")
        defer { unlink(path) }
        let rtlEdges = try Self.rtlVCD(clocks: clocks, edges: n, path: path)
        let (model, modelEdges) = try Self.modelVCD(clocks: clocks, edges: n)
        #expect(rtlEdges == modelEdges)
        #expect(rtlEdges.prefix(4).map { [$0.time.picoseconds, UInt64($0.domain)] } == [[0, 0], [0, 1], [12_500, 0], [16_000, 1]])
        #expect(rtlEdges.filter { $0.time.picoseconds % 400_000 == 0 }.map(\.domain).count > 2 * 5)

        let rtl = try VCDReader.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let modelFile = try VCDReader.parse(model)
        let d = VCDDiff.compare(modelFile, rtl)
        #expect(d.onlyInA.isEmpty && d.onlyInB.isEmpty, "names: model only \(d.onlyInA), RTL only \(d.onlyInB)")
        #expect(d.compared == 14)
        #expect(d.equal, "first divergences: \(d.divergences.prefix(3)), span model \(d.spanA) RTL \(d.spanB)")
        // both clocks toggle in the file, at their own periods
        for (k, c) in clocks.enumerated() {
            let s = try #require(rtl.signal(named: "TOP.\(c.name)"))
            let rises = rtl.changes[s.idIndex].filter { $0.value.integer == 1 }.map(\.time)
            #expect(rises == modelEdges.filter { $0.domain == k }.map(\.time.picoseconds), "\(c.name)")
        }

        // The comparison sees the order: the PCIe edge acting first at a
        // shared instant makes the synchroniser sample the flag before it toggles.
        let (swapped, _) = try Self.modelVCD(clocks: clocks, edges: n, order: [1, 0])
        let e = VCDDiff.compare(try VCDReader.parse(swapped), rtl)
        #expect(!e.equal)
        #expect(e.divergences.first?.time == 0 && e.divergences.first?.name.hasSuffix("sync1") == true)
    }
}

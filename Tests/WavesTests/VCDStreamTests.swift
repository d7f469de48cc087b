import Foundation
import SoCSimTestSupport
import Testing
import Waves

/// The streaming reader (issue 17, item 8): the same events whatever the
/// input's chunking, a buffer that does not grow with the file, and the
/// side-by-side comparison equal to the comparison of parsed files.
@Suite struct VCDStreamTests {
    /// A stream that reads `bytes` at most `step` bytes at a time into a buffer of `step` bytes.
    static func stream(_ bytes: [UInt8], step: Int) throws(VCDParseError) -> VCDStream {
        var at = 0
        return try VCDStream(input: { buffer in
            let n = min(step, buffer.count, bytes.count - at)
            for k in 0..<n { buffer[k] = bytes[at + k] }
            at += n
            return n
        }, chunk: step)
    }

    static func events(_ s: inout VCDStream) throws(VCDParseError) -> [VCDEvent] {
        var out: [VCDEvent] = []
        while let e = try s.next() { out.append(e) }
        return out
    }

    /// Random signals (some wide, some real-valued by text) with random changes.
    static func randomVCD(seed: UInt64, steps: Int, flip: Int? = nil) throws -> [UInt8] {
        var g = Mix(s: seed)
        return try writeToMemory({ w in
            let sigs = (0..<30).map { w.declare(scope: ["top", "u\($0 % 4)"], name: "s\($0)", width: Int(g.next() % 64) + 1) }
            try w.begin(at: 10)
            var t: UInt64 = 10
            for n in 0..<steps {
                t += g.next() % 4 == 0 ? 0 : g.next() % 100 + 1
                w.advance(to: t)
                let i = Int(g.next() % UInt64(sigs.count))
                try w.set(sigs[i], (g.next() ^ (n == flip ? 1 : 0)) & (1 << 40 - 1))
            }
            try w.finish(at: t + 5)
        }, bufferSize: 512)
    }

    @Test(arguments: [1, 3, 7, 4096])
    func chunkingDoesNotChangeTheEvents(step: Int) throws {
        let bytes = try Self.randomVCD(seed: 5, steps: 3000)
        var whole = try VCDStream(bytes: bytes)
        var pieces = try Self.stream(bytes, step: step)
        #expect(pieces.signals == whole.signals)
        let a = try Self.events(&whole), b = try Self.events(&pieces)
        #expect(a.count > 3000 && a == b)
        #expect(pieces.startTime == 10 && pieces.time == whole.time)
        // a malformed body is reported at the same line whatever the chunking
        var bad = bytes
        bad.append(contentsOf: Array("\n#3\n".utf8))
        var p = try Self.stream(bad, step: step)
        do {
            _ = try Self.events(&p)
            Issue.record("accepted a time going backwards")
        } catch {
            #expect(error.message.contains("backwards") && error.line == bytes.count { $0 == 10 } + 2, "\(error)")
        }
    }

    /// The fuzzer's seeds and the inputs it found bugs with (Fuzz/seeds-vcd,
    /// docs/fuzzing.md): every buffer size reads them as memory does.
    @Test func fuzzCorpusReadsAlikeInAnyBuffer() throws {
        let dir = Upstream.repositoryRoot.appendingPathComponent("Fuzz/seeds-vcd")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".seed") }.sorted()
        #expect(names.contains("crash-word-at-end.seed"))
        for name in names {
            let bytes = try Tools.read(dir.appendingPathComponent(name).path)
            func read(_ make: () throws(VCDParseError) -> VCDStream) -> Result<[VCDEvent], VCDParseError> {
                do { var s = try make(); return .success(try Self.events(&s)) } catch { return .failure(error) }
            }
            let whole = read { () throws(VCDParseError) in try VCDStream(bytes: bytes) }
            for step in 1...8 {
                let piecewise = read { () throws(VCDParseError) in try Self.stream(bytes, step: step) }
                switch (whole, piecewise) {
                case let (.success(a), .success(b)): #expect(a == b, "\(name), buffer of \(step)")
                case let (.failure(a), .failure(b)): #expect(a == b, "\(name), buffer of \(step)")
                default: Issue.record("\(name), buffer of \(step): \(whole) / \(piecewise)")
                }
            }
        }
    }

    @Test func theBufferDoesNotGrowWithTheFile() throws {
        // 3 MB of body (three chunks) through a stream: its buffer stays one chunk
        let head = Array("$timescale 1ps $end\n$scope module t $end\n$var wire 32 ! a $end\n$upscope $end\n$enddefinitions $end\n".utf8)
        let line = Array("b10101010101010101010101010101010 !\n".utf8)
        let blocks = 3 << 20 / (line.count * 64)
        var pending = head[...]
        var t = 0
        var s = try VCDStream(input: { buffer in
            if pending.isEmpty {
                guard t < blocks else { return 0 }
                t += 1
                var block = Array("#\(t)\n".utf8)
                for _ in 0..<64 { block += line }
                pending = block[...]
            }
            let n = min(pending.count, buffer.count)
            for (k, c) in pending.prefix(n).enumerated() { buffer[k] = c }
            pending = pending.dropFirst(n)
            return n
        })
        var changes = 0
        while let e = try s.next() { if case .change = e { changes += 1 } }
        #expect(changes == blocks * 64)
        #expect(s.bufferCapacity == VCDLimits.chunk)
    }

    @Test(arguments: [1, 2])
    func streamingComparisonEqualsTheComparisonOfParsedFiles(seed: UInt64) throws {
        let a = try Self.randomVCD(seed: seed, steps: 2000)
        let b = try Self.randomVCD(seed: seed, steps: 2000, flip: 700)
        for (x, y) in [(a, a), (a, b), (b, a)] {
            let inMemory = VCDDiff.compare(try VCDReader.parse(x), try VCDReader.parse(y))
            var sx = try Self.stream(x, step: 1000), sy = try Self.stream(y, step: 333)
            let streamed = try VCDDiff.compare(&sx, &sy)
            #expect(streamed.divergences == inMemory.divergences)
            #expect(streamed.compared == 30 && streamed.equal == inMemory.equal && streamed.from == inMemory.from && streamed.to == inMemory.to)
        }
        var sa = try VCDStream(bytes: a), sb = try VCDStream(bytes: b)
        let r = try VCDDiff.compare(&sa, &sb)
        #expect(!r.equal && r.divergences.count >= 1)
        // the flipped value is the first divergence
        #expect(r.divergences.map(\.time).min().map { $0 > 10 } == true)
    }

    @Test func aFileWithNaNRealsEqualsItself() throws {
        let text = "$scope module t $end\n$var real 64 ! r $end\n$upscope $end\n$enddefinitions $end\n#0\nrnan !\n#5\nr1.5 !\n#6\nrnan !\n"
        var a = try VCDStream(bytes: Array(text.utf8)), b = try VCDStream(bytes: Array(text.utf8))
        #expect(try VCDDiff.compare(&a, &b).equal)
    }

    @Test func windowsOfAStream() throws {
        let bytes = try Self.randomVCD(seed: 9, steps: 500)
        let f = try VCDReader.parse(bytes)
        let chosen = Array(f.signals.prefix(5))
        for (from, to) in [(0, 200), (300, 2000), (50_000, 60_000)] as [(UInt64, UInt64)] {
            var s = try VCDStream(bytes: bytes)
            let rows = try VCDDiff.window(&s, signals: chosen, from: from, to: to)
            // each row's values are the file's values at its time
            for r in rows { #expect(r.values == chosen.map { f.value(of: $0, at: r.time) }) }
            #expect(rows.first?.time == from)
            let times = Set(chosen.flatMap { f.changes[$0.idIndex].map(\.time) }.filter { $0 > from && $0 <= to })
            #expect(rows.dropFirst().map(\.time) == times.sorted())
        }
    }
}

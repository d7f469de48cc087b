// libFuzzer entry point for the VCD reader. Built by scripts/fuzz-vcd.sh, not by SwiftPM.
//
// Every input is read twice: whole from memory (`VCDReader.parse`) and as a stream
// in small pieces (`VCDStream` with a buffer of 1 to 7 bytes, the size taken from
// the input's length, so words cross buffer boundaries). Both must agree: the same error (line and
// message), or the same events. A file that reads must compare equal with itself,
// streamed and held in memory, and give a window of its first signals. Malformed
// input must come back as a typed VCDParseError, never a trap.

@_cdecl("LLVMFuzzerTestOneInput")
public func vcdReaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let step = 1 + size % 7
    func pieces() -> VCDInput {
        var at = 0
        return { buffer in
            let n = min(step, buffer.count, bytes.count - at)
            for k in 0..<n { buffer[k] = bytes[at + k] }
            at += n
            return n
        }
    }
    func events(_ s: inout VCDStream) throws(VCDParseError) -> [VCDEvent] {
        var out: [VCDEvent] = []
        while let e = try s.next() { out.append(e) }
        return out
    }
    var whole: Result<(VCDStream, [VCDEvent]), VCDParseError>
    do { var s = try VCDStream(bytes: bytes); let e = try events(&s); whole = .success((s, e)) } catch { whole = .failure(error) }
    var streamed: Result<(VCDStream, [VCDEvent]), VCDParseError>
    do { var s = try VCDStream(input: pieces(), chunk: step); let e = try events(&s); streamed = .success((s, e)) } catch { streamed = .failure(error) }
    switch (whole, streamed) {
    case let (.failure(a), .failure(b)):
        precondition(a == b, "the error depends on the chunking: \(a) / \(b)")
    case let (.success(a), .success(b)):
        precondition(a.0.signals == b.0.signals, "the signals depend on the chunking")
        precondition(a.1.count == b.1.count && zip(a.1, b.1).allSatisfy { VCDFuzzSame($0, $1) }, "the events depend on the chunking")
        guard let f = try? VCDReader.parse(bytes) else { preconditionFailure("parse fails where the stream reads") }
        precondition(VCDDiff.compare(f, f).equal, "a file differs from itself")
        do {
            var x = try VCDStream(bytes: bytes), y = try VCDStream(input: pieces(), chunk: step)
            let same = try VCDDiff.compare(&x, &y)
            precondition(same.equal, "a streamed file differs from itself")
            var w = try VCDStream(bytes: bytes)
            let chosen = Array(f.signals.prefix(3))
            let rows = try VCDDiff.window(&w, signals: chosen, from: f.startTime, to: f.endTime)
            for r in rows { precondition(r.values.count == chosen.count) }
        } catch {
            preconditionFailure("a file that reads fails when read again: \(error)")
        }
    default:
        preconditionFailure("one reading fails, the other does not: \(whole) / \(streamed)")
    }
    return 0
}

/// Equal events, a real NaN equal to itself.
func VCDFuzzSame(_ a: VCDEvent, _ b: VCDEvent) -> Bool {
    if case let .change(k, .real(x)) = a, case let .change(l, .real(y)) = b { return k == l && x.bitPattern == y.bitPattern }
    return a == b
}

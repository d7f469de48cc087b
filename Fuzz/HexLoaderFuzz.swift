// libFuzzer entry point for the Verilog hex loader (`VerilogHex.parse`, behind
// `ProgramImage.verilogHex`). Built by scripts/fuzz-hex.sh, not by SwiftPM.
//
// Every input is parsed. What parses is written back as hex (each segment as
// `@address` and its bytes, 16 a line) and must parse to the same segments; what does
// not must come back as a typed HexFormatError naming a line and column from 1.

@_cdecl("LLVMFuzzerTestOneInput")
public func hexLoaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let segments = try VerilogHex.parse(bytes)
        var text = ""
        let digits = Array("0123456789abcdef")
        for s in segments {
            text += "@" + String(s.address, radix: 16) + "\n"
            for (n, b) in s.bytes.enumerated() {
                text.append(digits[Int(b >> 4)]); text.append(digits[Int(b & 15)])
                text += n % 16 == 15 ? "\n" : " "
            }
            text += "\n"
        }
        let again = try VerilogHex.parse(Array(text.utf8))
        precondition(again.count == segments.count && zip(again, segments).allSatisfy { $0.address == $1.address && $0.bytes == $1.bytes },
                     "writing the segments back as hex changed them")
        // a base moves every segment, wrapping
        let moved = try VerilogHex.parse(bytes, base: 0x8000_0001)
        precondition(moved.map(\.address) == segments.map { $0.address &+ 0x8000_0001 }, "the base is not added to every address")
    } catch {
        precondition(error.line >= 1 && error.column >= 1, "an error without a place: \(error)")
    }
    return 0
}

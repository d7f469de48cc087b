// The Verilog hex format of `objcopy -O verilog`, parsed in one pass. No
// dependencies (scripts/fuzz-hex.sh compiles this file alone).

/// A malformed Verilog hex file.
public struct HexFormatError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(line):\(column): \(message)" }
}

public enum VerilogHex {
    /// The segments of a byte-wise Verilog hex file: `@ADDRESS` words (hex
    /// byte address, `base` added, wrapping) followed by two-digit hex bytes
    /// separated by white space; `//` comments to the end of the line. Time
    /// is linear in the size whatever the line lengths. Lines end at LF,
    /// CR LF, CR, VT or FF; columns count characters (UTF-8 sequences), from 1.
    /// Segments are in file order; empty ones are dropped.
    public static func parse(_ b: [UInt8], base: UInt32 = 0) throws(HexFormatError) -> [(address: UInt32, bytes: [UInt8])] {
        var segments: [(address: UInt32, bytes: [UInt8])] = []
        var current: (address: UInt32, bytes: [UInt8])?
        var lineNo = 1, col = 1
        var i = 0
        func isBreak(_ c: UInt8) -> Bool { c >= 10 && c <= 13 }
        while i < b.count {
            let c = b[i]
            if isBreak(c) {
                i += c == 13 && i + 1 < b.count && b[i + 1] == 10 ? 2 : 1
                lineNo += 1; col = 1
                continue
            }
            if c == 32 || c == 9 { i += 1; col += 1; continue }
            if c == UInt8(ascii: "/") && i + 1 < b.count && b[i + 1] == UInt8(ascii: "/") {
                while i < b.count && !isBreak(b[i]) { i += 1 }
                continue
            }
            // a token: up to white space, a line break or the end
            let start = i, startCol = col
            while i < b.count, b[i] != 32, b[i] != 9, !isBreak(b[i]) {
                if b[i] & 0xC0 != 0x80 { col += 1 }
                i += 1
            }
            let token = b[start..<i]
            func text() -> String { String(decoding: token.prefix(64), as: UTF8.self) }
            if c == UInt8(ascii: "@") {
                var a: UInt32 = 0
                for d in token.dropFirst() {
                    guard let v = hexDigit(d), a >> 28 == 0 else {
                        throw HexFormatError(line: lineNo, column: startCol, message: "bad address '\(text())'")
                    }
                    a = a << 4 | UInt32(v)
                }
                if token.count < 2 { throw HexFormatError(line: lineNo, column: startCol, message: "bad address '\(text())'") }
                if let s = current, !s.bytes.isEmpty { segments.append(s) }
                current = (base &+ a, [])
            } else {
                guard token.count == 2, let hi = hexDigit(token.first!), let lo = hexDigit(token.last!) else {
                    throw HexFormatError(line: lineNo, column: startCol, message: "expected a two-digit hex byte, found '\(text())'")
                }
                if current == nil { current = (base, []) }
                current!.bytes.append(hi << 4 | lo)
                if current!.bytes.count > 1 << 28 {
                    throw HexFormatError(line: lineNo, column: startCol, message: "segment larger than 256 MiB")
                }
            }
        }
        if let s = current, !s.bytes.isEmpty { segments.append(s) }
        return segments
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

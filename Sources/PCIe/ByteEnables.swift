/// Byte-enable arithmetic shared by the request and completion rules.
public enum ByteEnables {
    /// Offset (0...3) of the first enabled byte of a First DW BE; 0 for 0000.
    public static func firstOffset(_ be: UInt8) -> Int {
        be == 0 ? 0 : (be & 0xF).trailingZeroBitCount
    }

    /// Number of disabled bytes above the last enabled byte of a BE nibble (0...3); 0 for 0000.
    public static func trailingDisabled(_ be: UInt8) -> Int {
        be & 0xF == 0 ? 0 : 3 - (7 - (be & 0xF).leadingZeroBitCount)
    }

    /// Byte Count of a request as the completer computes it (base spec §2.3.1.1):
    /// `4·Length − (offset of the first enabled byte) − (disabled bytes at the top of the
    /// last dword)`, using First BE for both ends when Length is 1; 1 for a zero-length read.
    public static func byteCount(length: Int, firstBE: UInt8, lastBE: UInt8) -> Int {
        if length == 1 {
            if firstBE & 0xF == 0 { return 1 }
            return 4 - firstOffset(firstBE) - trailingDisabled(firstBE)
        }
        return 4 * length - firstOffset(firstBE) - trailingDisabled(lastBE)
    }

    /// Dword address, Length and First/Last BE covering `count` bytes at `address`
    /// (`count` ≥ 1). A zero-length access is `count == 0`: Length 1 with both BEs 0000.
    public static func cover(address: UInt64, count: Int) -> (dwordAddress: UInt64, length: Int, firstBE: UInt8, lastBE: UInt8) {
        let start = address & ~3
        if count == 0 { return (start, 1, 0, 0) }
        let end = address + UInt64(count)           // exclusive
        let length = Int((end - start + 3) / 4)
        let first = UInt8(0xF << (address & 3) & 0xF)
        let endOffset = Int(end & 3)                 // bytes used in the last dword, 0 = all 4
        let last = endOffset == 0 ? UInt8(0xF) : UInt8((1 << endOffset) - 1)
        if length == 1 { return (start, 1, first & last, 0) }
        return (start, length, first, last)
    }
}

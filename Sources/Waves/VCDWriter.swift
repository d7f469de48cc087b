// A streaming VCD writer (IEEE 1364 §18 four-state VCD, two-state values).
//
// Format, fixed so that identical runs give byte-identical files:
//   $version <text> $end            (no $date unless `date` is given)
//   $timescale 1ps $end
//   $scope module a $end ... $var wire W id name [W-1:0] $end ... $upscope $end
//   $enddefinitions $end
//   #t0 / $dumpvars / every signal's value / $end
//   #t / changes ...                (a time line only when something changed)
// Identifiers come from a counter in declaration order (base 94 over '!'..'~':
// 0 -> "!", 93 -> "~", 94 -> "!!"... as in GTKWave's and Verilator's writers).
// Scalars are written `0!`, vectors `b101 #` with leading zeros dropped.
//
// Memory is bounded: bytes go to a fixed buffer that is handed to `output`
// when full and on `flush()`. The buffer only ever holds whole lines, so the
// bytes delivered so far always form a valid VCD once the header is out.

/// Where a VCD writer's bytes go (e.g. a file descriptor). It must take all
/// the bytes or throw.
public typealias VCDOutput = (UnsafeRawBufferPointer) throws -> Void

public struct VCDWriterError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

public final class VCDWriter {
    /// A declared signal (its index in declaration order).
    public struct Signal: Hashable, Sendable {
        public let index: Int
    }

    private struct Declaration {
        var scope: [String]
        var name: String
        var width: Int
        var lsb: Int
        var id: [UInt8]
    }

    private let output: VCDOutput
    private var declarations: [Declaration] = []
    /// Further names of declared signals (same identifier, as Verilator
    /// writes a port seen at several levels of the hierarchy).
    private var aliases: [Declaration] = []
    private var headerWritten = false
    private let capacity: Int
    private let buffer: UnsafeMutablePointer<UInt8>
    private var used = 0
    /// Last written value per signal and whether one was written.
    private var last: UnsafeMutablePointer<UInt64>
    private var widths: UnsafeMutablePointer<Int>
    /// Identifier codes, flat: signal i's code is idBytes[idOffset[i] ..< idOffset[i + 1]].
    private var idBytes: UnsafeMutablePointer<UInt8>
    private var idOffset: UnsafeMutablePointer<Int>
    private var lastCapacity = 0
    private var time: UInt64 = 0
    private var timeWritten = false
    private let version: String
    private let date: String?
    /// Bytes handed to `output` so far.
    public private(set) var bytesWritten: UInt64 = 0

    /// `bufferSize` bounds the memory the writer holds (at least 4 KiB).
    public init(version: String = "SoCSim", date: String? = nil, bufferSize: Int = 1 << 18, output: @escaping VCDOutput) {
        self.output = output
        self.version = version
        self.date = date
        capacity = max(bufferSize, 4096)
        buffer = .allocate(capacity: capacity)
        last = .allocate(capacity: 1)
        widths = .allocate(capacity: 1)
        idBytes = .allocate(capacity: 1)
        idOffset = .allocate(capacity: 1)
    }

    deinit {
        buffer.deallocate()
        last.deallocate()
        widths.deallocate()
        idBytes.deallocate()
        idOffset.deallocate()
        byteTable.deallocate()
    }

    /// Declare a signal of `width` bits (1...64) in `scope` (outermost first).
    /// Only before the first `begin`.
    /// `lsb` is the index of the least significant bit in the declared
    /// range (`pc_f [31:2]` has width 30 and lsb 2).
    public func declare(scope: [String], name: String, width: Int, lsb: Int = 0) -> Signal {
        precondition(!headerWritten, "declare before begin(at:)")
        precondition((1...64).contains(width), "width 1...64")
        let s = Signal(index: declarations.count)
        declarations.append(Declaration(scope: scope, name: name, width: width, lsb: lsb, id: VCDWriter.identifier(s.index)))
        return s
    }

    /// Another name for a declared signal (written with its identifier).
    public func alias(_ s: Signal, scope: [String], name: String) {
        precondition(!headerWritten, "declare before begin(at:)")
        var d = declarations[s.index]
        d.scope = scope
        d.name = name
        aliases.append(d)
    }

    /// The identifier code of the n-th declared signal.
    public static func identifier(_ n: Int) -> [UInt8] {
        var n = n
        var id: [UInt8] = [UInt8(33 + n % 94)]
        n /= 94
        while n > 0 {
            n -= 1
            id.append(UInt8(33 + n % 94))
            n /= 94
        }
        return id
    }

    /// Write the header and the initial values (all `initial`, in declaration
    /// order) at time `t`. Signals not given start at 0.
    public func begin(at t: UInt64, initial: [UInt64] = []) throws {
        precondition(!headerWritten)
        headerWritten = true
        let n = declarations.count
        last.deallocate()
        widths.deallocate()
        last = .allocate(capacity: max(n, 1))
        widths = .allocate(capacity: max(n, 1))
        for (i, d) in declarations.enumerated() {
            let v = i < initial.count ? initial[i] : 0
            last[i] = d.width == 64 ? v : v & ((1 << UInt64(d.width)) - 1)
            widths[i] = d.width
        }
        let flat = declarations.flatMap(\.id)
        idBytes.deallocate()
        idOffset.deallocate()
        idBytes = .allocate(capacity: max(flat.count, 1))
        idBytes.initialize(from: flat, count: flat.count)
        idOffset = .allocate(capacity: n + 1)
        var off = 0
        for (i, d) in declarations.enumerated() { idOffset[i] = off; off += d.id.count }
        idOffset[n] = off
        if let date { try text("$date\n\t\(date)\n$end\n") }
        try text("$version\n\t\(version)\n$end\n$timescale 1ps $end\n")
        var open: [String] = []
        // grouped by scope (stable), so each scope is opened once
        let all = declarations + aliases
        let order = all.indices.sorted { (all[$0].scope.joined(separator: "\u{0}"), $0) < (all[$1].scope.joined(separator: "\u{0}"), $1) }
        for d in order.map({ all[$0] }) {
            var common = 0
            while common < open.count && common < d.scope.count && open[common] == d.scope[common] { common += 1 }
            while open.count > common { try text("$upscope $end\n"); open.removeLast() }
            while open.count < d.scope.count {
                try text("$scope module \(d.scope[open.count]) $end\n")
                open.append(d.scope[open.count])
            }
            let range = d.width > 1 || d.lsb != 0 ? " [\(d.width - 1 + d.lsb):\(d.lsb)]" : ""
            try text("$var wire \(d.width) \(String(decoding: d.id, as: UTF8.self)) \(d.name)\(range) $end\n")
        }
        while !open.isEmpty { try text("$upscope $end\n"); open.removeLast() }
        try text("$enddefinitions $end\n")
        time = t
        try timeLine(t)
        timeWritten = true
        try text("$dumpvars\n")
        for i in 0..<n { try value(i, last[i]) }
        try text("$end\n")
    }

    /// Move to time `t` (not before the current time). The time line is
    /// written lazily with the first change at `t`.
    @inline(__always)
    public func advance(to t: UInt64) {
        precondition(t >= time, "VCD time must not go backwards")
        if t != time { time = t; timeWritten = false }
    }

    /// Set a signal's value at the current time; written only if it changed.
    @inline(__always)
    public func set(_ s: Signal, _ v: UInt64) throws {
        let i = s.index
        let w = widths[i]
        let v = w == 64 ? v : v & ((1 << UInt64(w)) - 1)
        if last[i] == v { return }
        last[i] = v
        if !timeWritten { try timeLine(time); timeWritten = true }
        try value(i, v)
    }

    @inline(__always)
    public func set(_ s: Signal, _ b: Bool) throws { try set(s, b ? 1 : 0) }

    /// Hand everything buffered to the output. The bytes written so far are
    /// then a valid VCD (the header is complete, every line is whole).
    public func flush() throws {
        if used > 0 {
            let n = used
            used = 0
            try output(UnsafeRawBufferPointer(start: buffer, count: n))
            bytesWritten += UInt64(n)
        }
    }

    /// Write the closing time (so viewers show the last values' duration)
    /// and flush.
    public func finish(at t: UInt64) throws {
        if headerWritten && t > time {
            time = t
            try timeLine(t)
            timeWritten = true
        }
        try flush()
    }

    // MARK: formatting

    @inline(__always)
    private func reserve(_ n: Int) throws {
        if used + n > capacity { try flush() }
    }

    private func text(_ s: String) throws {
        var s = s
        try s.withUTF8 { u in
            var off = 0
            while off < u.count {
                if used == capacity { try flush() }
                let k = min(capacity - used, u.count - off)
                (buffer + used).update(from: u.baseAddress! + off, count: k)
                used += k
                off += k
            }
        }
    }

    private func timeLine(_ t: UInt64) throws {
        try reserve(22)
        let p = buffer
        var u = used
        p[u] = UInt8(ascii: "#"); u += 1
        u += writeDecimal(t, to: p + u)
        p[u] = 10; u += 1
        used = u
    }

    @inline(__always)
    private func value(_ i: Int, _ v: UInt64) throws {
        let ids = idBytes, offsets = idOffset
        let idStart = offsets[i], idEnd = offsets[i + 1]
        try reserve(67 + idEnd - idStart)
        // locals, not stored properties, in the loops (no exclusivity checks per byte)
        let p = buffer
        var u = used
        if widths[i] == 1 {
            p[u] = v != 0 ? UInt8(ascii: "1") : UInt8(ascii: "0"); u += 1
        } else {
            p[u] = UInt8(ascii: "b"); u += 1
            var bits = 64 - v.leadingZeroBitCount
            if bits == 0 { bits = 1 }
            // the bits above a whole byte one by one, then 8 characters per byte from a table
            var b = bits - 1
            while (b + 1) & 7 != 0 {
                p[u] = UInt8(truncatingIfNeeded: (v >> UInt64(b)) & 1) | 0x30
                u += 1
                b -= 1
            }
            let table = byteTable
            while b >= 7 {
                let byte = Int(truncatingIfNeeded: (v >> UInt64(b - 7)) & 0xFF)
                UnsafeMutableRawPointer(p + u).storeBytes(of: table[byte], as: UInt64.self)
                u += 8
                b -= 8
            }
            p[u] = UInt8(ascii: " "); u += 1
        }
        var k = idStart
        while k < idEnd { p[u] = ids[k]; u += 1; k += 1 }
        p[u] = 10; u += 1
        used = u
    }

    /// Set every declared signal at the current time from `values`
    /// (declaration order, one per signal): one call per time step instead
    /// of one per signal. Only changed values are written.
    public func update(_ values: UnsafePointer<UInt64>) throws {
        precondition(headerWritten, "update after begin(at:)")
        let n = declarations.count
        let last = self.last, widths = self.widths
        var i = 0
        while i < n {
            let w = widths[i]
            let v = w == 64 ? values[i] : values[i] & ((1 << UInt64(w)) - 1)
            if last[i] != v {
                last[i] = v
                if !timeWritten { try timeLine(time); timeWritten = true }
                try value(i, v)
            }
            i += 1
        }
    }

    /// The 8 characters '0'/'1' of each byte value, most significant bit
    /// first in memory order.
    private let byteTable: UnsafeMutablePointer<UInt64> = {
        let t = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        for (i, w) in VCDWriter.byteChars.enumerated() { t[i] = w }
        return t
    }()

    private static let byteChars: [UInt64] = (0..<256).map { v in
        var word: UInt64 = 0
        for k in 0..<8 {
            let bit = UInt64((v >> (7 - k)) & 1) | 0x30
            word |= bit << UInt64(8 * k)
        }
        return word.littleEndian == word ? word : word.byteSwapped
    }

    private func writeDecimal(_ v: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        if v == 0 { p[0] = UInt8(ascii: "0"); return 1 }
        var digits = 0
        var x = v
        while x > 0 { digits += 1; x /= 10 }
        x = v
        var k = digits - 1
        while x > 0 { p[k] = UInt8(ascii: "0") + UInt8(x % 10); x /= 10; k -= 1 }
        return digits
    }
}

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
//
// Cost: `update` reserves the worst case of a whole row (a time line and
// every signal's longest value line) once, so its loop has no flush checks;
// it compares only the gathered signals (`gather`), where they lie in the
// caller's bytes; a time line is the text of the previous one plus the time
// step in decimal, or, while the step divides a power of 10, a head and the
// low digits from a table; value lines are stored eight bytes at a time (the characters of
// a byte from a table, the identifier with its separator and newline as one
// word). The state that changes per value sits behind `let` pointers: a
// class's stored `var` is checked for exclusive access at run time on every
// access.

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
        /// Where `update(gathering:)` reads it (nil: not gathered).
        var gather: (offset: Int, shift: Int)?
    }

    /// One declared signal's last written value and how its lines are made.
    private struct Slot {
        var last: UInt64
        var mask: UInt64
        /// `mask` shifted to where `update(gathering:)` reads the value
        /// (bits past 64 dropped), and `last` so shifted: the bytes read,
        /// masked with `field`, equal `lastRaw` when the value is unchanged.
        /// (When `last` has bits the read cannot see, `lastRaw` is `~field`,
        /// which no masked read equals.)
        var field: UInt64
        var lastRaw: UInt64
        /// The bytes after the value of a vector ("<space>id\n"); a scalar's
        /// whole line with the value 0 ("0id\n", at most 8 bytes); character
        /// k in bits 8k...8k+7.
        var suffix: UInt64
        /// Where `update(gathering:)` reads the value.
        var offset: Int32
        var suffixCount: UInt8
        var shift: UInt8
        var vector: Bool
    }

    /// What changes as lines are written.
    private struct State {
        var used = 0
        var time: UInt64 = 0
        var timeWritten = false
        var headerWritten = false
        var bytesWritten: UInt64 = 0
        /// The time whose digits are in `timeText`, and how many are significant.
        var textTime: UInt64 = 0
        var textDigits = 1
        /// The last time step, and its low 8 digits, one a byte (least
        /// significant in the low byte; valid when the step is under 10^8).
        var step: UInt64 = 0
        var stepDigits: UInt64 = 0
        /// Periodic time lines (`setTimeText`): when the step divides 10^j
        /// (j ≤ 7, `periodDigits`, 0 when none), the low j digits of the
        /// times run through `phases` = 10^j / step values; while `periodic`,
        /// a time line is `head` ('#' and the digits of `high` = t / 10^j)
        /// and `lowTable[phase]` (the low j digits and the newline), and
        /// `timeText` is not kept up to date.
        var periodDigits = 0
        var periodic = false
        var phases = 0
        var phase = 0
        var high: UInt64 = 0
        var headLength = 0
        /// The step and the residue (low digits modulo the step) `lowTable` holds.
        var tableStep: UInt64 = 0
        var tableResidue: UInt64 = .max
        /// The slots: the gathered signals' in declaration order, a
        /// sentinel, the other signals' (`position`: a signal's slot).
        var slots: UnsafeMutablePointer<Slot>
        var position: UnsafeMutablePointer<Int32>
        var count = 0
        var gatheredCount = 0
        /// Longest value line of one signal, and of a time line plus every signal's.
        var valueBound = 0
        var rowBound = 0
    }

    /// Longest time line: '#', 20 digits, newline.
    private static let timeBound = 22
    /// Bytes past `capacity` that the 8-byte stores may touch (never handed out).
    private static let overhang = 32

    private let output: VCDOutput
    private var declarations: [Declaration] = []
    /// Further names of declared signals (same identifier, as Verilator
    /// writes a port seen at several levels of the hierarchy).
    private var aliases: [Declaration] = []
    private let capacity: Int
    private let buffer: UnsafeMutablePointer<UInt8>
    private let st: UnsafeMutablePointer<State>
    /// The 20 decimal digits of `State.textTime` (leading zeros included)
    /// at `timeText + 8` and a newline after them (64 bytes allocated).
    private let timeText: UnsafeMutablePointer<UInt8>
    /// Periodic time lines (`State.periodic`): the head (32 bytes) and the
    /// low digits of each phase (at most `maxPhases`).
    private let head: UnsafeMutablePointer<UInt8>
    private let lowTable: UnsafeMutablePointer<UInt64>
    private static let maxPhases = 1024
    /// The 8 characters '0'/'1' of each byte value, most significant bit
    /// first: character k in bits 8k...8k+7.
    private let byteTable: UnsafeMutablePointer<UInt64>
    private let version: String
    private let date: String?
    /// Bytes handed to `output` so far.
    public var bytesWritten: UInt64 { st.pointee.bytesWritten }

    /// `bufferSize` bounds the memory the writer holds (at least 4 KiB).
    public init(version: String = "SoCSim", date: String? = nil, bufferSize: Int = 1 << 18, output: @escaping VCDOutput) {
        self.output = output
        self.version = version
        self.date = date
        capacity = max(bufferSize, 4096)
        buffer = .allocate(capacity: capacity + Self.overhang)
        st = .allocate(capacity: 1)
        st.initialize(to: State(slots: .allocate(capacity: 1), position: .allocate(capacity: 1)))
        timeText = .allocate(capacity: 64)
        timeText.initialize(repeating: UInt8(ascii: "0"), count: 64)
        timeText[28] = 10
        head = .allocate(capacity: 32)
        head.initialize(repeating: 0, count: 32)
        lowTable = .allocate(capacity: Self.maxPhases)
        lowTable.initialize(repeating: 0, count: Self.maxPhases)
        byteTable = .allocate(capacity: 256)
        for v in 0..<256 {
            var word: UInt64 = 0
            for k in 0..<8 { word |= UInt64((v >> (7 - k)) & 1 | 0x30) << UInt64(8 * k) }
            byteTable[v] = word
        }
    }

    deinit {
        buffer.deallocate()
        st.pointee.slots.deallocate()
        st.pointee.position.deallocate()
        st.deallocate()
        timeText.deallocate()
        head.deallocate()
        lowTable.deallocate()
        byteTable.deallocate()
    }

    /// Declare a signal of `width` bits (1...64) in `scope` (outermost first).
    /// Only before the first `begin`.
    /// `lsb` is the index of the least significant bit in the declared
    /// range (`pc_f [31:2]` has width 30 and lsb 2).
    public func declare(scope: [String], name: String, width: Int, lsb: Int = 0) -> Signal {
        precondition(!st.pointee.headerWritten, "declare before begin(at:)")
        precondition((1...64).contains(width), "width 1...64")
        let s = Signal(index: declarations.count)
        let id = VCDWriter.identifier(s.index)
        precondition(id.count <= 6, "at most 94^6 signals")
        declarations.append(Declaration(scope: scope, name: name, width: width, lsb: lsb, id: id))
        return s
    }

    /// Another name for a declared signal (written with its identifier).
    public func alias(_ s: Signal, scope: [String], name: String) {
        precondition(!st.pointee.headerWritten, "declare before begin(at:)")
        var d = declarations[s.index]
        d.scope = scope
        d.name = name
        aliases.append(d)
    }

    /// Where `update(gathering:)` reads a declared signal: the 8 bytes at
    /// `offset` (little-endian, any alignment) shifted right by `shift`.
    /// Signals not gathered keep their values through `update(gathering:)`
    /// (set them with `set`).
    public func gather(_ s: Signal, offset: Int, shift: Int = 0) {
        precondition(!st.pointee.headerWritten, "gather before begin(at:)")
        precondition(Int32(exactly: offset) != nil && (0..<64).contains(shift))
        declarations[s.index].gather = (offset, shift)
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
        precondition(!st.pointee.headerWritten)
        st.pointee.headerWritten = true
        let n = declarations.count
        // the gathered signals' slots, a sentinel after them (see
        // `updateGathering`), the other signals' slots
        let gathered = declarations.indices.filter { declarations[$0].gather != nil }
        let g = gathered.count
        let position = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
        for (k, i) in gathered.enumerated() { position[i] = Int32(k) }
        for (k, i) in declarations.indices.filter({ declarations[$0].gather == nil }).enumerated() { position[i] = Int32(g + 1 + k) }
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: n + 1)
        var rowBound = Self.timeBound, valueBound = 0
        for (i, d) in declarations.enumerated() {
            let slot = slots + Int(position[i])
            let mask: UInt64 = d.width == 64 ? .max : (1 << UInt64(d.width)) - 1
            let gather = d.gather ?? (0, 0)
            let after = (d.width > 1 ? [UInt8(ascii: " ")] : [UInt8(ascii: "0")]) + d.id + [10]
            var suffix: UInt64 = 0
            for (k, c) in after.enumerated() { suffix |= UInt64(c) << UInt64(8 * k) }
            slot.initialize(to: Slot(last: 0, mask: mask, field: mask &<< UInt64(gather.shift), lastRaw: 0, suffix: suffix,
                                     offset: Int32(gather.offset), suffixCount: UInt8(after.count),
                                     shift: UInt8(gather.shift), vector: d.width > 1))
            Self.setLast(slot, (i < initial.count ? initial[i] : 0) & mask)
            let bound = (d.width > 1 ? 1 + d.width : 0) + after.count
            rowBound += bound
            valueBound = max(valueBound, bound)
        }
        (slots + g).initialize(to: Slot(last: 0, mask: 0, field: 0, lastRaw: 1, suffix: 0, offset: g > 0 ? slots[0].offset : 0,
                                        suffixCount: 0, shift: 0, vector: false))
        st.pointee.slots.deallocate()
        st.pointee.slots = slots
        st.pointee.position.deallocate()
        st.pointee.position = position
        st.pointee.count = n
        st.pointee.gatheredCount = g
        st.pointee.rowBound = rowBound
        st.pointee.valueBound = valueBound
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
        st.pointee.time = t
        try timeLine()
        try text("$dumpvars\n")
        for i in 0..<n { try value(i, slots[Int(position[i])].last) }
        try text("$end\n")
    }

    /// Move to time `t` (not before the current time). The time line is
    /// written lazily with the first change at `t`.
    @inline(__always)
    public func advance(to t: UInt64) {
        let s = st
        precondition(t >= s.pointee.time, "VCD time must not go backwards")
        if t != s.pointee.time { s.pointee.time = t; s.pointee.timeWritten = false }
    }

    /// Set a signal's value at the current time; written only if it changed.
    @inline(__always)
    public func set(_ s: Signal, _ v: UInt64) throws {
        try set(slot: slot(s), v)
    }

    @inline(__always)
    private func set(slot: UnsafeMutablePointer<Slot>, _ v: UInt64) throws {
        let st = self.st
        let v = v & slot.pointee.mask
        if slot.pointee.last == v { return }
        Self.setLast(slot, v)
        // room for the time line and the value line at once
        if st.pointee.used &+ Self.timeBound &+ st.pointee.valueBound > capacity { try flush() }
        let p = buffer
        var u = st.pointee.used
        if !st.pointee.timeWritten { u &+= putTimeLine(p + u); st.pointee.timeWritten = true }
        u &+= putValue(slot, v, p + u)
        st.pointee.used = u
    }

    /// The slot of a declared signal.
    @inline(__always)
    private func slot(_ s: Signal) -> UnsafeMutablePointer<Slot> {
        st.pointee.slots + Int(st.pointee.position[s.index])
    }

    /// `last` := v, and `lastRaw` with it.
    @inline(__always)
    private static func setLast(_ slot: UnsafeMutablePointer<Slot>, _ v: UInt64) {
        slot.pointee.last = v
        let shift = UInt64(slot.pointee.shift)
        let raw = v &<< shift
        slot.pointee.lastRaw = raw &>> shift == v ? raw : ~slot.pointee.field
    }

    @inline(__always)
    public func set(_ s: Signal, _ b: Bool) throws { try set(s, b ? 1 : 0) }

    /// Set every declared signal at the current time from `values`
    /// (declaration order, one per signal): one call per time step instead
    /// of one per signal. Only changed values are written.
    public func update(_ values: UnsafePointer<UInt64>) throws {
        try update { i, _ in values[i] }
    }

    /// Set every declared signal at the current time from the bytes at
    /// `base`, where `gather` says (8 bytes readable at every offset given).
    /// (Each signal's bytes are compared, masked, with its last value as
    /// they lie there, the value shifted down only when it changed.)
    public func update(gathering base: UnsafeRawPointer) throws {
        try updateGathering(base, first: nil, 0)
    }

    /// `advance(to: t)`, then `set(s, v)`.
    public func set(_ s: Signal, _ v: UInt64, at t: UInt64) throws {
        advance(to: t)
        try set(s, v)
    }

    /// One period of a clocked design in one call. At `t`: `clock` := 1
    /// (when given), then the gathered signals from `base` (as
    /// `update(gathering:)`). At `falling` (after `t`): `a` := va and `b` :=
    /// vb (when given: inputs driven at the falling edge), then `clock` := 0.
    /// Lines only for changes, as always.
    public func clockPeriod(rising t: UInt64, clock: Signal?, gathering base: UnsafeRawPointer,
                            falling: UInt64, _ a: Signal?, _ va: UInt64, _ b: Signal?, _ vb: UInt64) throws {
        advance(to: t)
        let clockSlot = clock.map { slot($0) }
        try updateGathering(base, first: clockSlot, 1)
        advance(to: falling)
        let s = st
        if s.pointee.rowBound > capacity {
            if let a { try set(a, va) }
            if let b { try set(b, vb) }
            if let clockSlot { try set(slot: clockSlot, 0) }
            return
        }
        if s.pointee.used + s.pointee.rowBound > capacity { try flush() }
        let p = buffer
        var u = s.pointee.used, timeWritten = s.pointee.timeWritten
        // the falling edge's three signals through one copy of the code
        for k in 0..<3 {
            guard let slot = k == 0 ? a.map({ slot($0) }) : k == 1 ? b.map({ slot($0) }) : clockSlot else { continue }
            let v = (k == 0 ? va : k == 1 ? vb : 0) & slot.pointee.mask
            if slot.pointee.last != v {
                Self.setLast(slot, v)
                if !timeWritten { u &+= putTimeLine(p + u); timeWritten = true }
                u &+= putValue(slot, v, p + u)
            }
        }
        s.pointee.used = u
        s.pointee.timeWritten = timeWritten
    }

    /// `first` := v (when given), then the gathered signals from `base`.
    @inline(__always)
    private func updateGathering(_ base: UnsafeRawPointer, first: UnsafeMutablePointer<Slot>?, _ v: UInt64) throws {
        let s = st
        precondition(s.pointee.headerWritten, "update after begin(at:)")
        let g = s.pointee.gatheredCount
        if s.pointee.rowBound > capacity {
            // a buffer too small for a whole row: one signal at a time
            if let first { try set(slot: first, v) }
            for k in 0..<g {
                let slot = s.pointee.slots + k
                try set(slot: slot, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: Int(slot.pointee.offset), as: UInt64.self))
                    &>> UInt64(slot.pointee.shift))
            }
            return
        }
        if s.pointee.used + s.pointee.rowBound > capacity { try flush() }
        let p = buffer
        var u = s.pointee.used
        var timeWritten = s.pointee.timeWritten
        if let first {
            let v = v & first.pointee.mask
            if first.pointee.last != v {
                Self.setLast(first, v)
                if !timeWritten { u &+= putTimeLine(p + u); timeWritten = true }
                u &+= putValue(first, v, p + u)
            }
        }
        // the sentinel after the last slot reads like the first signal, and
        // its masked bytes (0) always differ from its `lastRaw` (1): the end
        // is tested only when a value changed
        var slot = s.pointee.slots
        let end = slot + g
        while true {
            let x = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: Int(slot.pointee.offset), as: UInt64.self)) & slot.pointee.field
            if x != slot.pointee.lastRaw {
                if slot == end { break }
                slot.pointee.lastRaw = x
                let v = x &>> UInt64(slot.pointee.shift)
                slot.pointee.last = v
                if !timeWritten { u &+= putTimeLine(p + u); timeWritten = true }
                u &+= putValue(slot, v, p + u)
            }
            slot += 1
        }
        s.pointee.used = u
        s.pointee.timeWritten = timeWritten
    }

    @inline(__always)
    private func update(_ value: (Int, UnsafeMutablePointer<Slot>) -> UInt64) throws {
        let s = st
        precondition(s.pointee.headerWritten, "update after begin(at:)")
        let n = s.pointee.count
        let slots = s.pointee.slots, position = s.pointee.position
        // a buffer too small for a whole row: one signal at a time
        if s.pointee.rowBound > capacity {
            for i in 0..<n { try set(Signal(index: i), value(i, slots + Int(position[i]))) }
            return
        }
        if s.pointee.used + s.pointee.rowBound > capacity { try flush() }
        let p = buffer
        var u = s.pointee.used
        var timeWritten = s.pointee.timeWritten
        var i = 0
        while i < n {
            let slot = slots + Int(position[i])
            let v = value(i, slot) & slot.pointee.mask
            if slot.pointee.last != v {
                Self.setLast(slot, v)
                if !timeWritten { u &+= putTimeLine(p + u); timeWritten = true }
                u &+= putValue(slot, v, p + u)
            }
            i &+= 1
        }
        s.pointee.used = u
        s.pointee.timeWritten = timeWritten
    }

    /// Hand everything buffered to the output. The bytes written so far are
    /// then a valid VCD (the header is complete, every line is whole).
    public func flush() throws {
        let s = st
        if s.pointee.used > 0 {
            let n = s.pointee.used
            s.pointee.used = 0
            try output(UnsafeRawBufferPointer(start: buffer, count: n))
            s.pointee.bytesWritten += UInt64(n)
        }
    }

    /// Write the closing time (so viewers show the last values' duration)
    /// and flush.
    public func finish(at t: UInt64) throws {
        if st.pointee.headerWritten && t > st.pointee.time {
            st.pointee.time = t
            try timeLine()
        }
        try flush()
    }

    // MARK: formatting

    @inline(__always)
    private func reserve(_ n: Int) throws {
        if st.pointee.used + n > capacity { try flush() }
    }

    private func text(_ s: String) throws {
        var s = s
        try s.withUTF8 { u in
            var off = 0
            while off < u.count {
                if st.pointee.used == capacity { try flush() }
                let k = min(capacity - st.pointee.used, u.count - off)
                (buffer + st.pointee.used).update(from: u.baseAddress! + off, count: k)
                st.pointee.used += k
                off += k
            }
        }
    }

    /// The line of the current time (marks it written).
    private func timeLine() throws {
        try reserve(Self.timeBound)
        st.pointee.used += putTimeLine(buffer + st.pointee.used)
        st.pointee.timeWritten = true
    }

    /// One value line of signal i.
    private func value(_ i: Int, _ v: UInt64) throws {
        try reserve(st.pointee.valueBound)
        st.pointee.used += putValue(st.pointee.slots + Int(st.pointee.position[i]), v, buffer + st.pointee.used)
    }

    /// Store a little-endian word at p (any alignment).
    @inline(__always)
    private static func store(_ w: UInt64, _ p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: w.littleEndian, as: UInt64.self)
    }

    /// Writes the current time's line at p (28 bytes stored); returns its length.
    @inline(__always)
    private func putTimeLine(_ p: UnsafeMutablePointer<UInt8>) -> Int {
        let s = st
        if s.pointee.time != s.pointee.textTime { setTimeText(s.pointee.time) }
        if s.pointee.periodic {
            // '#', the high digits (at most 20 bytes), the low digits and the newline
            let h = UnsafeRawPointer(head)
            for k in 0..<3 { Self.store(UInt64(littleEndian: h.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)), p + 8 * k) }
            let n = s.pointee.headLength
            Self.store(lowTable[s.pointee.phase], p + n)
            return n &+ s.pointee.periodDigits &+ 1
        }
        let n = s.pointee.textDigits
        p[0] = UInt8(ascii: "#")
        // the significant digits and the newline
        let w = UnsafeRawPointer(timeText + 28 - n)
        for k in 0..<3 { Self.store(UInt64(littleEndian: w.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)), p + 1 + 8 * k) }
        return n + 2
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101

    /// The text of time t (not before the text's time). Periodic: the next
    /// phase, `high` and the head moving on when the phases wrap around.
    /// Otherwise `timeText` := the digits of t: the step added to the low 8
    /// digits in one word, each byte a digit, a decimal carry made a binary
    /// one by adding 246 to every byte; all digits anew when the carry
    /// leaves the low 8 or the step is 10^8 or more.
    @inline(__always)
    private func setTimeText(_ t: UInt64) {
        let s = st
        precondition(t >= s.pointee.textTime)
        let step = t - s.pointee.textTime
        if s.pointee.periodic {
            if step == s.pointee.step {
                var m = s.pointee.phase &+ 1
                if m == s.pointee.phases {
                    m = 0
                    s.pointee.high &+= 1
                    incrementHead()
                }
                s.pointee.phase = m
                s.pointee.textTime = t
                return
            }
            // `timeText` was not kept
            s.pointee.periodic = false
            stepChanged(step)
            allDigits(t)
        } else {
            if step != s.pointee.step { stepChanged(step) }
            textDigits(t, step)
        }
        if s.pointee.periodDigits > 0 { enterPeriodic(t) }
    }

    /// `timeText` := the digits of t, from those of t - step.
    @inline(__always)
    private func textDigits(_ t: UInt64, _ step: UInt64) {
        let s = st
        let low = UnsafeMutableRawPointer(timeText + 20)
        if step < 100_000_000 {
            let digits = UInt64(littleEndian: low.loadUnaligned(as: UInt64.self)).byteSwapped &- 0x30 &* Self.ones
            let (y, carryOut) = (digits &+ s.pointee.stepDigits).addingReportingOverflow(0xF6 &* Self.ones)
            if !carryOut {
                // bytes that did not carry are still 246 too high (and have bit 7 set)
                let z = y &- ((y >> 7) & Self.ones) &* 0xF6
                low.storeBytes(of: (z &+ 0x30 &* Self.ones).byteSwapped.littleEndian, as: UInt64.self)
                s.pointee.textDigits = max(s.pointee.textDigits, 8 - z.leadingZeroBitCount >> 3)
                s.pointee.textTime = t
                return
            }
        }
        allDigits(t)
    }

    /// `timeText` := all digits of t.
    private func allDigits(_ t: UInt64) {
        var x = t, n = 0
        for k in stride(from: 27, through: 8, by: -1) {
            timeText[k] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: x % 10)
            x /= 10
            if timeText[k] != UInt8(ascii: "0") { n = 28 - k }
        }
        st.pointee.textDigits = max(n, 1)
        st.pointee.textTime = t
    }

    /// A new time step: its low 8 digits, and whether it divides a power of 10.
    private func stepChanged(_ step: UInt64) {
        let s = st
        s.pointee.step = step
        var d: UInt64 = 0, x = step
        for k in 0..<8 { d |= (x % 10) << UInt64(8 * k); x /= 10 }
        s.pointee.stepDigits = d
        s.pointee.periodDigits = 0
        var power: UInt64 = 1
        for j in 1...7 {
            power *= 10
            if power % step == 0 && power / step <= UInt64(Self.maxPhases) {
                s.pointee.periodDigits = j
                break
            }
        }
    }

    /// Periodic time lines from t on (its text is in `timeText`), once t
    /// has more digits than the low part.
    @inline(never)
    private func enterPeriodic(_ t: UInt64) {
        let s = st
        let j = s.pointee.periodDigits, step = s.pointee.step
        var power: UInt64 = 1
        for _ in 0..<j { power *= 10 }
        guard t >= power else { return }
        let low = t % power, residue = low % step
        s.pointee.phases = Int(power / step)
        if s.pointee.tableStep != step || s.pointee.tableResidue != residue {
            s.pointee.tableStep = step
            s.pointee.tableResidue = residue
            for m in 0..<s.pointee.phases {
                // the j digits of residue + m * step, the newline after them
                var x = residue + UInt64(m) * step, w: UInt64 = 10 << UInt64(8 * j)
                for k in stride(from: j - 1, through: 0, by: -1) {
                    w |= (0x30 + x % 10) << UInt64(8 * k)
                    x /= 10
                }
                lowTable[m] = w
            }
        }
        s.pointee.phase = Int((low - residue) / step)
        s.pointee.high = t / power
        setHead()
        s.pointee.periodic = true
    }

    /// `head` := '#' and the digits of `high`, one more than they were:
    /// a decimal increment of the text.
    @inline(__always)
    private func incrementHead() {
        let s = st
        var k = s.pointee.headLength - 1
        while k > 0 && head[k] == UInt8(ascii: "9") {
            head[k] = UInt8(ascii: "0")
            k -= 1
        }
        if k > 0 { head[k] += 1 } else { setHead() }
    }

    /// `head` := '#' and the digits of `high`.
    private func setHead() {
        let s = st
        let high = s.pointee.high
        var n = 1, x = high
        while x >= 10 { x /= 10; n += 1 }
        head[0] = UInt8(ascii: "#")
        x = high
        for k in stride(from: n, through: 1, by: -1) {
            head[k] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: x % 10)
            x /= 10
        }
        s.pointee.headLength = 1 + n
    }

    /// Writes one value line at p (up to 8 bytes past it stored); returns its length.
    @inline(__always)
    private func putValue(_ slot: UnsafeMutablePointer<Slot>, _ v: UInt64, _ p: UnsafeMutablePointer<UInt8>) -> Int {
        if !slot.pointee.vector {
            Self.store(slot.pointee.suffix | v, p)
            return Int(slot.pointee.suffixCount)
        }
        p[0] = UInt8(ascii: "b")
        // leading zeros dropped: the top byte j's last 8 - lz % 8 characters
        // (lz leading zero bits, at least one character), then 8 per byte
        let lz = (v | 1).leadingZeroBitCount
        var j = 7 &- lz &>> 3
        let table = byteTable
        Self.store(table[Int(truncatingIfNeeded: v &>> UInt64(j &<< 3))] &>> UInt64((lz & 7) &<< 3), p + 1)
        var u = 9 &- lz & 7
        while j > 0 {
            j &-= 1
            Self.store(table[Int(truncatingIfNeeded: (v &>> UInt64(j &<< 3)) & 0xFF)], p + u)
            u &+= 8
        }
        Self.store(slot.pointee.suffix, p + u)
        return u &+ Int(slot.pointee.suffixCount)
    }
}

// Seeded random programs for the milkymist SoC in lock-step (model vs RTL
// SoC): the core mix of `RandomProgram` (ALU, immediates, shifts, multiply,
// divide and modulo also by zero, loads and stores of every size, branches,
// loops, calls, CSRs, scall/break, breakpoints, watchpoints, cache flushes)
// over the SoC's memories (BRAM and SDRAM, cached and through the bit-31
// uncached alias), plus device traffic through the CSR bridge: both sysctl
// timers (one-shot and auto-restart, with interrupts), GPIO out / in /
// interrupt enables, the scratch register, the UART (bytes sent, divisor,
// status, interrupt enables), reads of the read-only registers, reads and
// writes of the coprocessor's bank and of the PCIe endpoint's (unenumerated,
// its host idle), byte and half-word stores to CSRs (the bridge ignores SEL),
// accesses and jumps to unmapped addresses (bus errors), and a system reset
// (a SYSTEM_ID write, at most once per run), and the automaton coprocessor
// (random challenges over windows in BRAM, SDRAM and the code, random
// tables, bad programming of every kind, writes and ABORT while busy,
// polling, IRQ 4 with its handler among the timers' interrupts, CPU stores
// into a window being read). Input pins change on a seeded schedule. Each
// program ends with `bi .` and IE = 0 after aborting a run still going.
import SimKernel

public struct RandomSoCProgram: Sendable {
    public var seed: UInt64
    /// GNU as source, linked at 0 (the milkymist reset vector, in BRAM).
    public var source: String
    /// GPIO input pin changes: (cycle, pins).
    public var gpio: [(cycle: UInt64, pins: UInt32)]

    /// Data area in BRAM (r13), in SDRAM (r22); CSR banks through the
    /// uncached alias: UART (r23), sysctl (r21).
    public static let bramData: UInt32 = 0x8000
    public static let sdramData: UInt32 = 0x4000_1000
    public static let uartBase: UInt32 = 0xE000_0000
    public static let sysctlBase: UInt32 = 0xE000_1000
    /// The coprocessor's bank, reached from the UART's base register (r23).
    public static let coprocessorOffset = 0x2000
    /// No region decodes these: data accesses and fetches get ERR.
    public static let unmappedData: UInt32 = 0x2000_0000
    public static let unmappedCode: UInt32 = 0x1000_0000
    /// Offset from `bramData` of the word that lets a program reset the SoC once.
    public static let resetFlagOffset = 0xFF0

    /// The lock-step stimulus for this program once assembled and linked
    /// (`memory`): its GPIO schedule and an SDRAM latency drawn from the seed
    /// (8, 8, 3 or 1 cycles a beat).
    public func stimulus(memory: [(UInt32, [UInt8])], maxCycles: UInt64 = 300_000) -> SoCStimulus {
        SoCStimulus(memory: memory, gpio: gpio, sdramLatency: [8, 8, 3, 1][Int(seed % 4)], maxCycles: maxCycles)
    }

    /// `coprocessorPercent`: the share of blocks that drive the coprocessor
    /// on top of the ordinary mix (in which it has 8 of 108).
    public static func generate(seed: UInt64, length: Int = 60, coprocessorPercent: Int = 0) -> RandomSoCProgram {
        precondition((0...100).contains(coprocessorPercent))
        var g = Generator(rng: SplitMix64(seed: seed))
        g.coprocessorPercent = coprocessorPercent
        let src = g.socProgram(length: length)
        var gpio: [(cycle: UInt64, pins: UInt32)] = []
        var c: UInt64 = 0
        for _ in 0..<g.int(0...5) {
            c += UInt64(g.int(20...1500))
            gpio.append((c, UInt32(g.int(0...255))))
        }
        return RandomSoCProgram(seed: seed, source: src, gpio: gpio)
    }
}

extension Generator {
    func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }

    mutating func socProgram(length: Int) -> String {
        // the bench's vectors; EID 6 first clears the UART events (a level
        // interrupt), then acknowledges everything pending
        // (and clears the coprocessor's DONE: 6 has STATUS bit 1)
        let out = Self.vectors(interrupt: ["mvi r26, 6", "sw (r23+8), r26",
                                           "sw (r23+\(RandomSoCProgram.coprocessorOffset + 4)), r26",
                                           "rcsr r26, IP", "wcsr IP, r26"])
        emit("ori r13, r0, \(hex(RandomSoCProgram.bramData))")
        emit("mvhi r22, \(hex(RandomSoCProgram.sdramData >> 16))")
        emit("ori r22, r22, \(hex(RandomSoCProgram.sdramData & 0xFFFF))")
        emit("mvhi r23, \(hex(RandomSoCProgram.uartBase >> 16))")
        emit("mvhi r21, \(hex(RandomSoCProgram.sysctlBase >> 16))")
        emit("ori r21, r21, \(hex(RandomSoCProgram.sysctlBase & 0xFFFF))")
        for r in 1...12 { emit("mvi r\(r), \(int(-32768...32767))") }
        // a fast UART (a byte takes 160 x DIVISOR cycles) most of the time
        if chance(3, in: 4) {
            emit("mvi r26, \(int(1...4))")
            emit("sw (r23+4), r26")
        }
        emit("mvi r26, 15")
        emit("wcsr IM, r26")
        emit("mvi r26, 1")
        emit("wcsr IE, r26")
        for _ in 0..<length { socBlock(depth: 0) }
        lines.append("done:")
        emit("wcsr IE, r0")
        emit("mvi r26, 2")          // ABORT a run still going: the SoC halts only with the coprocessor idle
        emit("sw (r23+\(RandomSoCProgram.coprocessorOffset)), r26")
        emit("sw (r21+0x10), r0")
        emit("sw (r21+0x20), r0")
        lines.append("9:  bi 9b")
        return (out + lines + subroutines + coprocessorTable()).joined(separator: "\n") + "\n"
    }

    /// The program's state table (`cop_table`, after the code in BRAM): 1 to
    /// 8 states, now and then a bad descriptor.
    mutating func coprocessorTable() -> [String] {
        let states = int(1...8)
        var t = ["    .align 4", "cop_table:"]
        for _ in 0..<states {
            var d = UInt32(int(0...7)) | UInt32(int(0...31)) << 8 | UInt32(int(0...(states - 1))) << 16 | UInt32(int(0...(states - 1))) << 24
            if chance(1, in: 24) { d = pick([d | 8, d | 40 << 8, d | 0x3F << 24]) }
            t.append("    .word \(hex(word())), \(hex(d))")
        }
        t.append("cop_table_end:")
        return t
    }

    /// A random 32-bit value.
    mutating func word() -> UInt32 { UInt32(truncatingIfNeeded: int(0...Int(UInt32.max))) }

    /// Write a 32-bit value to the coprocessor register at `offset`.
    mutating func coprocessorWrite(_ offset: Int, _ value: UInt32) {
        if value <= 0x7FFF { emit("mvi r26, \(value)") } else {
            emit("mvhi r26, \(hex(value >> 16))")
            emit("ori r26, r26, \(hex(value & 0xFFFF))")
        }
        emit("sw (r23+\(RandomSoCProgram.coprocessorOffset + offset)), r26")
    }

    /// Coprocessor traffic (docs/automaton.md, "The device").
    mutating func coprocessor() {
        let base = RandomSoCProgram.coprocessorOffset
        switch int(0...11) {
        case 0..<4:     // a challenge, then START (with IRQ_EN now and then)
            coprocessorWrite(0x08, word())
            coprocessorWrite(0x0C, word())
            coprocessorWrite(0x10, word())
            let words = chance(1, in: 12) ? UInt32(pick([0, 3, 48, 0x8000_0000])) : UInt32(1) << UInt32(int(0...8))
            coprocessorWrite(0x14, words)
            // the window: the data areas (which the program stores into), the code,
            // through the uncached alias, or (rarely) across a region's end
            let source: UInt32 = chance(1, in: 12) ? pick([0xFFF0, 0x40FF_FFF0, 0x2000_0000, 0x6000_0000])
                : pick([RandomSoCProgram.bramData, RandomSoCProgram.sdramData, 0, 0x8000_0000 | RandomSoCProgram.sdramData])
                    + UInt32(int(0...63)) * 4
            coprocessorWrite(0x18, source)
            coprocessorWrite(0x1C, chance(1, in: 16) ? 0 : UInt32(int(1...(chance(1, in: 4) ? 400 : 60))))
            if chance(5, in: 6) {
                emit("mvhi r26, hi(cop_table)")
                emit("ori r26, r26, lo(cop_table)")
                emit("sw (r23+\(base + 0x20)), r26")
                if chance(1, in: 16) { coprocessorWrite(0x24, UInt32(pick([0, 65, 127]))) } else {
                    emit("mvi r26, (cop_table_end - cop_table) / 8")
                    emit("sw (r23+\(base + 0x24)), r26")
                }
            } else {        // a table over the data areas (mostly bad descriptors) or unmapped
                coprocessorWrite(0x20, pick([RandomSoCProgram.bramData, RandomSoCProgram.sdramData, 0x2000_0000, 0xFFF8]))
                coprocessorWrite(0x24, UInt32(int(1...4)))
            }
            coprocessorWrite(0x28, chance(1, in: 16) ? UInt32(int(17...31)) : UInt32(int(0...16)))
            for _ in 0..<int(0...3) { coprocessorWrite(0x80 + 4 * int(0...15), word()) }
            if chance(1, in: 3) {   // IRQ 4 on: the handler clears DONE
                emit("rcsr r26, IM")
                emit("ori r26, r26, 16")
                emit("wcsr IM, r26")
            }
            coprocessorWrite(0x00, chance(1, in: 2) ? 5 : 1)
        case 4, 5:      // read a register (live results, parameters, an alias)
            emit("lw \(reg()), (r23+\(base + pick([0x04, 0x04, 0x30, 0x34, 0x38, 0x3C, 0x40, 0x14, 0x24, 0x80, 0x104, 0x4C])))")
        case 6:         // wait for the run's end (bounded polling of BUSY)
            let l = newLabel(), out = newLabel()
            emit("mvi r18, \(int(10...200))")
            lines.append("\(l):")
            emit("lw r26, (r23+\(base + 4))")
            emit("andi r26, r26, 1")
            emit("be r26, r0, \(out)")
            emit("addi r18, r18, -1")
            emit("bg r18, r0, \(l)")
            lines.append("\(out):")
        case 7:         // ABORT (with START: ignored while busy)
            coprocessorWrite(0x00, UInt32(pick([2, 3, 6])))
        case 8:         // clear DONE
            coprocessorWrite(0x04, 2)
        case 9:         // a parameter write (ignored while busy)
            coprocessorWrite(pick([0x08, 0x14, 0x1C, 0x24, 0x84]), UInt32(int(0...300)))
        case 10:        // a byte or half-word store (SEL ignored): CTRL, STATUS or a parameter
            emit("mvi r26, \(int(0...7))")
            emit("\(pick(["sb", "sh"])) (r23+\(base + pick([0, 4, 0x1C]))), r26")
        default:        // the CPU stores into the data areas a window may be reading
            emit("sw (\(pick(["r13", "r22"]))+\(int(0...63) * 4)), \(reg())")
        }
    }

    /// A load or store in BRAM or SDRAM, cached or through the uncached alias.
    mutating func socMemory() {
        var base = pick(["r13", "r13", "r22", "r11"])
        if base == "r11" {
            let region: UInt32 = pick([0x8000_0000 | RandomSoCProgram.bramData, 0x8000_0000 | RandomSoCProgram.sdramData,
                                       RandomSoCProgram.bramData, RandomSoCProgram.sdramData])
            emit("mvhi r11, \(hex(region >> 16))")
            emit("ori r11, r11, \(hex((region & 0xFFFF) + UInt32(int(0...0x3F)) * 16))")
        } else if chance(1, in: 8) {
            base = base == "r13" ? "r22" : "r13"
        }
        let off = chance(1, in: 2) ? int(0...63) : int(0...1023)
        let size = int(0...2)
        let aligned = chance(7, in: 8) ? off & ~((1 << size) - 1) : off
        if chance(1, in: 2) {
            emit("\(pick([["lb", "lbu"], ["lh", "lhu"], ["lw"]][size])) \(reg()), (\(base)+\(aligned))")
        } else {
            emit("\(["sb", "sh", "sw"][size]) (\(base)+\(aligned)), \(reg())")
        }
    }

    /// Device traffic through the CSR bridge.
    mutating func device() {
        let t = int(0...1) == 0 ? 0x10 : 0x20      // timer 0 or 1
        switch int(0...15) {
        case 0, 1:      // start a timer: period, counter, one-shot or auto-restart
            emit("mvi r26, \(chance(3, in: 4) ? int(100...400) : int(400...3000))")
            emit("sw (r21+\(t + 4)), r26")
            emit("sw (r21+\(t + 8)), r0")
            emit("mvi r26, \(pick([1, 3, 3]))")
            emit("sw (r21+\(t)), r26")
        case 2: emit("lw \(reg()), (r21+\(t + 8))")                 // counter
        case 3: emit("lw \(reg()), (r21+\(t + pick([0, 4])))")      // control, compare
        case 4: emit("sw (r21+\(t)), r0")                            // stop
        case 5:         // GPIO out, interrupt enables
            emit("mvi r26, \(int(0...255))")
            emit("sw (r21+\(pick([4, 8]))), r26")
        case 6: emit("lw \(reg()), (r21+\(pick([0, 4, 8])))")       // GPIO in/out/inten
        case 7:         // send a byte
            emit("mvi r26, \(int(32...126))")
            emit("sw (r23+0), r26")
        case 8: emit("lw \(reg()), (r23+\(pick([0, 4, 8, 12, 16])))")
        case 9:         // UART interrupt enables (TX_IRQ_EN / RX_IRQ_EN)
            emit("mvi r26, \(int(0...3))")
            emit("sw (r23+12), r26")
        case 10:        // clear UART events (write one to clear)
            emit("mvi r26, \(int(0...7))")
            emit("sw (r23+8), r26")
        case 11:        // scratch register, byte and half stores (SEL ignored)
            emit("\(pick(["sb", "sh", "sw"])) (r21+0x50), \(reg())")
            emit("lw \(reg()), (r21+0x50)")
        case 12: emit("lw \(reg()), (r21+\(pick([0x74, 0x78, 0x7C, 0x40, 0x54])))")   // read-only registers
        case 13:
            // bank 2 (the coprocessor's first registers) or bank 3, the PCIe endpoint, anywhere
            // in its decoded 0x200 bytes or their repeats: its host is idle and the device not
            // enumerated, so a DMA START is refused (bus mastering off) and an MSI blocked,
            // with their causes, counters and IRQ 5 (which IM never enables)
            let offset = chance(1, in: 3) ? 0x2000 + int(0...15) * 4
                : 0x3000 + (chance(3, in: 4) ? int(0...127) : int(128...1023)) * 4
            emit("ori r26, r23, \(hex(UInt32(offset)))")
            emit(chance(1, in: 2) ? "lw \(reg()), (r26+0)" : "sw (r26+0), \(reg())")
        case 14:        // a divisor change (takes effect at the next reload)
            emit("mvi r26, \(int(1...6))")
            emit("sw (r23+4), r26")
        default:        // a cached CSR access (no bit 31): goes through the D cache
            emit("mvhi r26, 0x6000")
            emit("lw \(reg()), (r26+\(pick([0x1000 + t + 8, 0x1074, 0x8])))")
        }
    }

    mutating func socBlock(depth: Int) {
        if coprocessorPercent > 0 && chance(coprocessorPercent, in: 100) { return coprocessor() }
        switch int(0...107) {
        case 100..<108: coprocessor()
        case 0..<30: alu()
        case 30..<44: socMemory()
        case 44..<62: device()
        case 62..<64: divide()
        case 64..<70: forwardBranch()
        case 70..<76 where depth < 2: loop(depth: depth) { $0.socBlock(depth: depth + 1) }
        case 76..<79 where depth == 0: call()
        case 79..<82: emit("rcsr \(reg()), \(pick(["IE", "IM", "IP", "CFG", "EBA", "DEBA"]))")
        case 82..<83: setIM()
        case 83..<85: scallOrBreak()
        case 85..<86: breakpoint()
        case 86..<87: watchpoint()
        case 87..<88: emit("wcsr DCC, r0")
        case 88..<89: flushICache()
        case 89..<91:   // an unmapped data access: ERR, EID 4
            emit("mvhi r26, \(hex(RandomSoCProgram.unmappedData >> 16))")
            emit(chance(1, in: 2) ? "lw \(reg()), (r26+\(int(0...255) * 4))" : "sw (r26+\(int(0...255) * 4)), \(reg())")
        case 91..<92:   // a jump to unmapped code: ERR on the I bus, EID 2 resumes at r17
            jumpToErrorCode(RandomSoCProgram.unmappedCode + UInt32(int(0...63) * 4))
        case 92..<94: forwardJump()
        case 96..<97:   // a system reset (SYSTEM_ID write), once per run: a flag in BRAM
                        // survives it, and the program starts over from the reset vector
            let l = newLabel()
            emit("lw r26, (r13+\(RandomSoCProgram.resetFlagOffset))")
            emit("bne r26, r0, \(l)")
            emit("mvi r26, 1")
            emit("sw (r13+\(RandomSoCProgram.resetFlagOffset)), r26")
            emit("sw (r21+0x7c), r0")
            lines.append("\(l):")
        case 94..<96:   // wait a little for interrupts
            emit("mvi r18, \(int(5...150))")
            let l = newLabel()
            lines.append("\(l):")
            emit("addi r18, r18, -1")
            emit("bg r18, r0, \(l)")
        default:
            alu()
        }
    }
}

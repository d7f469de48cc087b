// Seeded random LM32 programs for lock-step conformance: ALU and immediates,
// shifts, multiply, divide and modulo (also by zero), every load and store
// size (cached, uncached, misaligned, inside a data-bus error window), compares,
// forward and backward branches taken and not, bounded loops, calls and
// returns, CSR reads and writes, scall/break, breakpoints and watchpoints,
// cache flushes, and interrupt pulses. Each program ends through the test
// device; its exception handlers return past the excepting instruction.
import SimKernel
import LM32Cycle

public struct RandomProgram: Sendable {
    public var seed: UInt64
    /// GNU as source, linked at 0 (the reset vector).
    public var source: String
    public var interrupts: [(cycle: UInt64, lines: UInt32)]
    /// External break requests (cycle of a one-cycle pulse).
    public var externalBreaks: [UInt64]
    public var dataErrorWindow: ClosedRange<UInt32>?
    /// Instruction fetches here get ERR (the program jumps into it on purpose).
    public var instructionErrorWindow: ClosedRange<UInt32>?

    /// The data area used by loads and stores (r13 points at its start).
    public static let dataBase: UInt32 = 0x8000
    /// Part of the data area that answers with ERR when the window is on.
    public static let errorWindow: ClosedRange<UInt32> = 0x8F00...0x8FFF
    /// Code addresses that answer with ERR; nothing is placed there.
    public static let instructionErrorWindow: ClosedRange<UInt32> = 0x7000...0x70FF

    /// The lock-step stimulus for this program once assembled and linked
    /// (`memory`): wait states 0–3 per bus drawn from the seed, its error
    /// windows, interrupt pulses and external breaks.
    public func stimulus(memory: [(UInt32, [UInt8])], maxCycles: UInt64 = 300_000) -> Stimulus {
        var rng = SplitMix64(seed: seed ^ 0x5EED)
        let bench = BenchConfig(instructionWaitStates: Int.random(in: 0...3, using: &rng),
                                dataWaitStates: Int.random(in: 0...3, using: &rng),
                                instructionErrorWindow: instructionErrorWindow,
                                dataErrorWindow: dataErrorWindow)
        return Stimulus(memory: memory, bench: bench, interrupts: interrupts, externalBreaks: externalBreaks,
                        maxCycles: maxCycles)
    }

    /// `loops`: the loop-heavy variant for the fast path's traces
    /// (docs/lm32-fastpath.md): each top-level block is a loop of 16–200
    /// iterations over 2–8 blocks of the same mix (calls among them), so
    /// that iterations repeat; its own stream of programs.
    public static func generate(seed: UInt64, length: Int = 60, loops: Bool = false) -> RandomProgram {
        var g = Generator(rng: SplitMix64(seed: loops ? seed ^ 0x100B_5EED_100B_5EED : seed))
        if loops { g.outerLoops = (16...200, 2...8) }
        let src = g.program(length: loops ? length / 5 : length)
        var irq: [(cycle: UInt64, lines: UInt32)] = []
        var extBreaks: [UInt64] = []
        if g.chance(1, in: 4) { extBreaks = [UInt64(g.int(30...1500))] }
        if g.chance(3, in: 4) {
            var c: UInt64 = 0
            for _ in 0..<g.int(1...6) {
                c += UInt64(g.int(30...1200))
                let line = UInt32(1) << UInt32(g.int(0...3))
                irq.append((c, line))
                c += UInt64(g.int(1...5))
                irq.append((c, 0))
            }
        }
        return RandomProgram(seed: seed, source: src, interrupts: irq, externalBreaks: extBreaks,
                             dataErrorWindow: g.chance(1, in: 2) ? errorWindow : nil,
                             instructionErrorWindow: instructionErrorWindow)
    }
}

/// The instruction mix shared by the bench and the SoC generators (the
/// SoC's adds devices and its own memories; see RandomSoCProgram).
struct Generator {
    var rng: SplitMix64
    var lines: [String] = []
    var label = 0
    var subroutines: [String] = []
    var subCount = 0
    /// SoC programs: the percentage of blocks that drive the coprocessor
    /// besides those of the ordinary mix.
    var coprocessorPercent = 0
    /// The loop-heavy variant: every top-level block a loop of this many
    /// iterations over this many blocks.
    var outerLoops: (iterations: ClosedRange<Int>, blocks: ClosedRange<Int>)? = nil

    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    mutating func chance(_ n: Int, in d: Int) -> Bool { int(0...(d - 1)) < n }
    mutating func reg() -> String { "r\(int(1...12))" }
    mutating func newLabel() -> String { label += 1; return "L\(label)" }
    mutating func pick<T>(_ a: [T]) -> T { a[int(0...(a.count - 1))] }

    mutating func emit(_ s: String) { lines.append("    " + s) }

    mutating func program(length: Int) -> String {
        let out = Self.vectors(interrupt: ["rcsr r26, IP", "wcsr IP, r26"])
        emit("mvhi r13, 0x0000")
        emit("ori r13, r13, 0x8000")
        for r in 1...12 { emit("mvi r\(r), \(int(-32768...32767))") }
        emit("mvi r26, 15")
        emit("wcsr IM, r26")
        emit("mvi r26, 1")
        emit("wcsr IE, r26")
        for _ in 0..<length {
            if let o = outerLoops {
                loop(depth: 0, iterations: o.iterations, blocks: o.blocks) { $0.block(depth: 1) }
            } else {
                block(depth: 0)
            }
        }
        lines.append("done:")
        emit("mvhi r12, 0xffff")
        emit("sw (r12+0), r0")
        // an external break may skip the end store: store again while spinning
        lines.append("9:  sw (r12+0), r0")
        emit("bi 9b")
        return (out + lines + subroutines).joined(separator: "\n") + "\n"
    }

    /// The vector table at 0 up to `main:`: reset, then one 32-byte slot per
    /// EID (handlers use r24..r27). `interrupt`: what the EID 6 handler does
    /// between counting in r27 and `eret` (at most 5 instructions).
    static func vectors(interrupt: [String]) -> [String] {
        precondition(interrupt.count <= 5, "the EID 6 handler fits its 32-byte slot")
        return ["    .text", "_start:", "    xor r0, r0, r0", "    bi main", "    .align 32",
                // EID 1 breakpoint (break or BPn): skip the instruction
                "    addi r25, r25, 1", "    addi ba, ba, 4", "    bret", "    .align 32",
                // EID 2 instruction bus error: r17 holds where to resume
                "    addi r25, r25, 2", "    mv ea, r17", "    eret", "    .align 32",
                // EID 3 watchpoint: skip the access
                "    addi r25, r25, 4", "    addi ba, ba, 4", "    bret", "    .align 32",
                // EID 4 data bus error: ea is the last load/store that left M
                // before the error was seen (not always the faulting one), so
                // resuming after it may repeat the fault: give up after 20.
                "    addi r24, r24, 1", "    cmpgui r26, r24, 20", "    bne r26, r0, done",
                "    addi ea, ea, 4", "    eret", "    .align 32",
                // EID 5 divide by zero
                "    addi r25, r25, 16", "    addi ea, ea, 4", "    eret", "    .align 32",
                // EID 6 interrupt: count, the caller's acknowledgement, resume at ea
                "    addi r27, r27, 1"] + interrupt.map { "    " + $0 } + ["    eret", "    .align 32",
                // EID 7 system call
                "    addi r25, r25, 64", "    addi ea, ea, 4", "    eret", "    .align 32",
                "main:"]
    }

    mutating func alu() {
        let rrr = ["add", "sub", "and", "or", "xor", "nor", "xnor", "sl", "sr", "sru", "mul",
                   "cmpe", "cmpne", "cmpg", "cmpge", "cmpgu", "cmpgeu"]
        let rriS = ["addi", "muli", "cmpei", "cmpnei", "cmpgi", "cmpgei"]
        let rriU = ["andi", "ori", "xori", "nori", "xnori", "cmpgui", "cmpgeui"]
        switch int(0...6) {
        case 0, 1: emit("\(pick(rrr)) \(reg()), \(reg()), \(reg())")
        case 2: emit("\(pick(rriS)) \(reg()), \(reg()), \(int(-32768...32767))")
        case 3: emit("\(pick(rriU)) \(reg()), \(reg()), \(int(0...65535))")
        case 4: emit("\(pick(["sli", "sri", "srui"])) \(reg()), \(reg()), \(int(0...31))")
        case 5: emit("\(pick(["andhi", "orhi"])) \(reg()), \(reg()), \(int(0...65535))")
        default: emit("\(pick(["sextb", "sexth"])) \(reg()), \(reg())")
        }
    }

    mutating func memory() {
        let base = chance(1, in: 6) ? "r11" : "r13"
        if base == "r11" {
            // an uncached alias (reads wrap into RAM; writes are dropped), or a plain RAM address
            emit(chance(1, in: 2) ? "mvhi r11, 0x8000" : "mvhi r11, 0x0000")
            emit("ori r11, r11, \(0x8000 + int(0...0x7F0))")
        }
        let off = chance(1, in: 8) ? 0xF00 + int(0...0xFF) : chance(1, in: 2) ? int(0...63) : int(0...255)
        let size = int(0...2)
        let aligned = chance(7, in: 8) ? off & ~((1 << size) - 1) : off
        if chance(1, in: 2) {
            emit("\(pick([["lb", "lbu"], ["lh", "lhu"], ["lw"]][size])) \(reg()), (\(base)+\(aligned))")
        } else {
            emit("\(["sb", "sh", "sw"][size]) (\(base)+\(aligned)), \(reg())")
        }
    }

    mutating func block(depth: Int) {
        switch int(0...99) {
        case 0..<35: alu()
        case 35..<55: memory()
        case 55..<58: divide()
        case 58..<66: forwardBranch()
        case 66..<72 where depth < 2: loop(depth: depth) { $0.block(depth: depth + 1) }
        case 72..<76 where depth == 0 || outerLoops != nil: call()
        case 76..<80: emit("rcsr \(reg()), \(pick(["IE", "IM", "IP", "CC", "CFG", "EBA", "DEBA"]))")
        case 80..<82: setIM()
        case 82..<84: scallOrBreak()
        case 84..<86: breakpoint()
        case 86..<88: watchpoint()
        case 88..<89: emit("wcsr DCC, r0")
        case 89..<90: flushICache()
        case 90..<91:   // jump into the instruction-bus error window; EID 2 resumes at r17
            jumpToErrorCode(0x7000 + UInt32(int(0...63) * 4))
        case 91..<92:   // an undefined opcode (0x27, 0x2a, 0x35) or `user` (disabled): executes as add
            let op = pick([0x27, 0x2A, 0x35, 0x33])
            let w = UInt32(op) << 26 | UInt32(int(1...12)) << 21 | UInt32(int(1...12)) << 16 | UInt32(int(1...12)) << 11
            emit(".word 0x" + String(w, radix: 16))
        case 92..<93:   // DC.RE (all exceptions to DEBA); single step is left out: with these
                        // handlers it can spin in the break handler (the RTL does the same)
            emit("mvi r26, 2")
            emit("wcsr DC, r26")
        case 93..<95: forwardJump()
        default:
            alu()
        }
    }

    mutating func divide() {
        emit("\(pick(["divu", "modu"])) \(reg()), \(reg()), \(chance(1, in: 4) ? "r0" : reg())")
    }

    /// A forward branch over 1..3 instructions.
    mutating func forwardBranch() {
        let l = newLabel()
        let cond = pick(["be", "bne", "bg", "bge", "bgu", "bgeu"])
        emit("\(cond) \(reg()), \(reg()), \(l)")
        for _ in 0..<int(1...3) { alu() }
        lines.append("\(l):")
    }

    /// A bounded backward loop of 1..4 bodies (by default 1..4 times).
    mutating func loop(depth: Int, iterations: ClosedRange<Int> = 1...4, blocks: ClosedRange<Int> = 1...4,
                       body: (inout Generator) -> Void) {
        let l = newLabel()
        let counter = depth == 0 ? "r14" : "r15"
        emit("mvi \(counter), \(int(iterations))")
        lines.append("\(l):")
        for _ in 0..<int(blocks) { body(&self) }
        emit("addi \(counter), \(counter), -1")
        emit("bg \(counter), r0, \(l)")
    }

    /// A call of a new leaf subroutine, direct or through a register.
    mutating func call() {
        subCount += 1
        let name = "sub\(subCount)"
        var body = ["\(name):"]
        for _ in 0..<int(1...3) { body.append("    add \(reg()), \(reg()), \(reg())") }
        body.append("    ret")
        subroutines += body
        if chance(1, in: 2) {
            emit("calli \(name)")
        } else {
            emit("mvhi r16, hi(\(name))")
            emit("ori r16, r16, lo(\(name))")
            emit("call r16")
        }
    }

    mutating func setIM() {
        emit("mvi r26, \(int(0...15))")
        emit("wcsr IM, r26")
    }

    mutating func scallOrBreak() { emit(chance(1, in: 2) ? "scall" : "break") }

    /// A breakpoint on the next-but-one instruction.
    mutating func breakpoint() {
        let l = newLabel()
        emit("mvhi r26, hi(\(l))")
        emit("ori r26, r26, lo(\(l))")
        emit("ori r26, r26, 1")
        emit("wcsr BP\(int(0...3)), r26")
        alu()
        lines.append("\(l):")
        alu()
    }

    /// A watchpoint on a data word at r13.
    mutating func watchpoint() {
        emit("addi r26, r13, \(int(0...15) * 4)")
        let n = int(0...3)
        emit("wcsr WP\(n), r26")
        emit("mvi r26, \(int(1...3) << (2 + 2 * n))")
        emit("wcsr DC, r26")
    }

    mutating func flushICache() {
        emit("wcsr ICC, r0")
        for _ in 0..<4 { emit("nop") }
    }

    /// Jump or call to `target`, where fetches get ERR; EID 2 resumes at r17.
    mutating func jumpToErrorCode(_ target: UInt32) {
        let l = newLabel()
        emit("mvhi r17, hi(\(l))")
        emit("ori r17, r17, lo(\(l))")
        emit("mvhi r16, \(target >> 16)")
        emit("ori r16, r16, \(target & 0xFFFF)")
        emit(chance(1, in: 2) ? "b r16" : "call r16")
        lines.append("\(l):")
    }

    /// An unconditional forward jump over one instruction.
    mutating func forwardJump() {
        let l = newLabel()
        emit("bi \(l)")
        alu()
        lines.append("\(l):")
    }
}

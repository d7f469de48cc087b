import Testing
import SimBus
@testable import LM32

/// A flat RAM bus for core tests; addresses at or above 0x8000_0000 answer ERR.
final class FlatBus: LM32Bus {
    let ram = WordMemory(base: 0, byteCount: 0x1_0000)
    func fetch(_ a: UInt32) -> BusResult { a >= 0x8000_0000 ? .error : .ok(ram.word(at: a)) }
    func read(_ a: UInt32, sel: UInt8) -> BusResult { a >= 0x8000_0000 ? .error : .ok(ram.word(at: a)) }
    func write(_ a: UInt32, data: UInt32, sel: UInt8) -> Bool {
        guard a < 0x8000_0000 else { return false }
        ram.write(at: a, data: data, sel: sel); return true
    }
}

final class Collect: TraceSink {
    var lines: [Retirement] = []
    func retire(_ r: Retirement) { lines.append(r) }
}

func enc(_ m: String, _ o: Operands = Operands(), pc: UInt32 = 0) -> UInt32 {
    try! InstructionSpec.byMnemonic[m]!.encode(o, pc: pc)
}

func machine(_ words: [UInt32], at base: UInt32 = 0) -> (LM32Core, FlatBus) {
    let bus = FlatBus()
    for (i, w) in words.enumerated() { bus.ram.write(at: base + UInt32(i * 4), data: w, sel: 0xF) }
    return (LM32Core(config: .testbenchCache, bus: bus), bus)
}

@Suite struct CoreTests {
    /// Each ALU operation on a known state, driven from the table's mnemonics.
    @Test(arguments: [
        ("add", 0x7FFF_FFFF as UInt32, 1 as UInt32, 0x8000_0000 as UInt32), ("sub", 0, 1, 0xFFFF_FFFF),
        ("and", 0xF0F0, 0xFF00, 0xF000), ("or", 0xF0F0, 0x0F0F, 0xFFFF), ("xor", 0xFF, 0x0F, 0xF0),
        ("nor", 0, 0, 0xFFFF_FFFF), ("xnor", 0xFFFF_FFFF, 0, 0), ("sl", 1, 33, 2), ("sr", 0x8000_0000, 31, 0xFFFF_FFFF),
        ("sru", 0x8000_0000, 31, 1), ("mul", 0xFFFF_FFFF, 0xFFFF_FFFF, 1), ("divu", 7, 2, 3), ("modu", 7, 2, 1),
        ("cmpe", 5, 5, 1), ("cmpne", 5, 5, 0), ("cmpg", 0xFFFF_FFFF, 0, 0), ("cmpgu", 0xFFFF_FFFF, 0, 1),
        ("cmpge", 3, 3, 1), ("cmpgeu", 2, 3, 0),
    ])
    func registerOps(m: String, a: UInt32, b: UInt32, expect: UInt32) {
        let (core, _) = machine([enc(m, Operands(a: 1, b: 2, c: 3))])
        core.setRegister(1, a); core.setRegister(2, b)
        core.step()
        #expect(core.gpr[3] == expect)
        #expect(core.pc == 4)
    }

    @Test func immediateExtension() {
        let (core, _) = machine([
            enc("addi", Operands(a: 0, b: 1, imm: -1)),       // sign-extended
            enc("ori", Operands(a: 0, b: 2, imm: 0xFFFF)),    // zero-extended
            enc("orhi", Operands(a: 2, b: 3, imm: 0x1234)),   // high half
            enc("cmpgui", Operands(a: 1, b: 4, imm: 0xFFFF)), // unsigned compare
        ])
        for _ in 0..<4 { core.step() }
        #expect(core.gpr[1] == 0xFFFF_FFFF)
        #expect(core.gpr[2] == 0x0000_FFFF)
        #expect(core.gpr[3] == 0x1234_FFFF)
        #expect(core.gpr[4] == 1)
    }

    @Test func loadsAndStoresAreBigEndianAndAlignDown() {
        let (core, bus) = machine([
            enc("sw", Operands(a: 0, b: 1, imm: 0x100)),
            enc("lb", Operands(a: 0, b: 2, imm: 0x100)),
            enc("lbu", Operands(a: 0, b: 3, imm: 0x100)),
            enc("lhu", Operands(a: 0, b: 4, imm: 0x103)),     // A[0] ignored → 0x102
            enc("lw", Operands(a: 0, b: 5, imm: 0x102)),      // A[1:0] ignored → 0x100
            enc("sb", Operands(a: 0, b: 1, imm: 0x105)),
        ])
        core.setRegister(1, 0x80C0_FF11)
        for _ in 0..<6 { core.step() }
        #expect(core.gpr[2] == 0xFFFF_FF80)
        #expect(core.gpr[3] == 0x80)
        #expect(core.gpr[4] == 0xFF11)
        #expect(core.gpr[5] == 0x80C0_FF11)
        #expect(bus.ram.word(at: 0x104) == 0x0011_0000)
    }

    @Test func branchesAndCalls() {
        let (core, _) = machine([
            enc("be", Operands(a: 0, b: 0, target: 8), pc: 0),   // taken → 8
            0,
            enc("calli", Operands(target: 0x20), pc: 8),         // → 0x20, ra = 0xC
        ])
        core.step(); #expect(core.pc == 8)
        core.step(); #expect(core.pc == 0x20); #expect(core.gpr[29] == 0xC)
    }

    @Test func undefinedOpcodeAdds() {
        let (core, _) = machine([0x27 << 26 | 1 << 21 | 2 << 16 | 3 << 11])
        core.setRegister(1, 40); core.setRegister(2, 2)
        core.step()
        #expect(core.gpr[3] == 42)
    }

    @Test func r0IsAnOrdinaryRegister() {
        let (core, _) = machine([enc("addi", Operands(a: 0, b: 0, imm: 5))])
        core.step()
        #expect(core.gpr[0] == 5)
    }

    /// scall: ea = PC of the scall, EIE ← IE, IE ← 0, vector EBA + 7·32.
    @Test func systemCallAndEret() {
        let (core, _) = machine([
            enc("mvi", Operands(b: 1, imm: 1)), enc("wcsr", Operands(b: 1, csr: 0)), enc("scall"),
        ])
        for _ in 0..<3 { core.step() }
        #expect(core.gpr[30] == 8)
        #expect(core.pc == 0xE0)
        #expect(core.readCSR(0) == 2)
        // eret at the vector restores IE from EIE
        core.setRegister(30, 0x40)
        let (core2, bus2) = (core, core.bus as! FlatBus)
        bus2.ram.write(at: 0xE0, data: enc("eret"), sel: 0xF)
        core2.step()
        #expect(core2.pc == 0x40)
        #expect(core2.readCSR(0) == 3)
    }

    @Test func breakUsesDebaAndBa() {
        let (core, _) = machine([enc("mvi", Operands(b: 1, imm: 1)), enc("wcsr", Operands(b: 1, csr: 0)), enc("break")])
        for _ in 0..<3 { core.step() }
        #expect(core.gpr[31] == 8)
        #expect(core.pc == 0x20)
        #expect(core.readCSR(0) == 4)   // BIE ← IE, IE ← 0
    }

    @Test func divideByZeroDoesNotWrite() {
        let (core, _) = machine([enc("divu", Operands(a: 1, b: 2, c: 3))])
        core.setRegister(3, 99)
        core.step()
        #expect(core.gpr[3] == 99)
        #expect(core.gpr[30] == 0)
        #expect(core.pc == 0xA0)
    }

    @Test func interruptTakenWhenEnabledAndMasked() {
        let (core, _) = machine([
            enc("mvi", Operands(b: 1, imm: 4)), enc("wcsr", Operands(b: 1, csr: 1)),     // IM = 4
            enc("mvi", Operands(b: 1, imm: 1)), enc("wcsr", Operands(b: 1, csr: 0)),     // IE = 1
            enc("nop"),
        ])
        core.interruptLines = 4
        for _ in 0..<4 { core.step() }
        #expect(core.readCSR(2) == 4)   // IP latched
        core.step()                     // the nop is replaced by the interrupt
        #expect(core.pc == 0xC0)
        #expect(core.gpr[30] == 0x10)
        #expect(core.readCSR(0) == 2)
    }

    @Test func dataBusErrorSurfacesOnNextInstruction() {
        let (core, _) = machine([
            enc("mvhi", Operands(b: 1, imm: 0x8000)),
            enc("lw", Operands(a: 1, b: 2, imm: 0)),
            enc("addi", Operands(a: 0, b: 3, imm: 7)),
        ])
        for _ in 0..<3 { core.step() }
        #expect(core.gpr[3] == 0)       // discarded
        #expect(core.gpr[30] == 4)      // PC of the load
        #expect(core.pc == 0x80)
    }

    @Test func instructionBusError() {
        let (core, _) = machine([enc("mvhi", Operands(b: 1, imm: 0x8000)), enc("b", Operands(a: 1))])
        for _ in 0..<3 { core.step() }
        #expect(core.gpr[30] == 0x8000_0000)
        #expect(core.pc == 0x40)
    }

    @Test func breakpointAndWatchpoint() {
        let (core, _) = machine([
            enc("mvi", Operands(b: 1, imm: 0x11)), enc("wcsr", Operands(b: 1, csr: 16)),  // BP0 = 0x10 | enable
            enc("mvi", Operands(b: 1, imm: 0x100)), enc("wcsr", Operands(b: 1, csr: 24)), // WP0 = 0x100
        ])
        for _ in 0..<5 { core.step() }   // the fifth instruction, at 0x10, hits BP0
        #expect(core.pc == 0x20); #expect(core.gpr[31] == 0x10)
        // watchpoint on stores (DC bits 3:2 = 10)
        let (c2, bus2) = machine([
            enc("mvi", Operands(b: 1, imm: 0x100)), enc("wcsr", Operands(b: 1, csr: 24)),
            enc("mvi", Operands(b: 1, imm: 8)), enc("wcsr", Operands(b: 1, csr: 8)),
            enc("sw", Operands(a: 0, b: 1, imm: 0x100)),
        ])
        for _ in 0..<5 { c2.step() }
        #expect(c2.pc == 0x60); #expect(c2.gpr[31] == 0x10)
        #expect(bus2.ram.word(at: 0x100) == 0)   // suppressed
    }

    @Test func traceRecordsEveryWrite() {
        let (core, _) = machine([enc("mvi", Operands(b: 1, imm: 3)), enc("sh", Operands(a: 0, b: 1, imm: 0x102)),
                                 enc("wcsr", Operands(b: 1, csr: 1))])
        let sink = Collect()
        core.trace = sink
        for _ in 0..<3 { core.step() }
        #expect(sink.lines.map(\.effects) == [[.reg(1, 3)], [.mem(0x102, .half, 3)], [.csr(1, 3)]])
        #expect(TraceFormat.line(sink.lines[1]) == "2\t00000004\t0c010102\tsh (r0+258),r1\tmw16[0x00000102]=0x0003")
    }
}

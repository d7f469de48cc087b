import Foundation
import Testing
@testable import LM32Asm

/// Garbage and mutated sources: the assembler and linker either succeed or
/// throw an AssemblerError with a location; they never crash or hang.
@Suite struct RobustnessTests {
    static let seed = """
        .include "inc.S"
        .macro load reg val=0x10
            mvhi \\reg, hi(\\val)
            ori \\reg, \\reg, lo(\\val)
        .endm
        .global _start
        _start: xor r0, r0, r0 ; load r1 0x12345678
        1:  lw r2, (r1+-4)   # comment
            sw gp(var), r2
            .rept 2
            bne r1, r2, 1b
            .endr
        .if X > 1
            mva r3, gp(var)
        .else
            calli 2f
        .endif
        2:  ret
        .data
        var: .word 1, 2, _start + 4
            .asciz "a\\"b"
            .align 4
        /* block
           comment */
        .bss
            .space 16
        """

    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789 ,()+-*/<>&|^~!=.:;#\"'\\@\n\t_$".utf8)

    func attempt(_ src: String) {
        let files = ["inc.S": "X = 2\n"]
        do throws(AssemblerError) {
            let o = try Assembler.assemble(source: src, fileName: "m.S", readFile: { files[$0] })
            _ = try Linker.link([o], layout: .unitTests)
        } catch {
            #expect(!error.message.isEmpty)
            #expect(error.location.line >= 0 && error.location.column >= 0)
        }
    }

    @Test func seedAssembles() throws {
        let o = try Assembler.assemble(source: Self.seed, fileName: "m.S", readFile: { $0 == "inc.S" ? "X = 2\n" : nil })
        _ = try Linker.link([o], layout: .unitTests)
    }

    @Test func mutatedSources() {
        var rng = TestRandom(seed: 77)
        let base = Array(Self.seed.utf8)
        // LM32ASM_FUZZ_ITERATIONS raises the count for a longer local run.
        let n = Int(ProcessInfo.processInfo.environment["LM32ASM_FUZZ_ITERATIONS"] ?? "") ?? 1500
        for _ in 0..<n {
            var b = base
            let edits = Int(rng.next() % 6) + 1
            for _ in 0..<edits {
                let at = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[at] = Self.alphabet[Int(rng.next() % UInt64(Self.alphabet.count))]
                case 1: b.remove(at: at)
                default: b.insert(Self.alphabet[Int(rng.next() % UInt64(Self.alphabet.count))], at: at)
                }
                if b.isEmpty { b = [0x20] }
            }
            attempt(String(decoding: b, as: UTF8.self))
        }
    }

    @Test func randomGarbage() {
        var rng = TestRandom(seed: 99)
        for _ in 0..<500 {
            let n = Int(rng.next() % 200)
            let b = (0..<n).map { _ in Self.alphabet[Int(rng.next() % UInt64(Self.alphabet.count))] }
            attempt(String(decoding: b, as: UTF8.self))
        }
        attempt(String(decoding: [0xFF, 0xFE, 0x00, 0x80], as: UTF8.self))
    }

    @Test func pathologicalInputsAreBounded() {
        func expectError(_ src: String, _ fragment: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            let e = TestSupport.error(src)
            #expect(e?.message.contains(fragment) == true, "\(String(describing: e))", sourceLocation: sourceLocation)
        }
        expectError(".word " + String(repeating: "(", count: 100_000) + "1", "nested too deeply")
        expectError(".word " + String(repeating: "-", count: 100_000) + "1", "nested too deeply")
        expectError(".word 1" + String(repeating: "+1", count: 100_000), "too complex")
        expectError(".fill 0x7fffffffffffffff, 8, 1", "too large")
        expectError(".space 0x7fffffffffffffff", "too large")
        expectError(".org 0x7fffffffffffffff", "too far")
        // found by the fuzzer as a timeout (one append per unit): the units are appended at once
        let clock = ContinuousClock()
        var filled: ObjectFile?
        let took = clock.measure { filled = try? Assembler.assemble(source: ".fill 33333234\n.fill 3, 3, 0x10203\n.fill 2, 2") }
        let text = filled?.sections.first { $0.name == ".text" }?.bytes ?? []
        #expect(text.count == 33_333_234 + 9 + 4 && text.firstIndex { $0 != 0 } == 33_333_234
                && Array(text.suffix(13)) == [1, 2, 3, 1, 2, 3, 1, 2, 3, 0, 0, 0, 0], "\(text.count) bytes")
        #expect(took < .seconds(5), "\(took)")
        expectError(".bss\n.fill 2, 3, 0x100", "non-zero data")
        expectError(".fill 0x800000, 8\n.fill 1", "exceeds")
        expectError(".align 0x40000000", "too large")
        // Nested repeats stop at the statement limit instead of running for ever
        // (the limit is 2 million statements; lowered here to keep the test quick).
        let state = AssemblerState(fileName: "r.S", includePaths: [], readFile: { _ in nil })
        state.statementLimit = 20_000
        #expect(throws: AssemblerError.self) { _ = try state.run(source: ".rept 100000\n.rept 100000\n.byte 0\n.endr\n.endr") }
        expectError(".macro a\nb\n.endm\n.macro b\na\n.endm\na", "nested more than")
        // an argument that repeats itself doubles at every level: refused before it grows
        expectError(".macro m a\nm \\a\\a\n.endm\nm x", "macro 'm' expands to a line longer than 65536 bytes")
        // expanded text counts against the statement budget (64 bytes as one statement)
        let long = AssemblerState(fileName: "l.S", includePaths: [], readFile: { _ in nil })
        long.statementLimit = 20_000
        let arg = String(repeating: "x", count: 6400)
        #expect(throws: AssemblerError.self) {
            _ = try long.run(source: ".macro m a\n.ascii \"\\a\"\n.endm\n.rept 300\nm \(arg)\n.endr")
        }
        let short = AssemblerState(fileName: "s.S", includePaths: [], readFile: { _ in nil })
        short.statementLimit = 20_000
        #expect((try? short.run(source: ".macro m a\n.ascii \"\\a\"\n.endm\n.rept 100\nm \(arg)\n.endr")) != nil)
        expectError("bi 0x7fffffffffff", "not a 32-bit address")
        var layout = LinkLayout.sequential
        layout.sectionStarts[".text"] = 0xFFFF_FFFC
        #expect(throws: AssemblerError.self) { _ = try Linker.link([TestSupport.assemble("nop\nnop")], layout: layout) }
        #expect((try? Linker.link([TestSupport.assemble("nop")], layout: layout)) != nil)
    }

    /// Symbols defined in terms of each other: evaluated without recursion, so
    /// chains as long as a file can hold neither overflow the stack nor cost
    /// the square of their length; each symbol is evaluated once per use.
    @Test func longEquChainsEvaluate() throws {
        let n = 20_000
        func chain(_ first: Int, _ step: Int) -> String {
            (0..<n).map { ".equ s\($0 + first), s\($0 + first + step)+1\n" }.joined()
        }
        // Forward: each symbol refers to the next, defined later.
        let forward = chain(0, 1) + ".equ s\(n), 0\nmvi r1, s0 - \(n - 7)\n"
        #expect(TestSupport.words(try TestSupport.text(forward)) == [0x3401_0007])
        // Backward, from a symbol known only at the end of the file and in another object.
        let backward = ".equ s0, ext\n" + (1...n).map { ".equ s\($0), s\($0 - 1)+1\n" }.joined() + "mvi r1, s\(n) - \(n)\n"
        let ext = try TestSupport.assemble(".global ext\n.equ ext, 5", file: "ext.S")
        let image = try Linker.link([try TestSupport.assemble(backward), ext], layout: .sequential)
        #expect(TestSupport.words(image.section(named: ".text")!.bytes) == [0x3401_0005])
        // Each symbol used twice by the next: 2^60 uses, each evaluated once.
        let doubling = (0..<60).map { ".equ d\($0), d\($0 + 1) + d\($0 + 1)\n" }.joined() + ".equ d60, 1\nmvi r1, d0 >> 50\n"
        #expect(TestSupport.words(try TestSupport.text(doubling)) == [0x3401_0400])
        // A cycle is still an error, wherever it closes.
        let cycle = chain(0, 1) + ".equ s\(n), s\(n / 2)\nmvi r1, s0\n"
        #expect(TestSupport.error(cycle)?.message.contains("defined in terms of itself") == true)
    }
}

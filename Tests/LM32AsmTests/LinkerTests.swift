import Foundation
import Testing
@testable import LM32Asm
import ELF

/// Placement (GNU ld style), symbols, flags and the three output formats.
@Suite struct LinkerTests {
    static let crt = """
        .global _start
        _start:
            xor r0, r0, r0
            bi main
        """
    static let prog = """
        .global main
        .text
        main:
            mvhi r1, hi(msg)
            ori r1, r1, lo(msg)
            lw r2, gp(counter)
            bi main
        .section .rodata
        table: .word main, _start
        .data
        msg: .asciz "hi"
        .align 4
        counter: .word 3
        .section .sdata, "aw"
        small: .word 9
        .bss
        buf: .space 10
        """

    func link(_ layout: LinkLayout = .unitTests) throws -> LinkedImage {
        try Linker.link([TestSupport.assemble(Self.crt, file: "crt.S"), TestSupport.assemble(Self.prog, file: "prog.S")], layout: layout)
    }

    @Test func unitTestLayoutMatchesLinkerScript() throws {
        let img = try link()
        #expect(img.section(named: ".text")?.address == 0)
        #expect(img.address(of: "main") == 8)      // crt first, then the program
        #expect(img.address(of: "_ftext") == 0 && img.address(of: "_etext") == 24)
        #expect(img.address(of: "_frodata") == 0x8000 && img.address(of: "table") == 0x8000 && img.address(of: "_erodata") == 0x8008)
        #expect(img.address(of: "_fdata") == 0x8008)
        #expect(img.address(of: "msg") == 0x8008)
        #expect(img.address(of: "counter") == 0x800C)
        #expect(img.address(of: "_gp") == 0x8010)          // ALIGN(16) after .data inputs
        #expect(img.address(of: "small") == 0x8010)         // .sdata after _gp
        #expect(img.address(of: "_edata") == 0x8014)
        #expect(img.address(of: "_fbss") == 0x8014 && img.address(of: "buf") == 0x8014)
        #expect(img.address(of: "_ebss") == 0x8020 && img.address(of: "_end") == 0x8020)   // ALIGN(4)
        #expect(img.address(of: "_fstack") == 0xFFFC)
        #expect(img.entry == 0)
        let text = TestSupport.words(img.section(named: ".text")!.bytes)
        #expect(text[2] == 0x7801_0000 && text[3] == 0x3821_8008)
        #expect(text[4] == 0x2B42_FFFC)                     // counter - _gp = -4
        #expect(TestSupport.words(img.section(named: ".rodata")!.bytes) == [8, 0])
    }

    @Test func ldFlags() throws {
        var layout = LinkLayout.sequential
        try layout.apply(arguments: ["-Ttext", "1000", "-Tdata=0x2000", "--section-start", ".rodata=0x3000", "-Tbss", "0x4000", "--entry", "main"])
        let img = try link(layout)
        #expect(img.section(named: ".text")?.address == 0x1000)
        #expect(img.section(named: ".data")?.address == 0x2000)
        #expect(img.section(named: ".rodata")?.address == 0x3000)
        #expect(img.section(named: ".bss")?.address == 0x4000)
        #expect(img.entry == 0x1008)
        var bad = LinkLayout.sequential
        #expect(throws: AssemblerError.self) { try bad.apply(arguments: ["-Ttext", "zz"]) }
        #expect(throws: AssemblerError.self) { try bad.apply(arguments: ["--frobnicate"]) }
    }

    @Test func sequentialLayoutFollowsText() throws {
        let img = try link(.sequential)
        #expect(img.section(named: ".rodata")?.address == 24)
        #expect(img.address(of: "_fdata") == 32)
    }

    @Test func overlappingSectionsAreAnError() throws {
        var layout = LinkLayout.unitTests
        try layout.apply(arguments: ["-Tdata", "0"])
        #expect(throws: AssemblerError.self) { _ = try link(layout) }
    }

    @Test func entryDefaultsToTextStartWithoutStart() throws {
        let img = try Linker.link([TestSupport.assemble("nop\nfoo: nop")], layout: .sequential)
        #expect(img.entry == 0)
        var layout = LinkLayout.sequential
        layout.entry = "foo"
        #expect(try Linker.link([TestSupport.assemble(".global foo\nnop\nfoo: nop")], layout: layout).entry == 4)
        layout.entry = "0x40"
        #expect(try Linker.link([TestSupport.assemble("nop")], layout: layout).entry == 0x40)
        // As ld: an entry symbol that is not a global warns and defaults to the start of .text.
        layout.entry = "foo"
        let fallback = try Linker.link([TestSupport.assemble("nop\nfoo: nop")], layout: layout)
        #expect(fallback.entry == 0 && fallback.warnings.count == 1)
    }

    @Test func inputSectionsConcatenateWithAlignment() throws {
        let a = try TestSupport.assemble(".data\n.byte 1", file: "a.S")
        let b = try TestSupport.assemble(".data\n.align 8\n.byte 2", file: "b.S")
        let img = try Linker.link([a, b], layout: .sequential)
        let d = img.section(named: ".data")!
        #expect(d.address % 8 == 0)
        #expect(d.bytes == [1, 0, 0, 0, 0, 0, 0, 0, 2])
    }

    @Test func localSymbolsStayLocal() throws {
        let a = try TestSupport.assemble("x: nop\nbi x", file: "a.S")
        let b = try TestSupport.assemble("nop\nx: nop\nbi x", file: "b.S")
        let img = try Linker.link([a, b], layout: .sequential)
        #expect(TestSupport.words(img.section(named: ".text")!.bytes) == [0x3400_0000, 0xE3FF_FFFF, 0x3400_0000, 0x3400_0000, 0xE3FF_FFFF])
    }

    @Test func undefinedAndDuplicateSymbolsNameTheSource() throws {
        let a = try TestSupport.assemble("nop\n  calli missing", file: "a.S")
        let e = try #require(throws: AssemblerError.self) { _ = try Linker.link([a], layout: .sequential) }
        #expect(e.description == "a.S:2:9: error: undefined reference to 'missing'")
        let g1 = try TestSupport.assemble(".global f\nf: nop", file: "g1.S")
        let g2 = try TestSupport.assemble(".globl f\nnop\n f: nop", file: "g2.S")
        let d = try #require(throws: AssemblerError.self) { _ = try Linker.link([g1, g2], layout: .sequential) }
        #expect(d.location == SourceLocation(file: "g2.S", line: 3, column: 2))
        #expect(d.notes.first?.location == SourceLocation(file: "g1.S", line: 2, column: 1))
    }

    @Test func weakSymbolsYieldToStrongOnes() throws {
        let a = try TestSupport.assemble(".weak handler\nhandler: nop\ncalli handler\n.weak maybe\n.word maybe", file: "a.S")
        let b = try TestSupport.assemble(".global handler\nnop\nhandler: ret", file: "b.S")
        let img = try Linker.link([a, b], layout: .sequential)
        #expect(img.address(of: "handler") == 16)
        #expect(TestSupport.words(img.section(named: ".text")!.bytes) == [0x3400_0000, 0xF800_0003, 0, 0x3400_0000, 0xC3A0_0000])
    }

    // MARK: Outputs

    @Test func flatBinaryStartsAtLowestAddressWithZeroGaps() throws {
        let img = try link()
        let bin = img.binary()
        #expect(bin.count == 0x8014)        // up to the end of .data; .bss not included
        #expect(Array(bin.prefix(4)) == [0x98, 0, 0, 0])
        #expect(bin[24..<0x8000].allSatisfy { $0 == 0 })
        #expect(Array(bin[0x8008..<0x800B]) == Array("hi\0".utf8))
    }

    @Test func verilogHexIsObjcopyFormat() throws {
        let img = try Linker.link([TestSupport.assemble("nop\n.data\n.byte 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17")], layout: .unitTests)
        let hex = img.verilogHex()
        #expect(hex == "@00000000\r\n34 00 00 00\r\n@00008000\r\n01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10\r\n11\r\n")
    }

    @Test func elfOutputReadsBackAndPassesReadelf() throws {
        let img = try link()
        let bytes = img.elf()
        let f = try ELFFile(bytes: bytes)
        #expect(f.entry == 0)
        #expect(f.machine == ELFConstants.machineLM32)
        #expect(f.symbol(named: "main")?.value == 8)
        #expect(f.symbol(named: "main")?.isGlobal == true)
        #expect(f.symbol(named: "msg")?.isGlobal == false)
        #expect(f.symbol(named: "_gp")?.value == 0x8010)
        let dataIndex = UInt16(f.sections.firstIndex { $0.name == ".data" }!)
        #expect(f.symbol(named: "_gp")?.sectionIndex == dataIndex)
        #expect(f.symbol(named: "_fstack")?.sectionIndex == ELFConstants.shnAbs)
        #expect(f.symbol(named: "_ebss")?.sectionIndex == UInt16(f.sections.firstIndex { $0.name == ".bss" }!))
        let segs = f.loadSegments
        #expect(segs.first { $0.vaddr == 0 }?.bytes == img.section(named: ".text")!.bytes)
        #expect(segs.first { $0.vaddr == 0x8014 }?.bytes == Array(repeating: 0, count: 12))
        #expect(f.sections.map(\.name).starts(with: ["", ".text", ".rodata", ".data", ".bss"]))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lm32asm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.elf")
        try Data(bytes).write(to: path)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["readelf", "-a", "-W", path.path]
        let o = Pipe(), e = Pipe()
        p.standardOutput = o; p.standardError = e
        try p.run()
        let out = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: e.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(err.isEmpty, "\(err)")
        #expect(!out.lowercased().contains("warning"), "\(out)")
        #expect(out.contains("main"))
    }
}

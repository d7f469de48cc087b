import Foundation
import Testing
@testable import ELF

/// A small executable with every kind of section and both symbol bindings.
func sampleExecutable() -> ELFExecutable {
    ELFExecutable(
        entry: 0x10,
        sections: [
            .init(name: ".text", kind: .text, address: 0, bytes: [0x98, 0, 0, 0, 0xE0, 0, 0, 0] + Array(repeating: 0x34, count: 16)),
            .init(name: ".rodata", kind: .readOnlyData, address: 0x8000, bytes: Array("hi\0\0".utf8)),
            .init(name: ".data", kind: .data, address: 0x8004, bytes: [1, 2, 3, 4, 5, 6, 7, 8]),
            .init(name: ".bss", kind: .bss, address: 0x800C, size: 0x20),
        ],
        symbols: [
            .init(name: "_start", value: 0, isGlobal: true, type: ELFConstants.sttFunc, section: ".text"),
            .init(name: "loop", value: 4, isGlobal: false, section: ".text"),
            .init(name: "buf", value: 0x800C, size: 0x20, isGlobal: true, type: ELFConstants.sttObject, section: ".bss"),
            .init(name: "_fstack", value: 0xFFFC, isGlobal: true, section: nil),
        ])
}

@Suite struct ELFRoundTripTests {
    @Test func writeThenRead() throws {
        let bytes = sampleExecutable().serialize()
        let f = try ELFFile(bytes: bytes)
        #expect(f.machine == 138)
        #expect(f.type == ELFConstants.etExec)
        #expect(f.entry == 0x10)
        #expect(f.sections.map(\.name) == ["", ".text", ".rodata", ".data", ".bss", ".symtab", ".strtab", ".shstrtab"])
        let segs = f.loadSegments
        #expect(segs.count == 4)
        #expect(segs[0].vaddr == 0 && segs[0].bytes.prefix(4) == [0x98, 0, 0, 0])
        #expect(segs[3].vaddr == 0x800C && segs[3].bytes == Array(repeating: 0, count: 0x20) && segs[3].fileSize == 0)
        #expect(f.symbol(named: "_start")?.value == 0)
        #expect(f.symbol(named: "_start")?.isGlobal == true)
        #expect(f.symbol(named: "loop")?.isGlobal == false)
        #expect(f.symbol(named: "_fstack")?.sectionIndex == ELFConstants.shnAbs)
        #expect(f.symbol(named: "buf")?.size == 0x20)
        // Locals precede globals.
        #expect(f.symbols.first?.name == "loop")
        #expect(f.contents(of: f.section(named: ".data")!) == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func readelfAcceptsWithoutWarnings() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("elftest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.elf")
        try Data(sampleExecutable().serialize()).write(to: path)
        let (status, out, err) = try runReadelf(path.path)
        #expect(status == 0)
        #expect(err.isEmpty, "readelf stderr: \(err)")
        #expect(!out.lowercased().contains("warning"), "readelf output: \(out)")
        #expect(out.contains("Lattice Mico32") || out.contains("LatticeMico32") || out.contains("138"))
        #expect(out.contains("_start"))
    }
}

/// Runs `readelf -a -W` and returns (status, stdout, stderr).
func runReadelf(_ path: String) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["readelf", "-a", "-W", path]
    let o = Pipe(), e = Pipe()
    p.standardOutput = o; p.standardError = e
    try p.run()
    let out = o.fileHandleForReading.readDataToEndOfFile()
    let err = e.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

@Suite struct ELFMalformedTests {
    let good = sampleExecutable().serialize()

    func expectError(_ bytes: [UInt8], field fragment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ELFFile(bytes: bytes)
            Issue.record("expected an ELFError", sourceLocation: sourceLocation)
        } catch {
            if let fragment {
                #expect(error.field.contains(fragment), "field \(error.field) should mention \(fragment)", sourceLocation: sourceLocation)
            }
            #expect(!error.description.isEmpty, sourceLocation: sourceLocation)
        }
    }

    func setU16(_ b: inout [UInt8], _ o: Int, _ v: UInt16) { b[o] = UInt8(v >> 8); b[o + 1] = UInt8(v & 0xFF) }
    func setU32(_ b: inout [UInt8], _ o: Int, _ v: UInt32) {
        b[o] = UInt8(v >> 24); b[o + 1] = UInt8((v >> 16) & 0xFF); b[o + 2] = UInt8((v >> 8) & 0xFF); b[o + 3] = UInt8(v & 0xFF)
    }

    @Test func everyTruncationIsATypedError() {
        for n in 0..<good.count {
            expectError(Array(good.prefix(n)))
        }
    }

    @Test func byteFlipsNeverCrash() throws {
        // Flip every byte of the headers and tables, and a seeded sample elsewhere:
        // the reader either accepts the file or throws an ELFError.
        var rng: UInt64 = 0x1234_5678
        func next() -> UInt64 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return rng >> 33 }
        var accepted = 0, rejected = 0
        for i in 0..<good.count {
            for mask: UInt8 in [0xFF, 0x80, 0x01] {
                var b = good
                b[i] ^= mask
                do { _ = try ELFFile(bytes: b); accepted += 1 } catch { rejected += 1; #expect(!error.field.isEmpty) }
            }
        }
        for _ in 0..<2000 {
            var b = good
            for _ in 0..<4 { b[Int(next() % UInt64(b.count))] = UInt8(next() & 0xFF) }
            do { _ = try ELFFile(bytes: b); accepted += 1 } catch { rejected += 1 }
        }
        #expect(rejected > 0 && accepted > 0)
    }

    @Test func headerFieldsAreNamed() {
        var b = good; b[0] = 0; expectError(b, field: "EI_MAG")
        b = good; b[4] = 2; expectError(b, field: "EI_CLASS")
        b = good; b[5] = 1; expectError(b, field: "EI_DATA")
        b = good; setU16(&b, 18, 3); expectError(b, field: "e_machine")
        b = good; setU16(&b, 42, 56); expectError(b, field: "e_phentsize")
        b = good; setU32(&b, 28, 0xFFFF_FFF0); expectError(b, field: "e_phoff")
        b = good; setU32(&b, 32, 0x7FFF_FFF0); expectError(b, field: "e_shoff")
        b = good; setU16(&b, 48, 0xFFFF); expectError(b, field: "e_shoff")
        b = good; setU16(&b, 50, 200); expectError(b, field: "e_shstrndx")
        b = good; setU16(&b, 46, 39); expectError(b, field: "e_shentsize")
    }

    @Test func tableFieldsAreNamed() throws {
        let f = try ELFFile(bytes: good)
        let shoff = Int(good[32]) << 24 | Int(good[33]) << 16 | Int(good[34]) << 8 | Int(good[35])
        // Program header 0: memsz smaller than filesz.
        var b = good; setU32(&b, 52 + 20, 1); expectError(b, field: "p_filesz")
        // Program header 0: file range out of bounds.
        b = good; setU32(&b, 52 + 4, 0xFFFF_0000); expectError(b, field: "program header 0")
        // Absurd memsz.
        b = good; setU32(&b, 52 + 32 * 3 + 20, 0xF000_0000); expectError(b, field: "p_memsz")
        // Overlapping segments: move segment 2 onto segment 1.
        b = good; setU32(&b, 52 + 32 * 2 + 12, 0x8000); expectError(b, field: "p_paddr")
        // Section 1 name index out of the string table.
        b = good; setU32(&b, shoff + 40, 0xFFFF); expectError(b, field: "sh_name")
        // Section 1 contents out of bounds.
        b = good; setU32(&b, shoff + 40 + 20, 0x100_0000); expectError(b, field: "section header 1")
        // Symbol table entry size.
        let symIdx = f.sections.firstIndex { $0.name == ".symtab" }!
        b = good; setU32(&b, shoff + 40 * symIdx + 36, 12); expectError(b, field: "sh_entsize")
        // Symbol table link to a non-string section.
        b = good; setU32(&b, shoff + 40 * symIdx + 24, 1); expectError(b, field: "sh_link")
        // A symbol with a bad name index and a bad section index.
        let symOff = Int(f.sections[symIdx].offset)
        b = good; setU32(&b, symOff + 16, 0xFFFFF); expectError(b, field: "st_name")
        b = good; setU16(&b, symOff + 16 + 14, 77); expectError(b, field: "st_shndx")
        // Overlapping section contents.
        b = good; setU32(&b, shoff + 40 * 3 + 16, f.sections[1].offset); expectError(b, field: "sh_offset")
    }
}

/// The ELF fuzzer's seeds and the inputs it found problems with
/// (Fuzz/seeds-elf, docs/fuzzing.md): each reads or fails with a typed error,
/// and never materialises more than `ELFFile.maxSegmentSize` bytes.
@Suite struct ELFFuzzCorpusTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/seeds-elf")

    @Test func everySeedReadsOrFailsTyped() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).sorted()
        #expect(names.count >= 4)
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(name)))
            do {
                let elf = try ELFFile(bytes: bytes)
                #expect(elf.loadSegments.reduce(0) { $0 + $1.bytes.count } <= Int(ELFFile.maxSegmentSize), "\(name)")
            } catch {
                #expect(!error.field.isEmpty, "\(name)")
            }
        }
    }

    @Test func aFewHeaderBytesCannotDeclareHundredsOfMegabytesOfBss() throws {
        // found as a timeout: a 956-byte file whose PT_LOAD declares 256 MiB of bss, zero-filled
        // for every read (seconds on a loaded machine)
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent("timeout-256mib-bss.elf")))
        #expect(throws: ELFError.self) { _ = try ELFFile(bytes: bytes) }
        do { _ = try ELFFile(bytes: bytes) } catch {
            #expect(error.field == "program header 1 p_memsz" && error.description.contains("268435456"), "\(error)")
        }
    }
}

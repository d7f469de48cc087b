import ArgumentParser
import ELF
import Foundation
import LM32
import SoC

struct Disasm: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Disassemble an LM32 ELF executable or flat binary, objdump style.",
        discussion: """
        ELF files: every executable section is listed, with symbol labels and branch targets named. \
        Binaries (.bin) are read as big-endian words placed at --load-addr.
        """)

    @Argument(help: "ELF executable or .bin file.")
    var file: String

    @Option(name: .customLong("load-addr"), parsing: .unconditional, help: "Address of the first byte of a binary.")
    var loadAddress: String?

    func run() throws {
        let bytes = try readFile(file)
        var regions: [(name: String, address: UInt32, bytes: [UInt8])] = []
        var image = ProgramImage(segments: [], entry: 0)
        if ProgramKind(path: file) == .binary || ProgramKind(path: file) == .hex {
            let base = try loadAddress.map { try parseNumber($0, what: "load address") } ?? 0
            if ProgramKind(path: file) == .hex {
                do { image = try ProgramImage.verilogHex(bytes: bytes, base: base) }
                catch { throw InputError("\(file):\(error)") }
            } else {
                image = .binary(bytes, at: base)
            }
            regions = image.segments.map { (name: "", address: $0.address, bytes: $0.bytes) }
        } else {
            let elf: ELFFile
            do { elf = try ELFFile(bytes: bytes) } catch { throw InputError("\(file): \(error)") }
            image = ProgramImage(elf: elf)
            for s in elf.sections where s.flags & 0x4 != 0 && s.type == 1 {   // SHF_EXECINSTR, SHT_PROGBITS
                regions.append((name: s.name, address: s.addr, bytes: elf.contents(of: s)))
            }
        }
        var out = ""
        for r in regions {
            if !r.name.isEmpty { out += "\nDisassembly of section \(r.name):\n" }
            out += Self.listing(address: r.address, bytes: r.bytes, image: image)
        }
        print(out, terminator: "")
    }

    /// objdump -d layout: a `<symbol>:` header where a symbol starts, then
    /// `address:<TAB>bytes <TAB>instruction`.
    static func listing(address: UInt32, bytes: [UInt8], image: ProgramImage) -> String {
        // objdump's address column: as many hex digits as the section's end
        // address needs, after dropping leading zeros in groups of four.
        let end = String(address &+ UInt32(bytes.count), radix: 16)
        let zeros = 8 - end.count
        let width = 8 - (zeros == 0 ? 0 : (zeros - 1) & ~3)
        var symbolizer: ((UInt32) -> String?)? = nil
        if !image.symbols.isEmpty { symbolizer = { image.label(for: $0) } }
        var out = ""
        var offset = 0
        while offset + 4 <= bytes.count {
            let pc = address &+ UInt32(offset)
            if let s = image.symbol(at: pc) { out += "\n\(hex(pc, 8)) <\(s)>:\n" }
            let b = bytes[offset..<offset + 4]
            let word = b.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let raw = b.map { hex(UInt32($0), 2) }.joined(separator: " ")
            let text = Disassembler.text(word, pc: pc, symbol: symbolizer)
            let a = String(pc, radix: 16)
            out += String(repeating: " ", count: max(0, width - a.count)) + a + ":\t\(raw) \t\(text)\n"
            offset += 4
        }
        return out
    }

    static func hex(_ v: UInt32, _ digits: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}

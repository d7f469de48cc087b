// libFuzzer entry point for the assembler and linker (Sources/LM32Asm, behind `socsim asm`
// and `socsim run` of .S files). Built by scripts/fuzz-asm.sh, not by SwiftPM.
//
// Every input is taken as the text of one source file, assembled and linked with the
// unit-test layout as `socsim asm` does (`.include` finds no files: the fuzzer never reads
// the file system). What links is written out as socsim writes it (ELF, flat binary,
// Verilog hex); the ELF must be read back by the project's ELF reader with the same entry
// and every allocated section's bytes loaded at its address. What does not assemble or link must come back
// as a typed AssemblerError with a message.

import ELF

@_cdecl("LLVMFuzzerTestOneInput")
public func assemblerFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let object = try Assembler.assemble(source: text, fileName: "fuzz.S", readFile: { _ in nil })
        let image = try Linker.link([object], layout: .unitTests)
        let elfBytes = image.elf()
        _ = image.binary()
        _ = image.verilogHex()
        _ = image.warnings.map(\.description)
        do {
            let elf = try ELFFile(bytes: elfBytes)
            precondition(elf.entry == image.entry, "the ELF's entry is not the linked entry")
            let loads = elf.loadSegments
            for s in image.sections where s.kind != .bss && s.kind != .nonAllocated && !s.bytes.isEmpty {
                precondition(loads.contains { $0.paddr == s.address && $0.bytes.starts(with: s.bytes) },
                             "section \(s.name) is not loaded at its address")
            }
        } catch {
            preconditionFailure("the ELF socsim asm writes does not read back: \(error)")
        }
    } catch {
        precondition(!error.message.isEmpty, "an error without a message: \(error)")
        _ = error.description
    }
    return 0
}

// libFuzzer entry point for the ELF reader (`ELFFile(bytes:)`, Sources/ELF, behind
// `socsim run` and `socsim disasm` of ELF files). Built by scripts/fuzz-elf.sh, not by SwiftPM.
//
// Every input is parsed. What parses is used as socsim uses it: the PT_LOAD segments are
// materialised (bss zero-filled), every section's contents are read, sections and symbols
// are looked up by name, and the symbols a program image keeps are collected; the
// materialised images must agree with the headers. What does not parse must come back as
// a typed ELFError naming a field.
//
// The byte checks on the images use memcmp: a segment may declare up to
// `ELFFile.maxSegmentSize` bytes of bss, and a Swift loop over them, instrumented for
// coverage, took 80 % of the run (1,800 inputs/s, docs/fuzzing.md).

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A page of zeros to compare bss against.
private let zeros = [UInt8](repeating: 0, count: 1 << 16)

/// Whether `a` and `b` hold the same bytes (memcmp, uninstrumented).
private func sameBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
    a.count == b.count && a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in
        a.isEmpty || memcmp(pa.baseAddress!, pb.baseAddress!, a.count) == 0
    } }
}

/// Whether every byte of `a` is zero, compared a page at a time.
private func allZero(_ a: ArraySlice<UInt8>) -> Bool {
    var i = a.startIndex
    while i < a.endIndex {
        let n = min(zeros.count, a.endIndex - i)
        if !sameBytes(a[i..<i + n], zeros[0..<n]) { return false }
        i += n
    }
    return true
}

@_cdecl("LLVMFuzzerTestOneInput")
public func elfReaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let elf = try ELFFile(bytes: bytes)
        let loads = elf.programHeaders.filter { $0.type == ELFConstants.ptLoad }
        let segments = elf.loadSegments
        precondition(segments.count == loads.count, "a PT_LOAD header without a segment")
        var total: UInt64 = 0
        for (s, ph) in zip(segments, loads) {
            precondition(s.bytes.count == Int(ph.memsz) && s.fileSize == ph.filesz && s.paddr == ph.paddr && s.vaddr == ph.vaddr,
                         "a segment's image disagrees with its header")
            precondition(sameBytes(s.bytes[..<Int(ph.filesz)], bytes[Int(ph.offset)..<Int(ph.offset) + Int(ph.filesz)]),
                         "a segment's file part is not the file's bytes")
            precondition(allZero(s.bytes[Int(ph.filesz)...]), "a segment's bss is not zero")
            precondition(UInt64(s.paddr) + UInt64(s.bytes.count) <= 1 << 32, "a segment wraps past 4 GiB")
            total += UInt64(s.bytes.count)
        }
        precondition(total <= UInt64(ELFFile.maxSegmentSize), "more memory materialised than the reader allows")
        for s in elf.sections {
            let contents = elf.contents(of: s)
            let empty = s.type == ELFConstants.shtNobits || s.type == ELFConstants.shtNull
            precondition(contents.count == (empty ? 0 : Int(s.size)), "a section's contents disagree with sh_size")
            precondition(elf.section(named: s.name) != nil, "a section not found by its own name")
        }
        // the symbols a program image keeps (named, neither STT_SECTION nor STT_FILE)
        let kept = elf.symbols.filter { !$0.name.isEmpty && $0.type != ELFConstants.sttSection && $0.type != ELFConstants.sttFile }
        for sym in kept {
            precondition(elf.symbol(named: sym.name)?.name == sym.name, "a symbol not found by its own name")
        }
        _ = elf.symbol(named: "_start").map { $0.value == elf.entry }
        let again = try ELFFile(bytes: bytes)
        precondition(again == elf, "parsing the same bytes twice differs")
    } catch {
        precondition(!error.field.isEmpty, "an error without a field: \(error)")
        _ = error.description
    }
    return 0
}

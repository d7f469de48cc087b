import Foundation
import Testing
@testable import LM32Asm

/// Helpers shared by the assembler tests.
enum TestSupport {
    /// Assemble in-memory source; extra files are available to `.include`.
    static func assemble(_ source: String, file: String = "t.S", files: [String: String] = [:]) throws(AssemblerError) -> ObjectFile {
        try Assembler.assemble(source: source, fileName: file, includePaths: [], readFile: { files[$0] })
    }

    /// Assemble and link one source with the sequential layout; the .text bytes.
    static func text(_ source: String) throws -> [UInt8] {
        let img = try Linker.link([assemble(source)], layout: .sequential)
        return img.section(named: ".text")?.bytes ?? []
    }

    /// Big-endian words of a byte array.
    static func words(_ b: [UInt8]) -> [UInt32] {
        stride(from: 0, to: b.count - b.count % 4, by: 4).map {
            UInt32(b[$0]) << 24 | UInt32(b[$0 + 1]) << 16 | UInt32(b[$0 + 2]) << 8 | UInt32(b[$0 + 3])
        }
    }

    /// The error assembling (and linking) `source` throws, if any.
    static func error(_ source: String, files: [String: String] = [:]) -> AssemblerError? {
        do {
            let o = try assemble(source, files: files)
            _ = try Linker.link([o], layout: .sequential)
            return nil
        } catch {
            return error
        }
    }

    /// The repository root (this file is Tests/LM32AsmTests/Support.swift).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

import Foundation

/// Where tests find things installed by the README's test command
/// (`./scripts/test.sh`). Nothing here is copied into the repository.
public enum Upstream {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The checkout's root directory.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `verilog/` of the installed PyPI package `pythondata-cpu-lm32==0.0.post199`:
    /// `$LM32_DATA_DIR`, else `.venv/lib/python3.*/site-packages/pythondata_cpu_lm32/verilog`.
    public static func lm32DataDirectory() throws -> URL {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["LM32_DATA_DIR"], fm.fileExists(atPath: env) {
            return URL(fileURLWithPath: env)
        }
        let lib = repositoryRoot.appendingPathComponent(".venv/lib")
        let pythons = (try? fm.contentsOfDirectory(atPath: lib.path))?.filter { $0.hasPrefix("python3") }.sorted() ?? []
        for p in pythons {
            let d = lib.appendingPathComponent(p).appendingPathComponent("site-packages/pythondata_cpu_lm32/verilog")
            if fm.fileExists(atPath: d.appendingPathComponent("test/unittests/crt.S").path) { return d }
        }
        throw Missing(description: """
            the LM32 RTL package pythondata-cpu-lm32==0.0.post199 is not installed in \(repositoryRoot.path)/.venv; \
            run ./scripts/test.sh (the README's test command), which installs it, or set LM32_DATA_DIR
            """)
    }

    /// The upstream unit tests' folder (`test/unittests`): `$LM32_UNITTESTS_DIR`,
    /// else inside `lm32DataDirectory()`.
    public static func unitTestsDirectory() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["LM32_UNITTESTS_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return try lm32DataDirectory().appendingPathComponent("test/unittests")
    }

    /// The names of the upstream unit tests that do not need the MMU, sorted.
    /// `test_mmu.S` is excluded: our profiles have no MMU (DESIGN.md §4), and it
    /// needs the MMU fork's CSR names (PSW, TLBVADDR, TLBPADDR).
    public static func nonMMUUnitTests() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: unitTestsDirectory().path)
        return names.filter { $0.hasPrefix("test_") && $0.hasSuffix(".S") && $0 != "test_mmu.S" }.sorted()
    }
}

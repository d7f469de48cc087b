import Foundation
import Testing

/// The RTL PCIe endpoint (RTL/soc/socsim_pcie_endpoint.v). cocotbext-pcie's
/// `RootComplex`, a root complex written independently of this project, drives it
/// under Icarus Verilog (RTL/cocotb/): enumeration, BAR0 sizing and assignment, MSI
/// set-up and an MSI received, BAR0 read-back, the answers to illegal requests. The
/// verilated build checks its clock-domain crossing. Fails (never skips) when the
/// tools are missing.
@Suite struct RTLEndpointTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let hint = "run ./scripts/test.sh (the README's test command), which installs it"

    @Test func rootComplexDrivesTheRTLEndpoint() throws {
        let python = Self.root.appendingPathComponent(".venv/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "\(python) does not exist; \(Self.hint)")
        let found = ["/usr/bin", "/usr/local/bin", "/bin"].contains {
            FileManager.default.isExecutableFile(atPath: $0 + "/iverilog")
        }
        try #require(found, "iverilog (Debian package iverilog) is not installed; \(Self.hint)")
        let check = try Self.run(python, ["-c", "import cocotb, cocotbext.pcie"])
        try #require(check.status == 0, "cocotb or cocotbext-pcie is not installed in .venv; \(Self.hint)\n\(check.output)")

        let r = try Self.run(python, [Self.root.appendingPathComponent("RTL/cocotb/run.py").path])
        #expect(r.status == 0, "RTL/cocotb/run.py failed:\n\(r.output.suffix(6000))")
        #expect(r.output.contains("cocotb: 4 tests, 0 failed"), "\(r.output.suffix(2000))")
    }

    /// The verilated endpoint's crossing keeps the latency docs/pcie-endpoint.md states, at
    /// all 25 phases of the user clock against the system clock (RTL/bench/pcie_endpoint_check.cpp).
    @Test func verilatedCrossingHasTheDocumentedLatency() throws {
        let exe = Self.root.appendingPathComponent("RTL/build/pcie-endpoint/pcie_endpoint_check").path
        try #require(FileManager.default.isExecutableFile(atPath: exe),
                     "\(exe) is missing: run `RTL/build.sh pcie-endpoint` (scripts/test.sh does)")
        let r = try Self.run(exe, [])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("all 25 phases as documented"), "\(r.output)")
    }

    /// Runs `exe` with stdout and stderr in one pipe; the exit status and the output.
    static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

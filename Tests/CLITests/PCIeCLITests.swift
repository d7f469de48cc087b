import Foundation
import Testing

/// `socsim pcie` end to end (docs/pcie-endpoint.md).
@Suite(.serialized) struct PCIeCLITests {
    static var doc: String {
        get throws {
            try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/CLITests/PCIeCLITests.swift",
                                                                      with: "docs/pcie-endpoint.md"), encoding: .utf8)
        }
    }

    @Test func enumeratePrintsWhatTheDocShows() throws {
        let r = try CLI.run(["pcie", "enumerate"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.doc.contains("$ socsim pcie enumerate\n" + r.stdout + "```"))
        let wide = try CLI.run(["pcie", "enumerate", "--max-payload", "512", "--max-read-request", "4096", "--rcb", "128"])
        #expect(wide.stdout.contains("MaxPayload 512 bytes, MaxReadReq 4096 bytes"))
        #expect(wide.stdout.contains("RCB 128 bytes"))
        #expect(try CLI.run(["pcie", "enumerate", "--rcb", "32"]).status == 2)
        #expect(try CLI.run(["pcie", "enumerate", "--max-payload", "100"]).status == 2)
    }

    /// The dma firmware on the cycle-exact SoC with the endpoint and the modelled host;
    /// `--rtl` runs it too (SoCRTLRunTests compares the two).
    @Test func dmaFirmwareOnTheCycleExactSoC() throws {
        let r = try CLI.run(["run", "--soc", "milkymist", "--cycle", "--firmware", "dma"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("dma: to host "))
        #expect(r.stdout.contains(" cycles, data equal, MSI sent"))
        #expect(r.stderr.contains("cycle-exact"))
    }

    @Test func stormPrintsCountersAndHoldsTheInvariants() throws {
        let r = try CLI.run(["pcie", "storm", "--tlps", "400", "--seed", "5"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("storm: 400 TLPs, seed 5, "))
        #expect(r.stdout.contains("\nMALFORMED "))
        #expect(r.stdout.hasSuffix("invariants: all hold\n"))
        #expect(try CLI.run(["pcie", "storm", "--tlps", "0"]).status == 2)
        let soc = try CLI.run(["pcie", "storm", "--soc", "--tlps", "300", "--seed", "3"])
        #expect(soc.status == 0, "\(soc.stdout)\(soc.stderr)")
        #expect(soc.stdout.hasPrefix("soc storm: 300 TLPs, seed 3, "))
        #expect(soc.stdout.hasSuffix("invariants: all hold\n"))
    }

    /// The RTL endpoint in lock-step with the cycle-exact model (RTL/build.sh
    /// pcie-endpoint-bridge): enumeration prints as the model's, the storm holds its
    /// invariants, random scenarios do not diverge.
    @Test func rtlCommandsAgreeWithTheModel() throws {
        let model = try CLI.run(["pcie", "enumerate", "--max-payload", "256", "--rcb", "128"])
        let rtl = try CLI.run(["pcie", "enumerate", "--max-payload", "256", "--rcb", "128", "--rtl"])
        #expect(rtl.status == 0, "\(rtl.stderr)")
        #expect(rtl.stdout == model.stdout)
        let storm = try CLI.run(["pcie", "storm", "--rtl", "--tlps", "300", "--seed", "4"])
        #expect(storm.status == 0, "\(storm.stdout)\(storm.stderr)")
        #expect(storm.stdout.hasPrefix("storm --rtl: 300 TLPs, seed 4, "))
        #expect(storm.stdout.hasSuffix("invariants: all hold\n"))
        // the running firmware in SoC lock-step (RTL/build.sh milkymist)
        let socStorm = try CLI.run(["pcie", "storm", "--soc", "--rtl", "--tlps", "32", "--seed", "3"])
        #expect(socStorm.status == 0, "\(socStorm.stdout)\(socStorm.stderr)")
        #expect(socStorm.stdout.hasPrefix("soc storm --rtl: 32 TLPs, seed 3, ") && socStorm.stdout.contains(", 0 divergences;"))
        #expect(socStorm.stdout.hasSuffix("invariants: all hold\n"))
        let ls = try CLI.run(["pcie", "lockstep", "--scenarios", "3", "--seed", "7"])
        #expect(ls.status == 0, "\(ls.stdout)\(ls.stderr)")
        #expect(ls.stdout.hasPrefix("3 scenarios (seeds 7...9), ") && ls.stdout.contains(" 0 divergences\n"))
        #expect(try CLI.run(["pcie", "lockstep", "--scenarios", "0"]).status == 2)
    }

    @Test func dmaThroughputStaysUnderTheLineRate() throws {
        let r = try CLI.run(["pcie", "dma", "--bytes", "65536"])
        #expect(r.status == 0, "\(r.stderr)")
        // 128-byte MWr: 148 bytes on the wire each at 250 MB/s, back to back.
        #expect(r.stdout.contains("throughput      216216216 bytes/s"))
        #expect(r.stdout.contains("payload limit   216216216 bytes/s"))
    }

    @Test func registersAndTheFirmwareInclude() throws {
        let tables = try CLI.run(["pcie", "registers"])
        #expect(tables.stdout.contains("| 0x110 | DMA_CONTROL | 0 | START | RO/WA |"))
        let asm = try CLI.run(["pcie", "registers", "--asm"])
        #expect(asm.stdout.contains(".equ PCIE_DMA_CONTROL, 0x110\n"))
        #expect(asm.stdout.contains(".equ PCIE_DMA_ERROR_COMPLETION_TIMEOUT, 3\n"))
    }
}

import ArgumentParser
import PCIe
import SimKernel

/// `socsim pcie`: the endpoint model with the modelled root complex and host
/// (docs/pcie-endpoint.md).
struct PCIeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcie",
        abstract: "Run the PCIe endpoint model against the modelled root complex and host.",
        subcommands: [Enumerate.self, Storm.self, Registers.self])

    struct Enumerate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enumerate the device with configuration TLPs and print it as lspci -vv would.")

        @Option(help: "Max payload size to program, bytes (128...4096).")
        var maxPayload = 128
        @Option(help: "Max read request size to program, bytes (128...4096).")
        var maxReadRequest = 512
        @Option(help: "Read completion boundary, bytes (64 or 128).")
        var rcb = 64

        func validate() throws {
            for (name, v) in [("--max-payload", maxPayload), ("--max-read-request", maxReadRequest)]
            where PCIeSize.encoding(bytes: v) == nil {
                throw ValidationError("\(name) must be a power of two from 128 to 4096")
            }
            if rcb != 64 && rcb != 128 { throw ValidationError("--rcb must be 64 or 128") }
        }

        func run() throws {
            var hc = HostConfiguration()
            hc.maxPayload = maxPayload
            hc.maxReadRequest = maxReadRequest
            hc.readCompletionBoundary = rcb
            let system = PCIeSystem(host: hc)
            let device = try system.enumerate()
            print(LspciFormatter.format(device), terminator: "")
        }
    }

    struct Storm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send hostile host traffic at the device while it moves data by DMA; print the counters.",
            discussion: """
            Random and mutated TLPs (illegal kinds, outside BAR0, poisoned, unexpected completions, \
            noise) from a seeded generator; afterwards the invariants are checked: golden image and \
            host memory outside the DMA buffers untouched, counters consistent, every non-posted \
            request answered once, the device still enumerates and moves data. Exit code 1 if one breaks.
            """)

        @Option(help: "Number of hostile TLPs.")
        var tlps = 10_000
        @Option(help: "Seed of the traffic generator.")
        var seed: UInt64 = 1

        func validate() throws {
            if tlps < 1 { throw ValidationError("--tlps must be at least 1") }
        }

        func run() throws {
            let report = try PCIe.Storm.run(tlps: tlps, seed: seed)
            print(report.text, terminator: "")
            if !report.violations.isEmpty { throw ExitCode(1) }
        }
    }

    struct Registers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the endpoint's BAR0 and CSR bank register tables, or the firmware include.")

        @Flag(help: "Print the GNU-as include for firmware instead of the tables.")
        var asm = false

        func run() {
            if asm {
                print(EndpointRegisters.asmInclude(), terminator: "")
            } else {
                print("BAR0 (host view)\n\n" + EndpointRegisters.bar0Map.markdown()
                      + "\n\nCSR bank 3 (firmware view)\n\n" + EndpointRegisters.csrMap.markdown())
            }
        }
    }
}

import ArgumentParser
import Conformance
import PCIe
import SimKernel
import SoC
import Verilated

/// `socsim pcie`: the endpoint model with the modelled root complex and host
/// (docs/pcie-endpoint.md).
struct PCIeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcie",
        abstract: "Run the PCIe endpoint model against the modelled root complex and host.",
        subcommands: [Enumerate.self, Storm.self, DMA.self, Registers.self, LockStep.self])

    struct Enumerate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enumerate the device with configuration TLPs and print it as lspci -vv would.")

        @Option(help: "Max payload size to program, bytes (128...4096).")
        var maxPayload = 128
        @Option(help: "Max read request size to program, bytes (128...4096).")
        var maxReadRequest = 512
        @Option(help: "Read completion boundary, bytes (64 or 128).")
        var rcb = 64
        @Flag(help: "Enumerate the verilated RTL endpoint (RTL/build.sh pcie-endpoint-bridge), in lock-step with the cycle-exact model.")
        var rtl = false

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
            let device: EnumeratedDevice
            if rtl {
                let ls = try EndpointLockStep(host: hc)
                ls.driveFromRTL = true
                device = try ls.enumerate()
                try ls.drain()
            } else {
                device = try PCIeSystem(host: hc).enumerate()
            }
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
        @Flag(help: "Against the functional SoC running the dma firmware in endless rounds instead of a DMA driver in Swift.")
        var soc = false
        @Flag(help: "Against the verilated RTL endpoint (RTL/build.sh pcie-endpoint-bridge) in lock-step with the cycle-exact model; prints the RTL's counters. With --soc: the cycle-exact SoC and the verilated SoC (RTL/build.sh milkymist) running the dma firmware in lock-step.")
        var rtl = false

        func validate() throws {
            if tlps < 1 { throw ValidationError("--tlps must be at least 1") }
        }

        func run() throws {
            let (text, violations): (String, [String])
            if soc && rtl {
                let library: RTLLibrary
                do { library = try RTLLibrary.load(RTLSoCProfile.milkymist) } catch { throw InputError("\(error)") }
                let r = try SoCLockStepStorm.run(tlps: tlps, seed: seed, library: library)
                (text, violations) = (r.text, r.violations)
            } else if rtl {
                (text, violations) = try EndpointLockStepStorm.run(tlps: tlps, seed: seed)
            } else if soc {
                let r = try MilkymistPCIeStorm.run(tlps: tlps, seed: seed)
                (text, violations) = (r.text, r.violations)
            } else {
                let r = try PCIe.Storm.run(tlps: tlps, seed: seed)
                (text, violations) = (r.text, r.violations)
            }
            print(text, terminator: "")
            if !violations.isEmpty { throw ExitCode(1) }
        }
    }

    struct LockStep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lockstep",
            abstract: "Run random host-traffic scenarios on the cycle-exact endpoint and the verilated RTL endpoint in lock-step.",
            discussion: """
            Every output of both is compared after every edge of both clocks \
            (docs/pcie-endpoint.md, "Lock-step"). Needs RTL/build.sh pcie-endpoint-bridge. \
            Exit code 1 at the first scenario that diverges.
            """)

        @Option(help: "Number of scenarios.")
        var scenarios = 500
        @Option(help: "Seed of the first scenario (the others follow).")
        var seed: UInt64 = 1
        @Option(help: "Random actions per scenario.")
        var actions = 40

        func validate() throws {
            if scenarios < 1 { throw ValidationError("--scenarios must be at least 1") }
            if actions < 0 { throw ValidationError("--actions must not be negative") }
        }

        func run() throws {
            var edges = 0, comparisons = 0, toDevice = 0, fromDevice = 0
            var counters = [UInt64](repeating: 0, count: EndpointCounter.allCases.count)
            for k in 0..<UInt64(scenarios) {
                let r = try EndpointScenarios.run(seed: seed &+ k, actions: actions)
                edges += r.edges
                comparisons += r.comparisons
                toDevice += r.packetsToDevice
                fromDevice += r.packetsFromDevice
                for (k, v) in r.counters.enumerated() { counters[k] += v }
                if let d = r.divergence {
                    print("scenario seed \(r.seed) diverged at \(d)")
                    throw ExitCode(1)
                }
            }
            print("\(scenarios) scenarios (seeds \(seed)...\(seed &+ UInt64(scenarios) - 1)), \(edges) edges, "
                + "\(comparisons) output comparisons, \(toDevice) packets to the device, \(fromDevice) from it, 0 divergences")
            print("model counters summed: " + EndpointCounter.allCases.map { "\($0.registerName) \(counters[$0.rawValue])" }
                .joined(separator: ", "))
        }
    }

    struct DMA: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time one DMA transfer over the modelled link and print its throughput in simulated time.",
            discussion: """
            The line-rate limit printed is the link's raw data rate after 8b/10b (Gen1 x1: \
            250 MB/s); the payload limit also charges each TLP's header and 8 bytes of framing.
            """)

        @Option(help: "Bytes to move.")
        var bytes = 65_536
        @Flag(help: "Read from host memory (MRd) instead of writing to it (MWr).")
        var fromHost = false
        @Option(help: "Max payload size, bytes.")
        var maxPayload = 128
        @Option(help: "Max read request size, bytes.")
        var maxReadRequest = 512
        @Option(help: "Host read latency, ns.")
        var readLatency: UInt64 = 600

        func validate() throws {
            if bytes < 1 || bytes > 16 * 1024 * 1024 - 1 { throw ValidationError("--bytes must be 1 ... 2^24 - 1") }
            for (name, v) in [("--max-payload", maxPayload), ("--max-read-request", maxReadRequest)]
            where PCIeSize.encoding(bytes: v) == nil {
                throw ValidationError("\(name) must be a power of two from 128 to 4096")
            }
        }

        func run() throws {
            var hc = HostConfiguration()
            hc.maxPayload = maxPayload
            hc.maxReadRequest = maxReadRequest
            hc.readLatency = .ns(readLatency)
            var ec = EndpointConfiguration()
            ec.memoryBytes = max(ec.memoryBytes, bytes)
            let system = PCIeSystem(endpoint: ec, host: hc)
            _ = try system.enumerate()
            let start = system.now
            let status = try system.dma(local: 0, host: 0x1000_0000, bytes: bytes, fromHost: fromHost)
            let ps = (system.now - start).picoseconds
            let lc = system.link.configuration
            let lineBytesPerSecond = 1_000_000_000_000 / lc.serialisationTime(bytes: 1).picoseconds
            let tlp = 12 + LinkConfiguration.framingBytesPerTLP   // 3DW header + framing
            let chunk = fromHost ? hc.readCompletionBoundary : maxPayload
            let payloadLimit = lineBytesPerSecond * UInt64(chunk) / UInt64(chunk + tlp)
            print("""
            transfer        \(bytes) bytes \(fromHost ? "host -> device (MRd)" : "device -> host (MWr)"), status \(status.name)
            simulated time  \(ps) ps
            throughput      \(UInt64(bytes) * 1_000_000_000_000 / max(ps, 1)) bytes/s
            line rate       \(lineBytesPerSecond) bytes/s (Gen\(lc.generation.rawValue) x\(lc.width) after line coding)
            payload limit   \(payloadLimit) bytes/s (\(chunk)-byte payloads, \(tlp) bytes of header and framing each)
            """)
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

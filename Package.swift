// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SoCSim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "socsim", targets: ["socsim"]),
        .library(name: "LM32", targets: ["LM32"]),
        .library(name: "LM32Asm", targets: ["LM32Asm"]),
        .library(name: "PCIe", targets: ["PCIe"]),
        .library(name: "Automaton", targets: ["Automaton"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // Time, clocks, the event scheduler, seeded randomness (a heap from swift-collections).
        .target(name: "SimKernel", dependencies: [.product(name: "HeapModule", package: "swift-collections")]),
        // Bus transactions, byte enables, address maps.
        .target(name: "SimBus", dependencies: ["SimKernel"]),
        // LM32 instruction table, decoder, disassembler, functional core, trace.
        .target(name: "LM32", dependencies: ["SimBus"]),
        // Cycle-exact LM32 (pipeline, caches, Wishbone ports) on the RTL test bench or a shared SoC bus.
        .target(name: "LM32Cycle", dependencies: ["LM32", "SimBus"]),
        // ELF32 reader and writer.
        .target(name: "ELF"),
        // GNU-as compatible assembler and ld-style linker for LM32.
        .target(name: "LM32Asm", dependencies: ["LM32", "ELF"]),
        // The challenge automaton (docs/automaton.md): the reference the device and the host model share.
        .target(name: "Automaton", dependencies: ["SimKernel"]),
        // The host half of the integrity test cycle: host CPU and hypervisor model, attackers, verdicts.
        .target(name: "Attestation", dependencies: ["Automaton", "SimKernel", "SoC", "SoCCycle", "PCIe", "LM32Asm", "Conformance", "Verilated"]),
        // PCI Express transaction layer: TLP codec, config space, link timing.
        .target(name: "PCIe", dependencies: ["SimKernel", "SimBus"]),
        // Machines: the upstream unit-test bench, program loading.
        .target(name: "SoC", dependencies: ["LM32", "LM32Asm", "ELF", "SimBus", "Automaton", "PCIe"],
                resources: [.embedInCode("Firmware/hello.S"), .embedInCode("Firmware/boot.S"),
                            .embedInCode("Firmware/uart_hello.S"), .embedInCode("Firmware/timer_ticks.S"),
                            .embedInCode("Firmware/gpio.S"), .embedInCode("Firmware/cache_flush.S"),
                            .embedInCode("Firmware/automaton.S"), .embedInCode("Firmware/dma.S"),
                            .embedInCode("Firmware/attest.S")]),
        // The cycle-exact LM32 on the milkymist SoC (docs/soc.md, cycle contract).
        .target(name: "SoCCycle", dependencies: ["LM32", "LM32Cycle", "PCIe", "SimKernel", "SoC"]),
        // Shared by the test targets: locating what the test command installs.
        .target(name: "SoCSimTestSupport"),
        // C ABI of the verilated RTL (RTL/bridge/bridge.h): types only, no Verilator needed.
        .target(name: "CVerilatorBridge"),
        // Loads RTL/build/<profile>/libsocsim_rtl.so at run time (dlopen); see docs/rtl.md.
        .target(name: "Verilated", dependencies: ["CVerilatorBridge", "SimKernel"]),
        // Lock-step comparison of LM32Cycle with the verilated RTL.
        .target(name: "Conformance", dependencies: ["LM32", "LM32Cycle", "SoC", "SoCCycle", "Verilated"]),
        // Streaming VCD writer, VCD reader, diff (no dependencies).
        .target(name: "Waves"),
        // The cycle model's observations as a VCD with the RTL test bench's names.
        .target(name: "CycleWaves", dependencies: ["Waves", "LM32Cycle", "ObservationSchema", "SimKernel"]),
        // The observed signals declared once, and the generator of the files derived from them
        // (docs/observation.md). No dependencies.
        .target(name: "ObservationSchema"),
        // The progress line of long commands on standard error (host time, for display only).
        .target(name: "ProgressLine"),
        // Sweep plans over the transaction-level round driver (scripts/slurm/); not the device.
        .executableTarget(name: "attest-sweep", dependencies: [
            "Attestation", "ProgressLine", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "socsim", dependencies: [
            "ObservationSchema", "SoC", "SoCCycle", "LM32", "LM32Asm", "ELF", "PCIe", "Waves", "CycleWaves", "LM32Cycle", "Verilated",
            "Conformance", "Automaton", "Attestation", "ProgressLine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "ObservationSchemaTests", dependencies: ["ObservationSchema"]),
        .testTarget(name: "AutomatonTests", dependencies: ["Automaton", "SimKernel", "SoCSimTestSupport"]),
        .testTarget(name: "AttestationTests", dependencies: ["Attestation", "Automaton", "SimKernel", "SoC", "PCIe", "SoCSimTestSupport"]),
        .testTarget(name: "LM32Tests", dependencies: ["LM32"]),
        .testTarget(name: "LM32CycleTests", dependencies: ["LM32Cycle", "LM32", "SimBus", "LM32Asm", "SoCSimTestSupport"]),
        .testTarget(name: "ConformanceTests", dependencies: ["Conformance", "LM32Cycle", "Verilated", "LM32Asm", "LM32", "SoC", "SoCSimTestSupport"]),
        .testTarget(name: "ELFTests", dependencies: ["ELF"]),
        .testTarget(name: "LM32AsmTests", dependencies: ["LM32Asm", "LM32", "ELF", "SoCSimTestSupport"],
                    exclude: ["GNUGolden"], resources: [.copy("Corpus")]),
        .testTarget(name: "PCIeTests", dependencies: ["PCIe", "SimBus"]),
        .testTarget(name: "SoCTests", dependencies: ["SoC", "LM32", "LM32Asm", "SoCSimTestSupport", "Automaton"]),
        .testTarget(name: "SoCCycleTests", dependencies: ["SoCCycle", "SoC", "LM32Cycle", "LM32", "LM32Asm", "SoCSimTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["socsim", "attest-sweep", "SoCSimTestSupport", "Automaton", "SimKernel", "Attestation"],
                    exclude: ["Snapshots"]),
        .testTarget(name: "VerilatedTests", dependencies: ["Verilated", "LM32Asm", "LM32Cycle", "SoC", "SoCSimTestSupport", "SimKernel"]),
        .testTarget(name: "WavesTests", dependencies: ["Waves", "CycleWaves", "LM32Cycle", "Verilated", "LM32Asm", "LM32", "SoC", "SoCCycle",
                                                     "Conformance", "SoCSimTestSupport", "SimKernel"],
                    exclude: ["Snapshots"]),
    ]
)

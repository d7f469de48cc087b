/// Firmware shipped inside the binary (SwiftPM `embedInCode` resources), so
/// `socsim run` with no program needs nothing but the executable.
public enum Firmware {
    /// The name under which the default firmware appears in diagnostics.
    public static let defaultName = "<embedded>/hello.S"

    /// The default firmware's assembly source.
    public static var defaultSource: String {
        String(decoding: PackageResources.hello_S, as: UTF8.self)
    }
}

/// The firmware of the Milkymist-style SoC: a boot stub linked first with
/// every program, and the programs. Sources `.include "soc.inc"`, the
/// assembly include `socsim header --asm` prints, generated from the SoC
/// description they are built for.
public enum MilkymistFirmware: String, CaseIterable, Sendable {
    case hello, timer, gpio, cacheFlush = "cache-flush", automaton, dma, attest

    /// The programs the SoC lock-step (cycle-exact SoC against the RTL SoC) runs:
    /// all but `dma` and `attest`, which need the PCIe endpoint's modelled host; the
    /// cycle-exact SoC runs them with `PCIeSetup`, the RTL's host stream is idle so far.
    public static let cycleExactCases = allCases.filter { !$0.needsEndpoint }

    /// True for a program that uses the PCIe endpoint (CSR bank 3, IRQ 5) and its
    /// modelled host.
    public var needsEndpoint: Bool { self == .dma || self == .attest }

    /// The program `socsim run --soc milkymist` runs without PROGRAM.
    public static let `default` = MilkymistFirmware.hello

    public static let bootName = "<embedded>/boot.S"
    public static var bootSource: String { String(decoding: PackageResources.boot_S, as: UTF8.self) }

    public var fileName: String {
        switch self {
        case .hello: "uart_hello.S"
        case .timer: "timer_ticks.S"
        case .gpio: "gpio.S"
        case .cacheFlush: "cache_flush.S"
        case .automaton: "automaton.S"
        case .dma: "dma.S"
        case .attest: "attest.S"
        }
    }

    public var source: String {
        let bytes: [UInt8]
        switch self {
        case .hello: bytes = PackageResources.uart_hello_S
        case .timer: bytes = PackageResources.timer_ticks_S
        case .gpio: bytes = PackageResources.gpio_S
        case .cacheFlush: bytes = PackageResources.cache_flush_S
        case .automaton: bytes = PackageResources.automaton_S
        case .dma: bytes = PackageResources.dma_S
        case .attest: bytes = PackageResources.attest_S
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public var sourceFile: SourceFile { SourceFile(path: "<embedded>/" + fileName, text: source) }
}

import ArgumentParser
import SoC

/// `socsim map`: the SoC's memory map, CSR banks, interrupt lines and every
/// device's registers, printed from the description the machine decodes.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Print the SoC's memory map, interrupt lines and device registers.",
        discussion: "Generated from the same declarations the device models use (DESIGN.md §5).")

    @Option(name: .customLong("sdram-latency"), parsing: .unconditional, help: "SDRAM access latency in cycles.")
    var sdramLatency: Int = SDRAM.defaultLatency

    func validate() throws {
        if sdramLatency < 1 { throw ValidationError("--sdram-latency must be at least 1") }
    }

    func run() throws {
        do { print(try SoCDescription.milkymist(sdramLatency: sdramLatency).mapListing(), terminator: "") }
        catch { throw InputError(error.description) }
    }
}

import ArgumentParser
import SoC

/// `socsim header`: constants for firmware authors, as a C header or (with
/// `--asm`) as the assembly include the firmware sources `.include`.
struct HeaderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "header",
        abstract: "Print a C header (or, with --asm, an assembly include) for the SoC's firmware.",
        discussion: """
        Base addresses (CSR banks at their uncached alias), region sizes, interrupt line numbers and, \
        per device register, its offset and each field's shift and mask, named DEVICE_REGISTER and \
        DEVICE_REGISTER_FIELD_SHIFT / _MASK. Firmware assembled by `socsim run` may `.include "soc.inc"` \
        without a file on disk: the assembler then gets this include.
        """)

    @Flag(help: "Emit GNU-as .equ lines instead of C.")
    var asm = false

    func run() throws {
        let soc: SoCDescription
        do { soc = try SoCDescription.milkymist() } catch { throw InputError(error.description) }
        print(asm ? soc.asmInclude() : soc.cHeader(), terminator: "")
    }
}

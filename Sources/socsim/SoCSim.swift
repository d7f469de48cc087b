import ArgumentParser
import Foundation
import LM32Asm

/// Exit codes, as documented in `socsim --help` and the README.
enum Exit {
    static let success: Int32 = 0
    /// The program reported a failure, or the simulation failed.
    static let simulationFailure: Int32 = 1
    /// Bad usage or bad input (options, assembly, ELF, hex, config), or an
    /// output that could not be written.
    static let usage: Int32 = 2
    /// The cycle limit (or the VCD size limit) was reached before the program ended.
    static let cycleLimit: Int32 = 3
    /// Interrupted by SIGINT; results so far were written.
    static let interrupted: Int32 = 130
}

/// An input error: printed as `socsim: error: …` and exit code 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }

    /// As printed: a diagnostic that names its place (`f.S:1:7: error: …`,
    /// the assembler's) or that starts with `socsim: ` is complete as it is;
    /// anything else gets `socsim: error: `.
    var printed: String {
        description.firstMatch(of: #/^([^\n]*:\d+:\d+: error: |socsim: )/#) != nil ? description : "socsim: error: " + description
    }
}

@main
struct SoCSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socsim",
        abstract: "Cycle-accurate simulator of a trusted PCIe device built around an LM32 SoC.",
        discussion: """
        Exit codes:
          0    success
          1    the program reported a failure (a failed test case, an unexpected
               firmware exception), or the simulation failed
          2    usage or input error (bad option, assembly error, malformed ELF/hex/TLP),
               or an output file or standard output that could not be written
          3    the cycle limit (or the VCD size limit, --vcd-max-bytes) was reached before the program ended
          130  interrupted (SIGINT); results so far were written
        """,
        subcommands: [Run.self, Asm.self, Disasm.self, Conform.self, FastForwardCheck.self, StepCheckCommand.self, TLPCommand.self, WaveCommand.self, MapCommand.self, HeaderCommand.self,
                      AutomatonCommand.self, AttestCommand.self, Generate.self, PCIeCommand.self])

    static func main() {
        let command: ParsableCommand
        do { command = try parseAsRoot(ArgumentBundling.prepare(Array(CommandLine.arguments.dropFirst()), root: SoCSim.self)) }
        catch { fail(error) }
        do {
            var c = command
            try c.run()
            exit(Exit.success)
        } catch let e as ValidationError {
            // found while running: the message alone (the options parsed)
            fail(InputError(e.message))
        } catch { fail(error) }
    }

    /// The end of a command that threw. An input error prints as
    /// `socsim: error: …` (a located diagnostic, `file:line:column: error:
    /// …`, as it is) and exits 2; an ExitCode is kept; ArgumentParser's
    /// errors (help, usage, validation) print with their usage lines, with
    /// `socsim: error:` for its `Error:`.
    private static func fail(_ error: Error) -> Never {
        switch error {
        case let e as InputError:
            Console.error.write(Data((Console.escapingControls(e.printed) + "\n").utf8))
            exit(Exit.usage)
        case let e as ExitCode:
            exit(e.rawValue)
        default:
            let code = exitCode(for: error)
            var message = fullMessage(for: error)
            if code == .success {
                print(message)
                exit(Exit.success)
            }
            if message.hasPrefix("Error: ") { message = "socsim: error: " + message.dropFirst("Error: ".count) }
            Console.error.write(Data((message.isEmpty ? "" : Console.escapingControls(message) + "\n").utf8))
            // Every parse or validation error is a usage error: exit 2.
            exit(code == .failure ? Exit.simulationFailure : Exit.usage)
        }
    }

    /// Exit after a run: lost standard output is an output error (exit 2
    /// instead of 0; a failing code is kept), reported on standard error.
    private static func exit(_ code: Int32) -> Never {
        guard let failure = Console.outputFailure else { Foundation.exit(code) }
        Console.error.write(Data("socsim: error: \(failure)\n".utf8))
        Foundation.exit(code == Exit.success ? Exit.usage : code)
    }
}

nonisolated(unsafe) private var sigintReceived: sig_atomic_t = 0

/// Runs `body` with SIGINT turned into a flag that the run loops poll
/// (`interrupted()`), so an interrupted run can flush its trace or VCD and
/// report its results so far. SIGINT is also unblocked: a parent may have
/// started us with it blocked (the mask is inherited across exec).
func whileWatchingSIGINT<T>(_ body: (_ interrupted: @escaping () -> Bool) throws -> T) rethrows -> T {
    sigintReceived = 0
    let previous = signal(SIGINT) { _ in sigintReceived = 1 }
    defer { signal(SIGINT, previous) }
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigprocmask(SIG_UNBLOCK, &unblock, nil)
    return try body { sigintReceived != 0 }
}

/// The largest input file read whole (programs, sources, tables): the
/// assembler's limit, the same for `.include`s (`InputFile.maxBytes`).
let maxInputFileBytes = InputFile.maxBytes

/// Read a whole file of at most `limit` bytes, or fail with an input error
/// naming it (`InputFile.read`: a regular file's size is checked before
/// reading; pipes and devices are read until the limit is passed).
func readFile(_ path: String, limit: Int = maxInputFileBytes) throws -> [UInt8] {
    do { return try InputFile.read(path, limit: limit) } catch { throw InputError(error.description) }
}

import ArgumentParser
import Foundation

/// Exit codes, as documented in `socsim --help` and the README.
enum Exit {
    static let success: Int32 = 0
    /// The program reported a failure, or the simulation failed.
    static let simulationFailure: Int32 = 1
    /// Bad usage or bad input (options, assembly, ELF, hex, config).
    static let usage: Int32 = 2
    /// The cycle limit was reached before the program ended.
    static let cycleLimit: Int32 = 3
    /// Interrupted by SIGINT; results so far were written.
    static let interrupted: Int32 = 130
}

/// An input error: printed as `socsim: error: …` and exit code 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

@main
struct SoCSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socsim",
        abstract: "Cycle-accurate simulator of a trusted PCIe device built around an LM32 SoC.",
        discussion: """
        Exit codes:
          0    success
          1    the program reported a failure, or the simulation failed
          2    usage or input error (bad option, assembly error, malformed ELF/hex/TLP)
          3    the cycle limit was reached before the program ended
          130  interrupted (SIGINT); results so far were written
        """,
        subcommands: [Run.self, Asm.self, Disasm.self, Conform.self, FastForwardCheck.self, TLPCommand.self, WaveCommand.self, MapCommand.self, HeaderCommand.self,
                      AutomatonCommand.self, AttestCommand.self, Generate.self, PCIeCommand.self])

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as InputError {
            FileHandle.standardError.write(Data("socsim: error: \(e.description)\n".utf8))
            Foundation.exit(Exit.usage)
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((message.isEmpty ? "" : message + "\n").utf8))
            // Every parse or validation error is a usage error: exit 2.
            Foundation.exit(code == .failure ? Exit.simulationFailure : Exit.usage)
        }
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

/// Read a whole file or fail with an input error naming it.
func readFile(_ path: String) throws -> [UInt8] {
    guard let d = FileManager.default.contents(atPath: path) else {
        throw InputError("cannot read '\(path)'")
    }
    return [UInt8](d)
}

/// A line-buffered text writer to a file, flushed on demand and at the end.
final class TextFile {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw InputError("cannot create '\(path)'")
        }
        handle = h
        buffer.reserveCapacity(1 << 16)
    }
    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }
    func flush() {
        if !buffer.isEmpty { handle.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
    }
    func close() { flush(); try? handle.close() }
}

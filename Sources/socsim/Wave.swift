import ArgumentParser
import Foundation
import Waves

/// `socsim wave`: inspect and compare VCD files (SoCSim's, Verilator's, Icarus Verilog's).
struct WaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wave",
        abstract: "List, show and diff VCD files.",
        discussion: """
        Times are picoseconds (every $timescale is converted). A malformed VCD exits 2 with the line at fault.
        """,
        subcommands: [List.self, Show.self, Diff.self])

    /// A VCD file opened for streaming: its header read, its body read by
    /// the command as it goes (memory bounded whatever the file's size).
    static func open(_ path: String) throws -> VCDStream {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError("cannot read '\(path)'") }
        var st = stat()
        if fstat(handle.fileDescriptor, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR { throw InputError("cannot read '\(path)': a directory") }
        let fd = handle.fileDescriptor
        let input: VCDInput = { buffer in
            // the handle lives as long as the stream that reads it
            withExtendedLifetime(handle) {
                while true {
                    let n = read(fd, buffer.baseAddress, buffer.count)
                    if n >= 0 { return n }
                    if errno != EINTR { return nil }
                }
            }
        }
        do { return try VCDStream(input: input) } catch { throw failure(path, error) }
    }

    static func failure(_ path: String, _ error: VCDParseError) -> InputError {
        InputError("\(path):\(error.line): \(error.message)")
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every signal with its width.")
        @Argument(help: "VCD file.") var file: String

        func run() throws {
            var f = try WaveCommand.open(file)
            // the whole body is read, so a malformed file is reported
            do { _ = try f.drain() } catch { throw WaveCommand.failure(file, error) }
            var out = ""
            for s in f.signals {
                out += "\(s.name) \(s.width)\(s.kind == "real" ? " real" : "")\n"
            }
            Console.output.write(Data(out.utf8))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a time window of some signals as a text table.",
            discussion: """
            A signal is named in full (TOP.socsim_tb_top.pc_w) or by a dotted suffix (pc_w, socsim_tb_top.pc_w); \
            a suffix matching several signals shows them all. The first row holds the values at --from, then one \
            row per change. With --clock-period, --from and --to are cycles (time / period) and a cycle column is added.
            """)
        @Argument(help: "VCD file.") var file: String
        @Option(help: ArgumentHelp("Signals, comma-separated.", valueName: "a,b,...")) var signals: String
        @Option(parsing: .unconditional, help: "Window start (ps, or cycles with --clock-period).") var from: UInt64 = 0
        @Option(parsing: .unconditional, help: "Window end, inclusive (ps, or cycles with --clock-period).") var to: UInt64?
        @Option(name: .customLong("clock-period"), parsing: .unconditional, help: ArgumentHelp("Clock period in ps; --from/--to are then cycles.", valueName: "ps"))
        var clockPeriod: UInt64?

        func validate() throws {
            if clockPeriod == 0 { throw ValidationError("--clock-period must be positive") }
            if let to, to < from { throw ValidationError("--to must not be before --from") }
        }

        func run() throws {
            var f = try WaveCommand.open(file)
            var chosen: [VCDSignal] = []
            for name in signals.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                let m = VCDDiff.match(f.signals, name)
                if m.isEmpty { throw InputError("\(file): no signal '\(name)' (see socsim wave list)") }
                chosen += m
            }
            if chosen.isEmpty { throw InputError("no signals given") }
            let scale = clockPeriod ?? 1
            let (fromPs, o1) = from.multipliedReportingOverflow(by: scale)
            let toPs = to.map { $0.multipliedReportingOverflow(by: scale) }
            if o1 || toPs?.1 == true { throw ValidationError("window out of range") }
            let rows: [(time: UInt64, values: [VCDValue?])]
            do { rows = try VCDDiff.window(&f, signals: chosen, from: fromPs, to: toPs?.0) } catch { throw WaveCommand.failure(file, error) }
            var header = ["time_ps"]
            if clockPeriod != nil { header.append("cycle") }
            header += chosen.map(\.name)
            var table: [[String]] = [header]
            for r in rows {
                var line = ["\(r.time)"]
                if let p = clockPeriod {
                    let whole = r.time / p, rest = r.time % p
                    line.append(rest == 0 ? "\(whole)" : "\(whole)+\(rest)ps")
                }
                line += r.values.map { $0?.description ?? "-" }
                table.append(line)
            }
            var widths = [Int](repeating: 0, count: header.count)
            for row in table { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
            var out = ""
            for row in table {
                out += row.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
            }
            Console.output.write(Data(out.utf8))
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare same-named signals of two VCDs.",
            discussion: """
            Signals with the same full name are compared over the time span both files cover, and the files \
            must start and end at the same times (the model's and the RTL's VCDs of one run do); \
            --common-span compares a window with a longer file. For each differing signal the first time it \
            diverges is printed with both values and the number of change times that disagree, earliest first. \
            Exit status: 0 equal, 1 different, 2 malformed input.
            """)
        @Argument(help: "First VCD (A).") var a: String
        @Argument(help: "Second VCD (B).") var b: String
        @Option(help: ArgumentHelp("Compare only signals under these scopes or with these names (comma-separated).", valueName: "scopes"))
        var scope: String?
        @Option(parsing: .unconditional, help: "Print at most this many differing signals.") var limit: Int = 50
        @Flag(name: .customLong("common-span"), help: "Compare only the time both files cover; their spans may differ.")
        var commonSpan = false

        func run() throws {
            var fa = try WaveCommand.open(a), fb = try WaveCommand.open(b)
            let prefixes = scope.map { $0.split(separator: ",").map(String.init) }
            func keep(_ name: String) -> Bool { prefixes?.contains { name == $0 || name.hasPrefix($0 + ".") } ?? true }
            let r: VCDDiffResult
            do { r = try VCDDiff.compare(&fa, &fb, keep: keep, commonSpan: commonSpan) }
            catch { throw WaveCommand.failure(error.file == 0 ? a : b, error.error) }
            var out = "compared \(r.compared) signals from \(r.from) ps to \(r.to) ps (only in A: \(r.onlyInA.count), only in B: \(r.onlyInB.count))\n"
            if r.spanMismatch {
                out += "spans differ: A \(r.spanA.lowerBound)–\(r.spanA.upperBound) ps, B \(r.spanB.lowerBound)–\(r.spanB.upperBound) ps\n"
            }
            for w in r.widthMismatches { out += "width \(w.name): A \(w.a) bits, B \(w.b) bits\n" }
            for d in r.divergences.prefix(max(0, limit)) {
                out += "\(d.name): first differs at \(d.time) ps: A=\(d.a?.description ?? "-") B=\(d.b?.description ?? "-") (\(d.count) differing change\(d.count == 1 ? "" : "s"))\n"
            }
            if r.divergences.count > limit { out += "... \(r.divergences.count - limit) more\n" }
            let n = r.divergences.count + r.widthMismatches.count
            out += r.equal ? "no differences\n" : n > 0 ? "\(n) signals differ\n" : "the spans differ\n"
            Console.output.write(Data(out.utf8))
            if !r.equal { throw ExitCode(Exit.simulationFailure) }
        }
    }
}

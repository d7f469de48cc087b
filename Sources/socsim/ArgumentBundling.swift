import ArgumentParser

/// Long argument lists in time linear in their length.
///
/// swift-argument-parser stores each value of an array argument by copying
/// the array and the set of input positions gathered so far, then removes the
/// used positions one by one in hash order: time quadratic in the number of
/// values (4 000 file names took seconds, 10 000 `tlp decode` bytes more than
/// 20 s). Before the parser sees them, the positional values of a command
/// that takes a list of them (`BundledPositionals`) are joined into a few
/// arguments separated by NUL, which no command-line argument can contain;
/// the command splits them again in `validate()`. What is left for the
/// parser is at most `maxArguments` arguments, else an input error (exit 2).
enum ArgumentBundling {
    /// Separates bundled values: a C string (argv) cannot hold NUL.
    static let separator: Character = "\0"

    /// The most arguments handed to the parser after bundling: its time
    /// for repeated options stays well under a second.
    static let maxArguments = 512

    /// `arguments` (without the program name) with runs of positional values
    /// joined, when the command they select takes a list of positionals.
    /// In a run of non-option arguments the first may be the value of the
    /// option before it, so it stays apart; after `--` every argument is a
    /// positional value.
    static func bundle(_ arguments: [String], root: ParsableCommand.Type) -> [String] {
        var command = root
        var i = 0
        // the subcommand path: names as long as they select a subcommand
        descend: while i < arguments.count {
            for sub in command.configuration.subcommands
            where sub._commandName == arguments[i] || sub.configuration.aliases.contains(arguments[i]) {
                command = sub
                i += 1
                continue descend
            }
            break
        }
        guard command is BundledPositionals.Type else { return arguments }
        var out = Array(arguments[..<i])
        var run: [String] = []
        func flush() {
            if let first = run.first { out.append(first) }
            if run.count > 1 { out.append(run.dropFirst().joined(separator: String(separator))) }
            run.removeAll(keepingCapacity: true)
        }
        while i < arguments.count {
            let a = arguments[i]
            i += 1
            if a == "--" {
                flush()
                out.append(a)
                if i < arguments.count { out.append(arguments[i...].joined(separator: String(separator))) }
                break
            }
            if a.hasPrefix("-") && a != "-" { flush(); out.append(a) } else { run.append(a) }
        }
        flush()
        return out
    }

    /// Values split at the separator (the inverse of `bundle` for one list).
    static func unbundle(_ values: [String]) -> [String] {
        values.flatMap { v in v.contains(separator) ? v.split(separator: separator, omittingEmptySubsequences: false).map(String.init) : [v] }
    }

    /// Bundled arguments for the parser, or an input error when too many remain.
    static func prepare(_ arguments: [String], root: ParsableCommand.Type) throws -> [String] {
        let bundled = bundle(arguments, root: root)
        if bundled.count > maxArguments {
            throw InputError("too many arguments (\(bundled.count) options and values; at most \(maxArguments), "
                + "with any number of positional values)")
        }
        return bundled
    }
}

/// A command whose positional arguments are a list that may be long: its
/// `validate()` calls `ArgumentBundling.unbundle` on that list first.
protocol BundledPositionals: ParsableCommand {}

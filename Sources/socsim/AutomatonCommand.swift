import ArgumentParser
import Automaton
import Foundation

/// `socsim automaton`: the challenge automaton's reference (docs/automaton.md)
/// on the host side: run it over an image file, print random tables.
struct AutomatonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "automaton",
        abstract: "Run the challenge automaton (docs/automaton.md, version \(automatonVersion)) or print a random table.",
        subcommands: [RunAutomaton.self, RandomTable.self])

    /// A number option: decimal or 0x hex, at most `max`.
    static func number(_ text: String, _ option: String, max: UInt64) throws -> UInt64 {
        guard let v = parseNumber(text), v <= max else {
            throw InputError("\(option): '\(text)' is not a number from 0 to \(max) (decimal or 0x hex)")
        }
        return v
    }

    static func table(file: String?, seed: String?, states: String?) throws -> StateTable {
        switch (file, seed) {
        case (let path?, nil):
            if states != nil { throw InputError("--states is for --random-table") }
            do { return try StateTable(text: String(decoding: try readFile(path), as: UTF8.self)) }
            catch let e as TableFormatError { throw InputError("\(path): \(e.description)") }
        case (nil, let seed?):
            let n = try states.map { try number($0, "--states", max: UInt64(StateTable.maxStates)) } ?? UInt64(StateTable.maxStates)
            do { return try StateTable.random(seed: try number(seed, "--random-table", max: .max), states: Int(n)) }
            catch let e as AutomatonError { throw InputError("--states: \(e.description)") }
        default:
            throw InputError("give exactly one of --table FILE and --random-table SEED")
        }
    }

    struct RunAutomaton: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run the automaton over an image file placed at an address; print digest, final state and steps.",
            discussion: """
            The window is the image's first --words words (default: all of it, which must then be a power of \
            two words long) at --base, the address bound into the digest. Image words are little-endian. \
            Numbers are decimal or 0x hex. The table file is in the text format of docs/automaton.md \
            (`socsim automaton random-table` prints one).
            """)

        @Option(help: "The image file (its bytes, from --base on).") var image: String
        @Option(parsing: .unconditional, help: "The absolute byte address of the image's first byte (word-aligned).") var base: String
        @Option(parsing: .unconditional, help: "The 64-bit nonce.") var nonce: String
        @Option(help: "The state table, in the text format.") var table: String?
        @Option(name: .customLong("random-table"), parsing: .unconditional, help: "Use the random table of this seed instead.") var randomTable: String?
        @Option(parsing: .unconditional, help: "States of the random table (1-64, default 64).") var states: String?
        @Option(parsing: .unconditional, help: "Number of steps (at least 1).") var steps: String
        @Option(parsing: .unconditional, help: "Window length in words, a power of two (default: the whole image).") var words: String?
        @Option(help: "Environment words, comma-separated (up to 16).") var env: String?
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            let bytes = try readFile(image)
            let baseAddress = try AutomatonCommand.number(base, "--base", max: UInt64(UInt32.max))
            guard baseAddress & 3 == 0 else { throw InputError("--base: \(base) is not word-aligned") }
            let n: UInt64
            if let words { n = try AutomatonCommand.number(words, "--words", max: UInt64(Window.maxWords)) }
            else {
                guard bytes.count % 4 == 0 else { throw InputError("\(image): \(bytes.count) bytes is not a whole number of words (give --words)") }
                n = UInt64(bytes.count / 4)
            }
            let window: Window
            do { window = try Window(base: UInt32(baseAddress), words: UInt32(n)) }
            catch { throw InputError("window of \(n) words: \(error.description)") }
            guard UInt64(window.words) * 4 <= UInt64(bytes.count) else {
                throw InputError("the window (\(window.words) words) is larger than \(image) (\(bytes.count) bytes)")
            }
            guard baseAddress + UInt64(window.words) * 4 <= 1 << 32 else {
                throw InputError("the window runs past the end of the 32-bit address space")
            }
            let envWords = try (env ?? "").split(separator: ",").map {
                UInt32(try AutomatonCommand.number($0.trimmingCharacters(in: .whitespaces), "--env", max: UInt64(UInt32.max)))
            }
            let environment: Environment
            do { environment = try Environment(envWords) } catch { throw InputError("--env: \(error.description)") }
            let stepCount = try AutomatonCommand.number(steps, "--steps", max: UInt64(UInt32.max))
            let challenge: Challenge
            do {
                challenge = try Challenge(nonce: try AutomatonCommand.number(nonce, "--nonce", max: .max), window: window,
                                          steps: UInt32(stepCount),
                                          table: try AutomatonCommand.table(file: table, seed: randomTable, states: states),
                                          environment: environment)
            } catch let e as AutomatonError { throw InputError("--steps: \(e.description)") }
            let r = challenge.run(on: ByteImage(bytes, at: window.base))
            let digest = "0x" + String(repeating: "0", count: 16 - String(r.digest, radix: 16).count) + String(r.digest, radix: 16)
            if json {
                print("{\"version\": \(automatonVersion), \"digest\": \"\(digest)\", \"final_state\": \(r.finalState), \"steps_done\": \(r.stepsDone)}")
            } else {
                print("digest      \(digest)\nfinal-state \(r.finalState)\nsteps-done  \(r.stepsDone)")
            }
        }
    }

    struct RandomTable: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "random-table",
            abstract: "Print the random state table of a seed, in the text format --table reads.",
            discussion: "The draw is specified in docs/automaton.md (\"Random tables\"), so any implementation gets the same table.")

        @Option(parsing: .unconditional, help: "The seed (decimal or 0x hex).") var seed: String
        @Option(parsing: .unconditional, help: "Number of states, 1-64.") var states: String?

        func run() throws {
            print(try AutomatonCommand.table(file: nil, seed: seed, states: states).text, terminator: "")
        }
    }
}

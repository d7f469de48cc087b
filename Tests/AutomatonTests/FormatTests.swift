import Automaton
import SimKernel
import Testing

/// The table text format, the in-memory table, the wire layouts and the
/// typed errors of docs/automaton.md.
@Suite struct FormatTests {
    @Test func operationsAreBijectiveInTheWordAndTheAccumulator() {
        // A collision on a sample would disprove bijectivity; 16-bit-structured inputs probe carries.
        var g = SplitMix64(seed: 5)
        for op in Operation.allCases {
            let k = UInt32(truncatingIfNeeded: g.next()), a = UInt32(truncatingIfNeeded: g.next())
            let env: UInt32 = 0x5555_AAAA
            var byWord = Set<UInt32>(), byAcc = Set<UInt32>()
            for i in 0..<4_096 {
                let v = UInt32(i) &* 0x0001_0003 ^ UInt32(i << 20)
                byWord.insert(op.apply(a, v, k, env: env))
                byAcc.insert(op.apply(v, a, k, env: env))
            }
            #expect(byWord.count == 4_096, "\(op.mnemonic) merges words")
            #expect(byAcc.count == 4_096, "\(op.mnemonic) merges accumulators")
            #expect(Operation(mnemonic: op.mnemonic.lowercased()) == op)
        }
    }

    @Test func tableTextRoundTrips() throws {
        for seed: UInt64 in [0, 1, 99] {
            let t = try StateTable.random(seed: seed, states: Int(seed % 64) + 1)
            #expect(try StateTable(text: t.text) == t)
            #expect(try StateTable(words: t.words) == t)
        }
        let t = try StateTable(text: "# two states\n  add 0x10 3 1 0 # state 0\n\nENV 1_000 31 0 1\n")
        #expect(t.entries == [StateEntry(.add, constant: 16, branchBit: 3, successor0: 1, successor1: 0),
                              StateEntry(.env, constant: 1000, branchBit: 31, successor0: 0, successor1: 1)])
        #expect(t.entries[1].descriptor == 0x0100_1F07)
    }

    @Test(arguments: [
        ("", "no states"),
        ("ADD 1 2 0", "found 4 fields"),
        ("MUL 1 2 0 0", "unknown operation 'MUL'"),
        ("ADD 0x100000000 2 0 0", "bad constant"),
        ("ADD 1 32 0 0", "bad branch bit"),
        ("ADD 1 2 0 64", "bad successor"),
        ("ADD 1 2 0 1", "successor is not below the state count 1"),
        (String(repeating: "ADD 1 2 0 0\n", count: 65), "line 65: more than 64 states"),
    ])
    func badTableTextIsATypedError(text: String, message: String) {
        do {
            _ = try StateTable(text: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func badInputsAreTypedErrors() throws {
        #expect(throws: AutomatonError.windowLength) { try Window(base: 0, words: 0) }
        #expect(throws: AutomatonError.windowLength) { try Window(base: 0, words: 3) }
        #expect(throws: AutomatonError.windowLength) { try Window(base: 0, words: 1 << 31) }
        #expect(try Window(base: 7, words: 1 << 30).base == 4)
        #expect(throws: AutomatonError.environmentCount) { try Environment(Array(repeating: 1, count: 17)) }
        #expect(throws: AutomatonError.stateCount) { try StateTable([]) }
        #expect(throws: AutomatonError.stateCount) { try StateTable.random(seed: 1, states: 65) }
        #expect(throws: AutomatonError.tableEntry) { try StateTable(words: [0, 8]) }          // operation 8
        #expect(throws: AutomatonError.tableEntry) { try StateTable(words: [0, 0x0000_2000]) } // branch bit 32
        #expect(throws: AutomatonError.tableEntry) { try StateTable(words: [0, 0x0100_0000]) } // successor 1 of 1
        let table = try StateTable.random(seed: 3)
        #expect(throws: AutomatonError.zeroSteps) {
            try Challenge(nonce: 0, window: try Window(base: 0, words: 4), steps: 0, table: table, environment: try Environment())
        }
        // Error codes are the doc's.
        #expect(AutomatonError.allCases.map(\.rawValue) == Array(1...9))
    }

    @Test func aBusErrorStopsTheRunBeforeTheFailingStep() throws {
        let table = try StateTable.random(seed: 4)
        let c = try Challenge(nonce: 0x1234, window: try Window(base: 0x1000, words: 256), steps: 10_000, table: table,
                              environment: try Environment())
        // An image covering only the window's first half: the first read above it fails.
        let half = ByteImage(words: Array(repeating: 7, count: 128), at: 0x1000)
        let r = c.run(on: half)
        let failing = try #require(r.busErrorAddress)
        #expect(failing >= 0x1200 && failing < 0x1400)
        var s = AutomatonState(nonce: c.nonce)
        for _ in 0..<r.stepsDone {
            let p = s.address(in: c.window)
            s.step(word: 7, at: p, entry: table.entries[Int(s.state)], environment: c.environment)
        }
        #expect(s.address(in: c.window) == failing)
        #expect(r.digest == s.digest && r.finalState == s.state)
        #expect(!half.covers(c.window) && ByteImage(words: Array(repeating: 7, count: 256), at: 0x1000).covers(c.window))
    }

    @Test func byteImageReadsLittleEndianWords() {
        let image = ByteImage([0x78, 0x56, 0x34, 0x12, 0xAA], at: 0x100)
        #expect(image.word(at: 0x100) == 0x1234_5678)
        #expect(image.word(at: 0x104) == 0xAA)
        #expect(image.word(at: 0x108) == nil && image.word(at: 0xFC) == nil)
    }

    @Test func challengeAndAnswerRoundTripOnTheWire() throws {
        let m = try ChallengeMessage(id: 0xC0DE, nonce: 0x0102_0304_0506_0708, window: try Window(base: 0x0010_0000, words: 1024),
                                     steps: 4096, table: try StateTable.random(seed: 9, states: 5), environmentTests: [7, 8, 9])
        let b = m.bytes
        #expect(b.count == 608)
        #expect(Array(b[0..<4]) == Array("AUT1".utf8))
        #expect(Array(b[8..<16]) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(b[0x1C] == 5 && b[0x1D] == 3)
        #expect(try ChallengeMessage(bytes: b) == m)

        func rejects(_ at: Int, _ value: UInt8, _ expected: WireError) {
            var bad = b
            bad[at] = value
            #expect(throws: expected) { try ChallengeMessage(bytes: bad) }
        }
        rejects(0, 0x42, .magic(expected: ChallengeMessage.magic, found: 0x3154_5542))
        rejects(0x1E, 1, .nonZeroPadding(offset: 0x1E))
        rejects(0x2C, 1, .nonZeroPadding(offset: 0x2C))        // selector 3 of 3
        rejects(0x60 + 8 * 5, 1, .nonZeroPadding(offset: 0x88)) // state 5 of 5
        rejects(0x1C, 0, .invalid(.stateCount))
        rejects(0x1D, 17, .invalid(.environmentCount))
        rejects(0x19, 0, .invalid(.zeroSteps))                  // steps 0x1000 -> 0
        rejects(0x10, 1, .nonZeroPadding(offset: 0x10))
        rejects(0x14, 3, .invalid(.windowLength))
        #expect(throws: WireError.size(expected: 608, found: 607)) { try ChallengeMessage(bytes: Array(b.dropLast())) }

        let r = AutomatonResult(digest: 0x1122_3344_5566_7788, finalState: 42, stepsDone: 4096)
        let a = AnswerMessage(id: 0xC0DE, result: r)
        #expect(a.bytes.count == 24)
        #expect(Array(a.bytes[8..<16]) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        #expect(try AnswerMessage(bytes: a.bytes) == a)
    }

    /// Random bytes (valid magic and sizes, everything else random or one
    /// byte of a valid message changed) decode to a message or a typed error, never a crash;
    /// whatever decodes encodes back to the same bytes.
    @Test func randomBytesNeverCrashTheDecoders() throws {
        var g = SplitMix64(seed: 17)
        let valid = try ChallengeMessage(id: 1, nonce: 2, window: try Window(base: 0x1000, words: 64), steps: 3,
                                         table: try StateTable.random(seed: 4, states: 9), environmentTests: [5, 6]).bytes
        var decoded = 0
        for i in 0..<10_000 {
            var b: [UInt8]
            if i % 2 == 0 {
                b = (0..<ChallengeMessage.size).map { _ in UInt8(truncatingIfNeeded: g.next()) }
                b.replaceSubrange(0..<4, with: valid[0..<4])
                b[0x1C] = UInt8(g.next() % 66)
                b[0x1D] = UInt8(g.next() % 18)
            } else {
                b = valid
                b[Int(g.next() % UInt64(b.count))] ^= UInt8(truncatingIfNeeded: g.next() | 1)
            }
            if let m = try? ChallengeMessage(bytes: b) {
                decoded += 1
                #expect(m.bytes == b)
            }
            let a = (0..<AnswerMessage.size).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            #expect(throws: WireError.self) { try AnswerMessage(bytes: a) }
        }
        #expect(decoded > 0)
    }
}

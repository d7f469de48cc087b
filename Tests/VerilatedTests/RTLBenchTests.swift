// Tests of the verilated LM32 test bench through the C bridge. They need the
// libraries built by RTL/build.sh; when one is missing the test FAILS with the
// loader's message, which says how to build it (never skipped).
import LM32Cycle
import SoC
import Testing
import Verilated

#if canImport(Glibc)
import Glibc
#endif

/// Options for the test bench: its clock as `BenchConfig` declares it.
let benchOptions = RTLModel.Options(clock: BenchConfig.clock)

/// Options for the verilated SoC: the milkymist description's system clock.
func socOptions() throws -> RTLModel.Options {
    let soc = try SoCDescription.milkymist()
    return RTLModel.Options(clock: soc.clock, userClock: soc.clock(named: SoCDescription.pcieUserClock.name))
}

/// A model of `profile` with `inputs` applied, the given memory contents, and
/// a fresh reset, so that cycle 0 is the first cycle of the program.
func makeModel(_ profile: RTLProfile, inputs: RTLInputs = .idle,
               code: [(UInt32, [UInt32])], data: [(UInt32, [UInt8])] = []) throws -> RTLModel {
    let m = try RTLModel(profile: profile, options: benchOptions)
    try m.setInputs(inputs)
    for (addr, words) in code { try m.writeWords(words, at: addr) }
    for (addr, bytes) in data { try m.writeMemory(bytes, at: addr) }
    try m.reset()
    return m
}

func waits(i: UInt8, d: UInt8) -> RTLInputs {
    var inp = RTLInputs.idle
    inp.i_wait = i
    inp.d_wait = d
    return inp
}

@Suite struct LoadingTests {
    @Test(arguments: RTLProfile.allCases)
    func libraryLoadsAndDescribesItself(profile: RTLProfile) throws {
        let lib = try RTLLibrary.load(profile)
        #expect(lib.profile == profile.rawValue)
        #expect(lib.verilatorVersion.hasPrefix("5."))
        #expect(lib.hasCaches == (profile == .testbenchCache))
        #expect(lib.features & UInt32(SOCSIM_FEATURE_CYCLE_COUNTER) != 0)
        #expect(lib.features & UInt32(SOCSIM_FEATURE_TRACE) != 0)
        // The same C layout on both sides of the bridge.
        #expect(MemoryLayout<socsim_rtl_obs_t>.size == 160)
        #expect(MemoryLayout<socsim_rtl_inputs_t>.size == 48)
        let m = try RTLModel(library: lib, options: benchOptions)
        let o = try m.observe()
        #expect(o.cycle == 0)
        #expect(o.reset == 0)
    }

    @Test func missingLibraryIsAnErrorThatSaysHowToBuildIt() throws {
        #expect {
            _ = try RTLLibrary.load(.testbenchCache, directory: "/nonexistent/socsim-rtl")
        } throws: { error in
            guard let e = error as? RTLError, case .libraryNotFound = e else { return false }
            return e.description.contains("RTL/build.sh") && e.description.contains("scripts/test.sh")
        }
    }

    @Test func notALibraryIsRejected() throws {
        #expect(throws: RTLError.self) { _ = try RTLLibrary.load(path: "/etc/hostname") }
    }

    /// RTL/build.sh also builds a library whose socsim_bridge_abi_version()
    /// returns another version (RTL/bench/bad_abi.c): it must be rejected.
    @Test func otherABIVersionIsRejected() throws {
        let path = RTLLibrary.buildDirectory + "/fixtures/libsocsim_bad_abi.so"
        #expect(access(path, R_OK) == 0, "\(path) missing: run RTL/build.sh")
        #expect {
            _ = try RTLLibrary.load(path: path)
        } throws: { error in
            guard let e = error as? RTLError, case let .abiMismatch(_, library, expected) = e else { return false }
            return library == 0xBAD && expected == SOCSIM_BRIDGE_ABI_VERSION && e.description.contains("RTL/build.sh")
        }
    }

    @Test func aProfileFolderNamedDirectlyIsCheckedForItsProfile() throws {
        let dir = RTLLibrary.buildDirectory + "/testbench-nocache"
        #expect(throws: RTLError.self) { _ = try RTLLibrary.load(.testbenchCache, directory: dir) }
        let lib = try RTLLibrary.load(.testbenchNocache, directory: dir)
        #expect(lib.profile == "testbench-nocache")
    }
}

@Suite struct ProgramTests {
    static let cases: [(RTLProfile, UInt8, UInt8)] = RTLProfile.allCases.flatMap { p in
        [(p, 0, 0), (p, 2, 2), (p, 1, 3)]
    }

    @Test(arguments: cases)
    func passingProgramReportsPass(profile: RTLProfile, iWait: UInt8, dWait: UInt8) throws {
        let m = try makeModel(profile, inputs: waits(i: iWait, d: dWait),
                              code: [(0, Programs.add)], data: [(0x8000, Programs.addName)])
        let r = try m.runTestProgram(maxCycles: 20_000)
        #expect(r.ended)
        #expect(r.results.map(\.name) == ["add"])
        #expect(r.failures.isEmpty)
        #expect(try m.readWord(at: 0x1000) == 12)
    }

    @Test(arguments: RTLProfile.allCases)
    func failingProgramReportsFailure(profile: RTLProfile) throws {
        let m = try makeModel(profile, code: [(0, Programs.addFailing)], data: [(0x8000, Programs.addName)])
        let r = try m.runTestProgram(maxCycles: 20_000)
        #expect(r.ended)
        #expect(r.results.count == 1)
        #expect(r.failures.map(\.name) == ["add"])
        #expect(r.failures.first?.value == 0xFFFF_0000)
    }

    @Test(arguments: RTLProfile.allCases)
    func budgetRunsOutWithoutEnd(profile: RTLProfile) throws {
        // A branch-to-self never ends.
        let m = try makeModel(profile, code: [(0, [0xE000_0000])])
        let r = try m.runTestProgram(maxCycles: 5_000)
        #expect(!r.ended)
        #expect(r.cycle == 5_000)
    }

    @Test(arguments: RTLProfile.allCases)
    func retirementAndRegisterWritesFollowTheProgram(profile: RTLProfile) throws {
        let m = try makeModel(profile, code: [(0, Programs.add)], data: [(0x8000, Programs.addName)])
        var retired: [RTLObservation] = []
        for _ in 0..<50 where retired.last?.pc_w != 0x38 {
            retired += try m.stepObserving(100).filter { $0.retire != 0 }
        }
        let upToEnd = Array(retired.prefix { $0.pc_w != 0x3C })
        #expect(upToEnd.map(\.pc_w) == Programs.addRetireOrder)
        for o in upToEnd {
            #expect(o.insn_w == Programs.add[Int(o.pc_w / 4)], "instruction word at 0x\(String(o.pc_w, radix: 16))")
        }
        // add r3, r1, r2 writes 12 into r3 as it retires.
        let add = try #require(upToEnd.first { $0.pc_w == 0x18 })
        #expect(add.rf_we == 1 && add.rf_idx == 3 && add.rf_data == 12)
        // lw r5 writes the value stored before it.
        let lw = try #require(upToEnd.first { $0.pc_w == 0x34 })
        #expect(lw.rf_we == 1 && lw.rf_idx == 5 && lw.rf_data == 12)
        // the cycle counter counts every cycle from reset release
        #expect(retired.allSatisfy { $0.cc == UInt32(truncatingIfNeeded: $0.cycle) })
    }
}

/// What the register file holds when a program starts (docs/rtl.md, "X and
/// initial values"): the Swift model must start from the same state.
@Suite struct RegisterFileTests {
    func dump(_ m: RTLModel) throws -> [UInt32] {
        try (0..<32).map { try m.readWord(at: 0x1000 + 4 * UInt32($0)) }
    }

    @Test(arguments: RTLProfile.allCases)
    func allRegistersAreZeroAtCreation(profile: RTLProfile) throws {
        let m = try makeModel(profile, code: [(0, Programs.dumpRegisters)],
                              data: [(0x1000, [UInt8](repeating: 0xFF, count: 128))])
        let r = try m.runTestProgram(maxCycles: 10_000)
        #expect(r.ended)
        #expect(try dump(m) == [UInt32](repeating: 0, count: 32))
    }

    @Test(arguments: RTLProfile.allCases)
    func resetKeepsTheRegisterFile(profile: RTLProfile) throws {
        let m = try makeModel(profile, code: [(0, Programs.setR5)])
        #expect(try m.runTestProgram(maxCycles: 10_000).ended)
        try m.writeWords(Programs.dumpRegisters, at: 0)
        try m.writeMemory([UInt8](repeating: 0xFF, count: 128), at: 0x1000)
        try m.reset()
        #expect(try m.runTestProgram(maxCycles: 10_000).ended)
        var expected = [UInt32](repeating: 0, count: 32)
        expected[5] = 0x1234
        expected[12] = 0xFFFF_0000
        #expect(try dump(m) == expected)
    }
}

@Suite struct BusTimingTests {
    /// Straight-line code without caches: each instruction is one Wishbone
    /// fetch with CYC high for wait + 1 cycles, and the pipeline is stalled
    /// while it is open, so instructions retire every 2 + wait cycles
    /// (reference: 2 with an ACK in the first cycle, 3 with the upstream bench).
    @Test(arguments: [UInt8(0), 1, 2, 3])
    func nocacheFetchTakesTwoPlusWaitCycles(wait: UInt8) throws {
        let m = try makeModel(.testbenchNocache, inputs: waits(i: wait, d: 0),
                              code: [(0, [UInt32](repeating: Programs.nop, count: 64))])
        let obs = try m.stepObserving(150)
        // every fetch beat: CYC high for exactly wait+1 cycles, ACK in the last
        var runs: [Int] = []
        var run = 0
        for o in obs {
            if o.ibus.cyc != 0 {
                run += 1
                #expect((o.ibus.ack != 0) == (run == Int(wait) + 1))
                #expect(o.ibus.cti == 7 && o.ibus.sel == 0xF && o.ibus.we == 0)
            } else if run > 0 {
                runs.append(run)
                run = 0
            }
        }
        #expect(!runs.isEmpty && runs.allSatisfy { $0 == Int(wait) + 1 })
        let retireCycles = obs.filter { $0.retire != 0 && $0.pc_w < 64 * 4 }.map(\.cycle)
        let gaps = zip(retireCycles.dropFirst(), retireCycles).map { $0 - $1 }
        #expect(gaps.count > 10)
        #expect(gaps.allSatisfy { $0 == 2 + UInt64(wait) }, "gaps \(gaps)")
    }

    /// With caches the first fetch misses: a 4-beat burst from the line start,
    /// CTI 010, 010, 010, 111, one ACK per wait + 1 cycles, CYC high throughout.
    @Test(arguments: [UInt8(0), 1, 2])
    func cacheRefillIsAFourBeatBurst(wait: UInt8) throws {
        let m = try makeModel(.testbenchCache, inputs: waits(i: wait, d: 0),
                              code: [(0, [UInt32](repeating: Programs.nop, count: 64))])
        let obs = try m.stepObserving(400)
        let first = try #require(obs.firstIndex { $0.ibus.cyc != 0 })
        let beatLen = Int(wait) + 1
        let burst = obs[first..<(first + 4 * beatLen)]
        #expect(burst.allSatisfy { $0.ibus.cyc != 0 && $0.ibus.stb != 0 })
        #expect(obs[first + 4 * beatLen].ibus.cyc == 0)
        let acks = burst.filter { $0.ibus.ack != 0 }
        #expect(acks.map(\.ibus.adr) == [0x0, 0x4, 0x8, 0xC])
        #expect(acks.map(\.ibus.cti) == [2, 2, 2, 7])
        #expect(acks.map { $0.cycle - obs[first].cycle } == (1...4).map { UInt64($0 * beatLen - 1) })
    }

    /// Reset to first retirement. With caches both are flushed (256 cycles)
    /// and the first fetch misses: the reference measured 269 cycles with an
    /// ACK in the first cycle and 273 with the upstream bench (1 wait state).
    /// Without caches the first instruction retires at 9 + 4 * wait.
    @Test(arguments: [UInt8(0), 1, 2])
    func firstRetirementAfterReset(wait: UInt8) throws {
        for profile in RTLProfile.allCases {
            let m = try makeModel(profile, inputs: waits(i: wait, d: wait),
                                  code: [(0, [UInt32](repeating: Programs.nop, count: 64))])
            let n = try m.step(1_000, until: .retire)
            let o = try m.observe()
            #expect(o.retire == 1 && o.pc_w == 0)
            let expected: UInt64 = profile == .testbenchCache ? 269 + 4 * UInt64(wait) : 9 + 4 * UInt64(wait)
            #expect(n == expected && o.cycle == expected, "\(profile.rawValue) wait \(wait)")
        }
    }

    /// A data access inside the error window gets ERR instead of ACK and the
    /// CPU takes a data bus error (EID 4) on the next instruction valid in X.
    /// ea is memop_pc_w, the PC of the last load/store that left M while no
    /// bus error was pending.
    /// - With the D-cache the load misses and is killed for the refill; the
    ///   ERR of the refill burst sets the error flag, the load is refetched and
    ///   is itself the victim in X: exception in W at 0x0c, ea = 0x0c.
    /// - Without it the ERR sets the flag while the load is still in M, so the
    ///   load completes (writing garbage), memop_pc_w is not updated, the next
    ///   instruction (0x10) is the victim and ea = the previous memory access,
    ///   the store at 0x08 (not the load, as the reference's cached SIM run
    ///   suggests).
    @Test(arguments: RTLProfile.allCases)
    func dataBusErrorWindow(profile: RTLProfile) throws {
        var inp = RTLInputs.idle
        inp.d_err_en = 1
        inp.d_err_lo = 0x4000
        inp.d_err_hi = 0x4FFF
        let m = try makeModel(profile, inputs: inp, code: Programs.busError)
        var sawErr = false
        for _ in 0..<100 {
            let obs = try m.stepObserving(10)
            sawErr = sawErr || obs.contains { $0.dbus.err != 0 && $0.dbus.adr & 0xFFFF_FFF0 == 0x4000 && $0.dbus.ack == 0 }
            if obs.contains(where: { $0.exc_w != 0 }) { break }
        }
        #expect(sawErr)
        // the LM32 RTL's own $display, captured by the bridge
        #expect(m.takeOutput().contains("Data bus error. Address: 00004000"))
        #expect(m.takeOutput() == "")
        try m.reset()
        try m.step(10_000, until: .exception)
        let o = try m.observe()
        #expect(o.exc_w == 1)
        #expect(o.eid_w == 4)
        #expect(o.pc_w == (profile == .testbenchCache ? 0x0C : 0x10))
        let ea: UInt32 = profile == .testbenchCache ? 0x0C : 0x08
        #expect(o.rf_we == 1 && o.rf_idx == 30 && o.rf_data == ea, "ea written: \(o.rf_data), cycle \(o.cycle)")
        let r = try m.runTestProgram(maxCycles: 10_000)
        #expect(r.ended && r.results.count == 1 && r.failures.isEmpty)
    }

    /// `break` is a debug exception (exc_w bit 1, EID 1, ba = r31 = its PC);
    /// `scall` a non-debug one (bit 0, EID 7, ea = r30 = its PC).
    @Test(arguments: RTLProfile.allCases)
    func breakAndScallAreObservedAtW(profile: RTLProfile) throws {
        for (word, exc, eid, reg): (UInt32, UInt8, UInt8, UInt8) in [(0xAC00_0002, 2, 1, 31), (0xAC00_0007, 1, 7, 30)] {
            let m = try makeModel(profile, code: Programs.raise(word))
            try m.step(10_000, until: .exception)
            let o = try m.observe()
            #expect(o.pc_w == 0x08 && o.insn_w == word)
            #expect(o.exc_w == exc && o.eid_w == eid)
            #expect(o.rf_we == 1 && o.rf_idx == reg && o.rf_data == 0x08)
            let r = try m.runTestProgram(maxCycles: 10_000)
            #expect(r.ended && r.results.count == 1 && r.failures.isEmpty)
        }
    }

    /// The ext_break input raises a breakpoint (debug) exception, EID 1.
    @Test(arguments: RTLProfile.allCases)
    func externalBreakIsTaken(profile: RTLProfile) throws {
        let m = try makeModel(profile, code: Programs.raise(0xE000_0000))  // spins at 0x08
        try m.step(2_000)
        try m.updateInputs { $0.ext_break = 1 }
        #expect(try m.observe().ext_break == 1)
        try m.step(1_000, until: .exception)
        let o = try m.observe()
        #expect(o.exc_w == 2 && o.eid_w == 1)
        #expect(o.rf_idx == 31 && o.rf_data == 0x08)
        try m.updateInputs { $0.ext_break = 0 }
        let r = try m.runTestProgram(maxCycles: 10_000)
        #expect(r.ended && r.results.count == 1 && r.failures.isEmpty)
    }

    /// Interrupt line 0 raised while the program spins: EID 6 is taken.
    @Test(arguments: RTLProfile.allCases)
    func interruptLineIsTaken(profile: RTLProfile) throws {
        let m = try makeModel(profile, code: Programs.interrupt)
        try m.step(2_000)
        #expect(try m.observe().ie == 1)
        try m.updateInputs { $0.interrupt = 1 }
        #expect(try m.observe().interrupt == 1)
        let n = try m.step(1_000, until: .exception)
        #expect(n < 1_000)
        let o = try m.observe()
        #expect(o.exc_w == 1 && o.eid_w == 6)
        #expect(o.ip & 1 == 1)
        try m.updateInputs { $0.interrupt = 0 }
        let r = try m.runTestProgram(maxCycles: 10_000)
        #expect(r.ended && r.results.count == 1 && r.failures.isEmpty)
    }
}

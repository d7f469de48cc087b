import CycleWaves
import Foundation
import LM32
import LM32Asm
import LM32Cycle
import SoC
import SoCSimTestSupport
import Testing
import Verilated
import Waves

enum Tools {
    struct Missing: Error, CustomStringConvertible { var description: String }

    static let hint = "run ./scripts/test.sh (the README's test command), which installs it"

    static func tempPath(_ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("socsim-waves-\(getpid())")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.appendingPathComponent(name).path
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ exe: String, _ args: [String], environment: [String: String]? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // read both pipes concurrently so neither fills up
        nonisolated(unsafe) var errData = Data()
        let t = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !t.isFinished { usleep(1000) }
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// GTKWave's vcd2fst (Debian package gtkwave).
    static func vcd2fst() throws -> String {
        for d in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: d + "/vcd2fst") {
            return d + "/vcd2fst"
        }
        throw Missing(description: "vcd2fst (Debian package gtkwave) is not installed; \(hint)")
    }

    /// The checkout's .venv Python with pyvcd.
    static func python() throws -> String {
        let py = Upstream.repositoryRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: py) else {
            throw Missing(description: "\(py) does not exist; \(hint)")
        }
        let r = try run(py, ["-c", "import vcd.reader"])
        if r.status != 0 { throw Missing(description: "pyvcd is not installed in .venv; \(hint)") }
        return py
    }

    /// The socsim executable built beside the test bundle.
    static func socsim() throws -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        let exe = dir.appendingPathComponent("socsim").path
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw Missing(description: "\(exe) is missing; build with `swift build` or \(hint)")
        }
        return exe
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { throw Missing(description: "cannot read \(path)") }
        return [UInt8](d)
    }

    /// Every signal's changes as text lines "name time value", values as
    /// `width` characters of 01xz (reals as %.17g), from our reader.
    static func dump(_ f: VCDFile) -> String {
        var seen = Set<String>()
        var lines: [String] = []
        for s in f.signals where seen.insert(s.name).inserted {
            for c in f.changes[s.idIndex] {
                let v: String
                switch c.value {
                case .bits(let b): v = b
                case .real(let d): v = String(format: "%.17g", d)
                }
                lines.append("\(s.name) \(c.time) \(v)")
            }
        }
        return lines.sorted().joined(separator: "\n")
    }

    /// The same dump from PyPI's pyvcd tokenizer (the only decoding of the
    /// file here that is not ours).
    static let pyvcdDump = #"""
    import sys, vcd.reader as R
    unit = {"s": 10**12, "ms": 10**9, "us": 10**6, "ns": 10**3, "ps": 1, "fs": None}
    num, den = 1, 1
    scope, ids, names, width, changes = [], {}, [], {}, {}
    t = 0
    def rec(idc, v):
        for name in ids[idc]:
            lst = changes.setdefault(name, [])
            if lst and lst[-1][0] == t: lst[-1] = (t, v)
            else: lst.append((t, v))
    def bits(idc, v):
        w = width[idc]
        if isinstance(v, int): s = bin(v)[2:]
        else: s = v.lower()
        if len(s) > w: s = s[len(s) - w:]
        fill = s[0] if s[0] in "xz" else "0"
        return fill * (w - len(s)) + s
    with open(sys.argv[1], "rb") as f:
        for tok in R.tokenize(f):
            k, d = tok.kind, tok.data
            if k == R.TokenKind.TIMESCALE:
                u = d.unit.value
                mag = int(getattr(d.magnitude, "value", d.magnitude))
                if u == "fs": num, den = mag, 1000
                else: num, den = mag * unit[u], 1
            elif k == R.TokenKind.SCOPE: scope.append(d.ident)
            elif k == R.TokenKind.UPSCOPE: scope.pop()
            elif k == R.TokenKind.VAR:
                ref = d.reference
                if isinstance(d.bit_index, int): ref += "[%d]" % d.bit_index
                name = ".".join(scope + [ref])
                if name in names: continue
                names.append(name)
                ids.setdefault(d.id_code, []).append(name)
                width[d.id_code] = d.size
                real = d.type_.value in ("real", "realtime")
                width[d.id_code] = -1 if real else d.size
            elif k == R.TokenKind.CHANGE_TIME: t = d * num // den
            elif k == R.TokenKind.CHANGE_SCALAR: rec(d.id_code, bits(d.id_code, d.value))
            elif k == R.TokenKind.CHANGE_VECTOR: rec(d.id_code, bits(d.id_code, d.value))
            elif k == R.TokenKind.CHANGE_REAL: rec(d.id_code, "%.17g" % d.value)
    out = []
    for name in names:
        for (tt, v) in changes.get(name, []): out.append("%s %d %s" % (name, tt, v))
    out.sort()
    sys.stdout.write("\n".join(out))
    """#

    static func pyvcd(_ path: String) throws -> String {
        let py = try python()
        let script = tempPath("pyvcd_dump.py")
        try pyvcdDump.write(toFile: script, atomically: true, encoding: .utf8)
        let r = try run(py, [script, path])
        if r.status != 0 { throw Missing(description: "pyvcd failed on \(path): \(r.stderr.suffix(2000))") }
        return r.stdout
    }
}

/// One program on both sides, with VCD on.
enum BothSides {
    static func image(_ source: String, name: String = "prog.S") throws -> ProgramImage {
        ProgramImage(try Toolchain.link(sources: [SourceFile(path: name, text: source)]))
    }

    /// The model's VCD of `image` from reset to the test device's end write
    /// (or `maxCycles`); returns the cycles run.
    @discardableResult
    static func model(_ image: ProgramImage, config: CoreConfig, bench: BenchConfig = BenchConfig(), path: String,
                      maxCycles: UInt64 = 200_000, options: CycleVCDOptions = CycleVCDOptions()) throws -> UInt64 {
        let m = LM32CycleMachine(config: config, bench: bench)
        for s in image.segments { m.load(s.bytes, at: s.address) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Tools.Missing(description: "cannot create \(path)") }
        defer { close(fd) }
        let writer = VCDWriter(version: CycleVCD.versionLine(profile: config.name)) { b in
            var off = 0
            while off < b.count {
                let n = write(fd, b.baseAddress! + off, b.count - off)
                if n <= 0 { throw VCDWriterError("write failed") }
                off += n
            }
        }
        let w = CycleVCD(writer: writer, bench: bench, options: options)
        var failure: Error?
        m.observer = { o in do { try w.record(o) } catch { failure = error } }
        m.runUntilEnd(maxCycles: maxCycles)
        try w.finish(next: m.peekObservation())
        if let failure { throw failure }
        return m.cycle
    }

    /// The RTL's own (Verilator) VCD of the same run: to the cycle of the
    /// end write and through it (the model steps through it too); returns
    /// the edges made.
    @discardableResult
    static func rtl(_ image: ProgramImage, profile: RTLProfile, inputs: RTLInputs = .idle, path: String,
                    maxCycles: UInt64 = 200_000) throws -> UInt64 {
        let m = try RTLModel(profile: profile, options: .init(clock: BenchConfig.clock))
        for s in image.segments { try m.writeMemory(s.bytes, at: s.address) }
        try m.setInputs(inputs)
        try m.reset() // as LockStep: the RAM's read ports are evaluated again after the load
        try m.startVCD(path: path)
        var n = try m.step(maxCycles, until: .testEnd)
        if n < maxCycles { n += try m.step(1) }
        try m.stopVCD()
        return n
    }
}

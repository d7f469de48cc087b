// GTKWave's FST format, written by the FST writer Verilator ships
// (include/gtkwave/fstapi.c), which RTL/build.sh compiles from Verilator's
// directory into RTL/build/fst/libsocsim_fst.so. The package builds without
// it: the library is loaded at run time, as the verilated RTL is.
//
// `FSTWriter.convert` writes the events of a VCD (a `VCDEventSource`) as
// FST: the same scopes, names, widths, aliases and value changes, times in
// picoseconds, so `fst2vcd` gives back a VCD equal to the source for
// `socsim wave diff`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct FSTError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The writer functions of a loaded libsocsim_fst.so (fstapi.h's signatures).
public final class FSTLibrary: @unchecked Sendable {
    typealias Create = @convention(c) (UnsafePointer<CChar>, Int32) -> UnsafeMutableRawPointer?
    typealias Close = @convention(c) (UnsafeMutableRawPointer) -> Void
    typealias SetInt = @convention(c) (UnsafeMutableRawPointer, Int32) -> Void
    typealias SetString = @convention(c) (UnsafeMutableRawPointer, UnsafePointer<CChar>) -> Void
    typealias SetScope = @convention(c) (UnsafeMutableRawPointer, Int32, UnsafePointer<CChar>, UnsafePointer<CChar>?) -> Void
    typealias Upscope = @convention(c) (UnsafeMutableRawPointer) -> Void
    typealias CreateVar = @convention(c) (UnsafeMutableRawPointer, Int32, Int32, UInt32, UnsafePointer<CChar>, UInt32) -> UInt32
    typealias EmitValue = @convention(c) (UnsafeMutableRawPointer, UInt32, UnsafeRawPointer) -> Void
    typealias EmitTime = @convention(c) (UnsafeMutableRawPointer, UInt64) -> Void

    let create: Create, close: Close, setTimescale: SetInt, setPackType: SetInt, setVersion: SetString
    let setScope: SetScope, upscope: Upscope, createVar: CreateVar, emitValue: EmitValue, emitTime: EmitTime
    public let path: String

    nonisolated(unsafe) private static var loaded: [String: FSTLibrary] = [:]
    private static let lock = NSLockish()

    /// Load (once per path) the library at `path`.
    public static func load(path: String) throws(FSTError) -> FSTLibrary {
        lock.lock()
        defer { lock.unlock() }
        if let l = loaded[path] { return l }
        guard access(path, R_OK) == 0 else {
            throw FSTError("the FST writer library \(path) does not exist; build it with `RTL/build.sh` "
                + "(it compiles Verilator's include/gtkwave/fstapi.c; needs verilator and zlib1g-dev)")
        }
        guard let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw FSTError("cannot load \(path): \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        func sym<T>(_ name: String, _: T.Type) throws(FSTError) -> T {
            guard let p = dlsym(h, name) else { throw FSTError("\(path) does not export \(name)") }
            return unsafeBitCast(p, to: T.self)
        }
        let l = FSTLibrary(
            path: path,
            create: try sym("fstWriterCreate", Create.self), close: try sym("fstWriterClose", Close.self),
            setTimescale: try sym("fstWriterSetTimescale", SetInt.self),
            setPackType: try sym("fstWriterSetPackType", SetInt.self),
            setVersion: try sym("fstWriterSetVersion", SetString.self),
            setScope: try sym("fstWriterSetScope", SetScope.self), upscope: try sym("fstWriterSetUpscope", Upscope.self),
            createVar: try sym("fstWriterCreateVar", CreateVar.self),
            emitValue: try sym("fstWriterEmitValueChange", EmitValue.self),
            emitTime: try sym("fstWriterEmitTimeChange", EmitTime.self))
        loaded[path] = l
        return l
    }

    private init(path: String, create: Create, close: Close, setTimescale: SetInt, setPackType: SetInt, setVersion: SetString,
                 setScope: SetScope, upscope: Upscope, createVar: CreateVar, emitValue: EmitValue, emitTime: EmitTime) {
        self.path = path; self.create = create; self.close = close; self.setTimescale = setTimescale
        self.setPackType = setPackType; self.setVersion = setVersion; self.setScope = setScope; self.upscope = upscope
        self.createVar = createVar; self.emitValue = emitValue; self.emitTime = emitTime
    }
}

/// A pthread mutex (the Waves module does not use Foundation).
private final class NSLockish: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    func lock() { pthread_mutex_lock(&m) }
    func unlock() { pthread_mutex_unlock(&m) }
}

public enum FSTWriter {
    // fstapi.h's enumerations used here
    static let scopeModule: Int32 = 0            // FST_ST_VCD_MODULE
    static let directionImplicit: Int32 = 0      // FST_VD_IMPLICIT
    static let packLZ4: Int32 = 2                // FST_WR_PT_LZ4
    static func varType(_ kind: String) -> Int32 {
        switch kind {
        case "integer": 1                        // FST_VT_VCD_INTEGER
        case "parameter": 2                      // FST_VT_VCD_PARAMETER
        case "real": 3                           // FST_VT_VCD_REAL
        case "reg": 5                            // FST_VT_VCD_REG
        case "realtime": 20                      // FST_VT_VCD_REALTIME
        default: 16                              // FST_VT_VCD_WIRE
        }
    }

    /// Write the events of `source` (times in ps) to an FST file at `path`;
    /// false when the file cannot be created. Signal names are split into
    /// scopes at dots.
    public static func convert<S: VCDEventSource>(_ source: inout S, to path: String, version: String,
                                                  library: FSTLibrary) throws(VCDParseError) -> Bool {
        guard let ctx = library.create(path, 1) else { return false }
        library.setPackType(ctx, packLZ4)
        library.setTimescale(ctx, -12)
        library.setVersion(ctx, version)
        // declarations in file order, a scope change where the path changes
        var open: [Substring] = []
        var handles = [UInt32](repeating: 0, count: source.identifierCount)
        var real = [Bool](repeating: false, count: source.identifierCount)
        for s in source.signals {
            var parts = s.name.split(separator: ".", omittingEmptySubsequences: false)
            let leaf = parts.removeLast()
            var common = 0
            while common < min(open.count, parts.count) && open[common] == parts[common] { common += 1 }
            for _ in common..<open.count { library.upscope(ctx) }
            for p in parts[common...] { library.setScope(ctx, scopeModule, String(p), nil) }
            open = parts
            let alias = handles[s.idIndex]
            let h = library.createVar(ctx, varType(s.kind), directionImplicit, UInt32(s.width), String(leaf), alias)
            if alias == 0 { handles[s.idIndex] = h }
            real[s.idIndex] = s.kind == "real" || s.kind == "realtime"
        }
        for _ in open { library.upscope(ctx) }
        defer { library.close(ctx) }
        while let e = try source.next() {
            switch e {
            case .time(let t):
                library.emitTime(ctx, t)
            case let .change(k, .bits(b)):
                if handles[k] == 0 { continue }
                var text = b
                text.withUTF8 { library.emitValue(ctx, handles[k], $0.baseAddress!) }
            case let .change(k, .real(d)):
                // the reader gives reals only for real variables (an `r` value
                // of another variable arrives as bits); fstapi reads a double
                guard handles[k] != 0, real[k] else { continue }
                var v = d
                withUnsafeBytes(of: &v) { library.emitValue(ctx, handles[k], $0.baseAddress!) }
            }
        }
        return true
    }
}

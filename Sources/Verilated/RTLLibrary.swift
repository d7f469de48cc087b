// Loading a verilated test-bench library (RTL/build/<profile>/libsocsim_rtl.so)
// at run time. The package builds without Verilator; only this loader needs
// the library, and it says how to build it when it is missing.
@_exported import CVerilatorBridge

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CPU configurations built by `RTL/build.sh` (see docs/rtl.md).
public enum RTLProfile: String, CaseIterable, Sendable {
    /// No caches; every fetch and load is a Wishbone single access.
    case testbenchNocache = "testbench-nocache"
    /// 4 KiB direct-mapped I and D caches with 16-byte lines.
    case testbenchCache = "testbench-cache"
}

/// Why a library could not be loaded or a bridge call failed.
public enum RTLError: Error, CustomStringConvertible, Equatable {
    /// No library file where it was looked for.
    case libraryNotFound(profile: String, searched: [String])
    /// dlopen failed (the file exists).
    case loadFailed(path: String, message: String)
    /// A symbol of the ABI is missing from the library.
    case missingSymbol(path: String, symbol: String)
    /// The library implements another ABI version (rebuild it).
    case abiMismatch(path: String, library: UInt32, expected: UInt32)
    /// The library was built for another profile than asked for.
    case wrongProfile(path: String, library: String, expected: String)
    /// create() failed.
    case createFailed(String)
    /// A bridge call returned an error code.
    case call(function: String, code: Int32, message: String)

    static let buildHint =
        "Build the RTL libraries with `RTL/build.sh` (needs `verilator` from Debian and "
        + "`.venv` with pythondata-cpu-lm32==0.0.post199), or run the README's test command "
        + "`./scripts/test.sh`, which installs both and builds them. "
        + "SOCSIM_RTL_LIB_DIR overrides the directory searched (default <repo>/RTL/build)."

    public var description: String {
        switch self {
        case let .libraryNotFound(profile, searched):
            return "Verilated RTL library for profile \(profile) not found (looked for "
                + searched.joined(separator: ", ") + "). Build it with `RTL/build.sh \(profile)`. " + Self.buildHint
        case let .loadFailed(path, message):
            return "cannot load \(path): \(message). " + Self.buildHint
        case let .missingSymbol(path, symbol):
            return "\(path) does not export \(symbol); it is not a SoCSim RTL library. " + Self.buildHint
        case let .abiMismatch(path, library, expected):
            return "\(path) implements bridge ABI version \(library), this build of SoCSim expects "
                + "\(expected). Rebuild it: `RTL/build.sh`."
        case let .wrongProfile(path, library, expected):
            return "\(path) was built for profile \(library), not \(expected)."
        case let .createFailed(message):
            return "creating the RTL model failed: \(message)"
        case let .call(function, code, message):
            return "RTL bridge call \(function) failed with code \(code): \(message)"
        }
    }
}

/// A loaded library: the dlopen handle and the bridge's function table.
/// Libraries are cached per path and never unloaded (models may outlive any
/// one user, and unloading Verilator's runtime is not supported).
public final class RTLLibrary: @unchecked Sendable {
    public let path: String
    public let profile: String
    public let verilatorVersion: String
    /// `SOCSIM_FEATURE_*` bits.
    public let features: UInt32
    let api: socsim_bridge_api_t

    private init(path: String, api: socsim_bridge_api_t) {
        self.path = path
        self.api = api
        self.profile = String(cString: api.profile)
        self.verilatorVersion = String(cString: api.verilator_version)
        self.features = api.features
    }

    public var hasCaches: Bool { features & UInt32(SOCSIM_FEATURE_ICACHE) != 0 }
    /// The library holds the SoC (`RTL/soc/`), not the test bench: see `RTLSoC`.
    public var isSoC: Bool { features & UInt32(SOCSIM_FEATURE_SOC) != 0 }
    /// The SoC's SDRAM window (0 and 0 for the test bench).
    public var sdramBase: UInt32 { api.sdram_base }
    public var sdramBytes: UInt32 { api.sdram_bytes }
    /// BRAM (SoC) or RAM (test bench) bytes, at address 0.
    public var ramBytes: UInt32 { api.ram_bytes }

    /// The repository root, derived from this source file's location
    /// (Sources/Verilated/RTLLibrary.swift).
    public static var repositoryRoot: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    /// Directory holding one folder per profile: `$SOCSIM_RTL_LIB_DIR`, else
    /// `<repo>/RTL/build`.
    public static var buildDirectory: String {
        if let env = getenv("SOCSIM_RTL_LIB_DIR"), env.pointee != 0 { return String(cString: env) }
        return repositoryRoot + "/RTL/build"
    }

    /// Where the library of `profile` is looked for, in order:
    /// `<dir>/<profile>/libsocsim_rtl.so`, then `<dir>/libsocsim_rtl.so` (for a
    /// SOCSIM_RTL_LIB_DIR that names one profile's folder; its profile is checked).
    public static func candidatePaths(for profile: String, directory: String? = nil) -> [String] {
        let dir = directory ?? buildDirectory
        return ["\(dir)/\(profile)/libsocsim_rtl.so", "\(dir)/libsocsim_rtl.so"]
    }

    static let cacheLock = PThreadMutex()

    /// Load (once per path) the library built for `profile`.
    public static func load(_ profile: RTLProfile, directory: String? = nil) throws(RTLError) -> RTLLibrary {
        try load(profileName: profile.rawValue, directory: directory)
    }

    public static func load(profileName: String, directory: String? = nil) throws(RTLError) -> RTLLibrary {
        try loadProfile(profileName, directory: directory, load: load(path:), profileOf: \.profile)
    }

    /// Load the library at `path`, checking the ABI version and function table.
    public static func load(path: String) throws(RTLError) -> RTLLibrary {
        try loadBridge(path: path, symbol: SOCSIM_BRIDGE_API_SYMBOL,
                       table: { unsafeBitCast($0, to: socsim_bridge_api_fn.self)() },
                       version: \.abi_version, size: \.struct_size,
                       complete: { api in
                           api.create != nil && api.destroy != nil && api.reset != nil && api.set_inputs != nil
                               && api.get_inputs != nil && api.observe != nil && api.step != nil
                               && api.step_obs != nil && api.mem_write != nil && api.mem_read != nil
                               && api.trace_open != nil && api.trace_close != nil && api.last_error != nil
                               && api.raw_run != nil && api.take_output != nil && api.uart_take != nil
                               && api.profile != nil && api.verilator_version != nil
                       },
                       make: { RTLLibrary(path: path, api: $0) })
    }
}

/// The libraries loaded so far, by kind and path (never unloaded).
nonisolated(unsafe) private var loadedBridges: [String: AnyObject] = [:]

/// The bridge library at `path` as `make` wraps its function table, loaded once per
/// path and kind: `openBridge`, the table `symbol` returns (not NULL), its own version
/// and size (`checkTable`), and `complete`, which says every entry the kind calls is set.
func loadBridge<Library: AnyObject, Table>(
    path: String, symbol: String, table: (UnsafeMutableRawPointer) -> UnsafePointer<Table>?,
    version: KeyPath<Table, UInt32>, size: KeyPath<Table, UInt32>,
    complete: (Table) -> Bool, make: (Table) -> Library
) throws(RTLError) -> Library {
    RTLLibrary.cacheLock.lock()
    defer { RTLLibrary.cacheLock.unlock() }
    let key = "\(Library.self) \(path)"
    if let lib = loadedBridges[key] as? Library { return lib }
    guard let pointer = table(try openBridge(path: path, symbol: symbol)) else {
        throw .missingSymbol(path: path, symbol: "\(symbol)() returned NULL")
    }
    let api = pointer.pointee
    try checkTable(path: path, version: api[keyPath: version], size: api[keyPath: size], of: Table.self)
    guard complete(api) else { throw .missingSymbol(path: path, symbol: "a NULL entry in \(Table.self)") }
    let lib = make(api)
    loadedBridges[key] = lib
    return lib
}

/// The library of `profile` from `RTLLibrary.candidatePaths`, loaded by `load` and
/// checked to be built for that profile.
func loadProfile<L>(_ profile: String, directory: String?, load: (String) throws(RTLError) -> L,
                    profileOf: (L) -> String) throws(RTLError) -> L {
    let candidates = RTLLibrary.candidatePaths(for: profile, directory: directory)
    guard let path = candidates.first(where: { access($0, R_OK) == 0 }) else {
        throw .libraryNotFound(profile: profile, searched: candidates)
    }
    let lib = try load(path)
    guard profileOf(lib) == profile else {
        throw .wrongProfile(path: path, library: profileOf(lib), expected: profile)
    }
    return lib
}

/// The handle `create` returns, given a buffer for its error message; the message as
/// `RTLError.createFailed` when it returns NULL.
func createHandle(_ create: (UnsafeMutablePointer<CChar>?, Int) -> OpaquePointer?) throws(RTLError) -> OpaquePointer {
    var err = [CChar](repeating: 0, count: 512)
    guard let h = err.withUnsafeMutableBufferPointer({ create($0.baseAddress, $0.count) }) else {
        throw .createFailed(String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return h
}

/// `RTLError.call` for a bridge function that returned `code`, with the model's last error.
func callError(_ code: Int32, _ function: StaticString, lastError: UnsafePointer<CChar>?) -> RTLError {
    .call(function: "\(function)", code: code, message: lastError.map { String(cString: $0) } ?? "")
}

/// Opens a bridge library (never closed), checks its ABI version and returns
/// the address of its table function `symbol`.
func openBridge(path: String, symbol: String) throws(RTLError) -> UnsafeMutableRawPointer {
    // RTLD_LOCAL: each library keeps its own copy of the Verilator runtime.
    guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
        let msg = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
        throw .loadFailed(path: path, message: msg)
    }
    guard let verSym = dlsym(handle, SOCSIM_BRIDGE_ABI_VERSION_SYMBOL) else {
        throw .missingSymbol(path: path, symbol: SOCSIM_BRIDGE_ABI_VERSION_SYMBOL)
    }
    let version = unsafeBitCast(verSym, to: socsim_bridge_abi_version_fn.self)()
    guard version == SOCSIM_BRIDGE_ABI_VERSION else {
        throw .abiMismatch(path: path, library: version, expected: SOCSIM_BRIDGE_ABI_VERSION)
    }
    guard let apiSym = dlsym(handle, symbol) else { throw .missingSymbol(path: path, symbol: symbol) }
    return apiSym
}

/// A function table's own version and size must be this build's.
func checkTable<T>(path: String, version: UInt32, size: UInt32, of: T.Type) throws(RTLError) {
    guard version == SOCSIM_BRIDGE_ABI_VERSION, Int(size) == MemoryLayout<T>.size else {
        throw .abiMismatch(path: path, library: version, expected: SOCSIM_BRIDGE_ABI_VERSION)
    }
}

/// A pthread mutex at a stable address (Foundation-free).
final class PThreadMutex: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        m = .allocate(capacity: 1)
        m.initialize(to: pthread_mutex_t())
        pthread_mutex_init(m, nil)
    }
    deinit {
        pthread_mutex_destroy(m)
        m.deallocate()
    }
    func lock() { pthread_mutex_lock(m) }
    func unlock() { pthread_mutex_unlock(m) }
}

/// `names` is set and holds `count` strings, none NULL, with `count` within `range`.
func namesSet(_ names: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int,
              within range: ClosedRange<Int> = 0...Int.max) -> Bool {
    guard let names, range.contains(count) else { return false }
    return (0..<count).allSatisfy { names[$0] != nil }
}

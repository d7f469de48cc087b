// A verilated top with several clock domains, driven through the multi-clock
// part of the C bridge (bridge.h, "multi-clock tops"; RTL/bridge/clocked_bridge.cpp).
// The periods come from the caller's description (e.g. SoCDescription.clocks);
// the bridge drives every clock at the instants and in the order of
// SimKernel.ClockEdges (docs/architecture.md, "Clock domains").

import SimKernel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The multi-clock builds of `RTL/build.sh`.
public enum RTLClockedProfile: String, CaseIterable, Sendable {
    /// RTL/toy/socsim_toy_top.v: a counter on sys_clk, a counter and a
    /// two-flop synchroniser on pcie_user_clk.
    case toyClocks = "toy-clocks"
}

/// A loaded multi-clock library (cached per path, never unloaded).
public final class RTLClockedLibrary: @unchecked Sendable {
    public let path: String
    public let profile: String
    public let verilatorVersion: String
    /// The top's clock ports in domain order.
    public let clockNames: [String]
    let api: socsim_clocked_api_t

    private init(path: String, api: socsim_clocked_api_t) {
        self.path = path
        self.api = api
        profile = String(cString: api.profile)
        verilatorVersion = String(cString: api.verilator_version)
        clockNames = (0..<Int(api.clock_count)).map { String(cString: api.clock_names[$0]!) }
    }

    /// Load (once per path) the library of `profile` from `RTLLibrary.buildDirectory`
    /// or `directory`.
    public static func load(_ profile: RTLClockedProfile, directory: String? = nil) throws(RTLError) -> RTLClockedLibrary {
        try loadProfile(profile.rawValue, directory: directory, load: load(path:), profileOf: \.profile)
    }

    public static func load(path: String) throws(RTLError) -> RTLClockedLibrary {
        try loadBridge(path: path, symbol: SOCSIM_CLOCKED_API_SYMBOL,
                       table: { unsafeBitCast($0, to: socsim_clocked_api_fn.self)() },
                       version: \.abi_version, size: \.struct_size,
                       complete: { api in
                           api.create != nil && api.destroy != nil && api.edges != nil && api.trace_open != nil
                               && api.trace_close != nil && api.last_error != nil && api.profile != nil
                               && api.verilator_version != nil
                               && namesSet(api.clock_names, Int(api.clock_count), within: 1...Int(SOCSIM_MAX_CLOCKS))
                       },
                       make: { RTLClockedLibrary(path: path, api: $0) })
    }
}

/// One rising edge the bridge made: `ClockEdges.Edge` on the RTL side.
public typealias RTLClockEdge = ClockEdges.Edge

/// One instance of a multi-clock top. Not thread-safe (one thread at a time).
public final class RTLClockedModel {
    public let library: RTLClockedLibrary
    /// The domains as given, in the top's order.
    public let clocks: [Clock]
    private let handle: OpaquePointer
    private let api: socsim_clocked_api_t

    /// A new instance with every clock low and registers 0. `clocks` are the
    /// description's domains: their names must be the top's clock ports in
    /// the top's order.
    public init(library: RTLClockedLibrary, clocks: [Clock]) throws(RTLError) {
        guard clocks.map(\.name) == library.clockNames else {
            throw .createFailed("the top's clocks are \(library.clockNames), the description declares \(clocks.map(\.name))")
        }
        self.library = library
        self.clocks = clocks
        api = library.api
        var o = socsim_clocked_options_t()
        o.struct_size = UInt32(MemoryLayout<socsim_clocked_options_t>.size)
        o.clock_count = UInt32(clocks.count)
        withUnsafeMutableBytes(of: &o.period_ps) { raw in
            let p = raw.bindMemory(to: UInt64.self)
            for (k, c) in clocks.enumerated() { p[k] = c.period.picoseconds }
        }
        let create = library.api.create!
        handle = try createHandle { create(&o, $0, $1) }
    }

    deinit { api.destroy!(handle) }

    private func check(_ code: Int32, _ function: StaticString) throws(RTLError) {
        if code != SOCSIM_OK { throw callError(code, function, lastError: api.last_error!(handle)) }
    }

    /// The next `n` rising edges of all domains, in the bridge's order.
    public func edges(_ n: Int) throws(RTLError) -> [RTLClockEdge] {
        precondition(n >= 0)
        var raw = [socsim_clock_edge_t](repeating: socsim_clock_edge_t(), count: n)
        let code = raw.withUnsafeMutableBufferPointer { api.edges!(handle, UInt64(n), $0.baseAddress) }
        try check(code, "edges")
        return raw.map { RTLClockEdge(time: Instant(picoseconds: $0.time_ps), domain: Int($0.domain), cycle: $0.cycle) }
    }

    /// Start a VCD of the whole hierarchy (`$timescale 1ps`).
    public func startVCD(path: String) throws(RTLError) { try check(api.trace_open!(handle, path), "trace_open") }

    /// Dump the last instant and close the VCD (no-op when none is open).
    public func stopVCD() throws(RTLError) { try check(api.trace_close!(handle), "trace_close") }
}

// A verilated multi-clock top driven port by port through the ported bridge
// (RTL/bridge/ported_bridge.h, RTL/bridge/ported_bridge.cpp): before each
// rising edge the caller gives every input, after it reads every output. The
// clocks are driven at the instants and in the order of SimKernel.ClockEdges.

import CVerilatorBridge
import SimKernel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The port-driven builds of `RTL/build.sh`.
public enum RTLPortedProfile: String, CaseIterable, Sendable {
    /// RTL/soc/socsim_pcie_endpoint.v alone, ports from Sources/PCIe/EndpointPorts.swift.
    case pcieEndpoint = "pcie-endpoint-bridge"
}

/// A loaded port-driven library (cached per path, never unloaded).
public final class RTLPortedLibrary: @unchecked Sendable {
    public let path: String
    public let profile: String
    public let top: String
    public let verilatorVersion: String
    /// The description's clock names in domain order.
    public let clockNames: [String]
    /// Ports in vector order: name and width.
    public let inputs: [(name: String, width: Int)]
    public let outputs: [(name: String, width: Int)]
    let api: socsim_ported_api_t

    private init(path: String, api: socsim_ported_api_t) {
        self.path = path
        self.api = api
        profile = String(cString: api.profile)
        top = String(cString: api.top)
        verilatorVersion = String(cString: api.verilator_version)
        clockNames = (0..<Int(api.clock_count)).map { String(cString: api.clock_names[$0]!) }
        inputs = (0..<Int(api.input_count)).map { (String(cString: api.input_names[$0]!), Int(api.input_widths[$0])) }
        outputs = (0..<Int(api.output_count)).map { (String(cString: api.output_names[$0]!), Int(api.output_widths[$0])) }
    }

    public static func load(_ profile: RTLPortedProfile, directory: String? = nil) throws(RTLError) -> RTLPortedLibrary {
        try loadProfile(profile.rawValue, directory: directory, load: load(path:), profileOf: \.profile)
    }

    public static func load(path: String) throws(RTLError) -> RTLPortedLibrary {
        try loadBridge(path: path, symbol: SOCSIM_PORTED_API_SYMBOL,
                       table: { unsafeBitCast($0, to: socsim_ported_api_fn.self)() },
                       version: \.abi_version, size: \.struct_size,
                       complete: { api in
                           api.create != nil && api.destroy != nil && api.step != nil && api.trace_open != nil
                               && api.trace_close != nil && api.last_error != nil && api.profile != nil
                               && api.top != nil && api.verilator_version != nil && api.input_widths != nil
                               && api.output_widths != nil
                               && namesSet(api.clock_names, Int(api.clock_count), within: 1...Int(SOCSIM_MAX_CLOCKS))
                               && namesSet(api.input_names, Int(api.input_count))
                               && namesSet(api.output_names, Int(api.output_count))
                       },
                       make: { RTLPortedLibrary(path: path, api: $0) })
    }
}

/// One instance of a port-driven top. Not thread-safe (one thread at a time).
public final class RTLPortedModel {
    public let library: RTLPortedLibrary
    public let clocks: [Clock]
    private let handle: OpaquePointer
    private let api: socsim_ported_api_t
    /// The outputs after the last step, in the library's order.
    public private(set) var outputs: [UInt64]

    /// A new instance with every clock and input low and registers 0. `clocks` are the
    /// description's domains, named as the library's and in its order.
    public init(library: RTLPortedLibrary, clocks: [Clock]) throws(RTLError) {
        guard clocks.map(\.name) == library.clockNames else {
            throw .createFailed("the top's clocks are \(library.clockNames), the description declares \(clocks.map(\.name))")
        }
        self.library = library
        self.clocks = clocks
        api = library.api
        outputs = Array(repeating: 0, count: library.outputs.count)
        var periods = clocks.map(\.period.picoseconds)
        let create = library.api.create!
        handle = try createHandle { e, n in
            periods.withUnsafeMutableBufferPointer { create($0.baseAddress, UInt32($0.count), e, n) }
        }
    }

    deinit { api.destroy!(handle) }

    private func check(_ code: Int32, _ function: StaticString) throws(RTLError) {
        if code != SOCSIM_OK { throw callError(code, function, lastError: api.last_error!(handle)) }
    }

    /// Sets `inputs` (the library's order), makes the next rising edge and reads the
    /// outputs into `outputs`; the edge made.
    public func step(_ inputs: [UInt64]) throws(RTLError) -> ClockEdges.Edge {
        precondition(inputs.count == library.inputs.count, "one value per input")
        var e = socsim_clock_edge_t()
        let code = inputs.withUnsafeBufferPointer { i in
            outputs.withUnsafeMutableBufferPointer { o in api.step!(handle, i.baseAddress, o.baseAddress, &e) }
        }
        try check(code, "step")
        return ClockEdges.Edge(time: Instant(picoseconds: e.time_ps), domain: Int(e.domain), cycle: e.cycle)
    }

    public func startVCD(path: String) throws(RTLError) { try check(api.trace_open!(handle, path), "trace_open") }
    public func stopVCD() throws(RTLError) { try check(api.trace_close!(handle), "trace_close") }
}

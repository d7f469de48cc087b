import ArgumentParser
import Foundation
import PCIe

/// `socsim tlp`: decode and encode single TLPs in the canonical wire order
/// (header DW0 first, most significant byte first; payload byte 0 = lowest address).
/// The parsing and formatting live in the PCIe library (`TLPFormatter`, `TLPSpec`).
struct TLPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlp",
        abstract: "Decode or encode a PCI Express TLP (wire-order bytes).",
        subcommands: [Decode.self, Encode.self])

    /// Input errors: the message names the field at fault; exit code 2.
    static func fail(_ error: TLPInputError, json: Bool) throws -> Never {
        if json {
            print(TLPFormatter.json(error: error))
        } else {
            Console.error.write(Data(Console.escapingControls("socsim: error: \(error.description)\n").utf8))
        }
        throw ExitCode(2)
    }

    struct Decode: BundledPositionals {
        static let configuration = CommandConfiguration(
            abstract: "Print the fields of a TLP given as hex bytes in wire order.",
            discussion: """
            Hex may be split over several arguments and may contain spaces, ':', '_', ',' or '-' \
            and 0x prefixes. Example: socsim tlp decode 40000001 0100000f fee00000 41000000
            """)

        @Argument(help: "The TLP's bytes in wire order, as hex.")
        var hex: [String]

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        mutating func validate() throws { hex = ArgumentBundling.unbundle(hex) }

        func run() throws {
            do {
                let tlp = try TLPFormatter.decode(hexArguments: hex)
                print(json ? TLPFormatter.json(tlp) : TLPFormatter.text(tlp))
            } catch {
                // typed throws: `error` is a TLPInputError
                try TLPCommand.fail(error, json: json)
            }
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a TLP from options and print its bytes in wire order.",
            discussion: """
            Numbers are decimal, 0x hex or 0b binary; IDs are BB:DD.F (hex) or a 16-bit number; \
            --data is hex bytes in wire order (byte 0 = lowest address).
            Example: socsim tlp encode --kind mrd --address 0x1000 --length 4 --tag 5 --requester 01:00.0
            """)

        @Option(help: "mrd, mwr, cpl, cpld, cfgrd, cfgwr, msg (vendor-defined) or msi.")
        var kind: String
        @Option(parsing: .unconditional, help: "Memory address (mrd, mwr, msi).") var address: String?
        @Option(parsing: .unconditional, help: "Length in dwords (mrd; must match --data for mwr).") var length: String?
        @Option(parsing: .unconditional, help: "Tag.") var tag: String?
        @Option(parsing: .unconditional, help: "Requester ID.") var requester: String?
        @Option(parsing: .unconditional, help: "Completer ID (cpl, cpld).") var completer: String?
        @Option(parsing: .unconditional, help: "Target ID (cfgrd, cfgwr).") var target: String?
        @Option(parsing: .unconditional, help: "Configuration register byte offset, dword-aligned (cfgrd, cfgwr).") var register: String?
        @Option(name: .customLong("first-be"), parsing: .unconditional, help: "First DW byte enables (4 bits).") var firstBE: String?
        @Option(name: .customLong("last-be"), parsing: .unconditional, help: "Last DW byte enables (4 bits).") var lastBE: String?
        @Option(help: "Payload bytes in hex, wire order.") var data: String?
        @Option(help: "Completion status: sc, ur, crs or ca.") var status: String?
        @Option(name: .customLong("byte-count"), parsing: .unconditional, help: "Completion byte count, 1-4096.") var byteCount: String?
        @Option(name: .customLong("lower-address"), parsing: .unconditional, help: "Completion lower address, 0-127.") var lowerAddress: String?
        @Flag(help: "Set BCM (byte count modified).") var bcm = false
        @Option(parsing: .unconditional, help: "Traffic class 0-7.") var tc: String?
        @Flag(help: "Set EP (poisoned).") var poisoned = false
        @Flag(name: .customLong("relaxed-ordering"), help: "Set Attr relaxed ordering.") var relaxedOrdering = false
        @Flag(name: .customLong("no-snoop"), help: "Set Attr no snoop.") var noSnoop = false
        @Option(parsing: .unconditional, help: "ECRC dword (sets TD).") var digest: String?
        @Option(help: "Message routing: rc, id:BB:DD.F, broadcast or local.") var routing: String?
        @Option(name: .customLong("vendor-id"), parsing: .unconditional, help: "Vendor ID (msg).") var vendorID: String?
        @Option(name: .customLong("vendor-data"), parsing: .unconditional, help: "Vendor-defined DW3 (msg).") var vendorData: String?
        @Flag(name: .customLong("type0"), help: "Vendor_Defined Type 0 (code 0x7E) instead of Type 1.") var vendorType0 = false
        @Option(name: .customLong("msi-data"), parsing: .unconditional, help: "MSI message data, 16 bits (msi).") var msiData: String?
        @Flag(help: "Print JSON (bytes and fields) instead of hex.") var json = false

        func run() throws {
            var spec = TLPSpec(kind: kind)
            spec.address = address; spec.length = length; spec.tag = tag; spec.requester = requester
            spec.completer = completer; spec.target = target; spec.register = register
            spec.firstBE = firstBE; spec.lastBE = lastBE; spec.data = data; spec.status = status
            spec.byteCount = byteCount; spec.lowerAddress = lowerAddress; spec.byteCountModified = bcm
            spec.trafficClass = tc; spec.poisoned = poisoned; spec.relaxedOrdering = relaxedOrdering
            spec.noSnoop = noSnoop; spec.digest = digest; spec.routing = routing; spec.vendorID = vendorID
            spec.vendorData = vendorData; spec.vendorType0 = vendorType0; spec.msiData = msiData
            do {
                let tlp = try spec.build()
                print(json ? try TLPFormatter.encodedJSON(tlp) : try TLPFormatter.encodedText(tlp))
            } catch {
                // typed throws: `error` is a TLPInputError
                try TLPCommand.fail(error, json: json)
            }
        }
    }
}

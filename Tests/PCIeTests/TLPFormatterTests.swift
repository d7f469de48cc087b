import Testing
@testable import PCIe

/// The logic behind `socsim tlp decode` and `socsim tlp encode`.
@Suite struct TLPFormatterTests {
    @Test func decodeText() throws {
        let tlp = try TLPFormatter.decode(hexArguments: ["40000001", "0x0100000f", "fe:e0:00:00", "41_00_00_00"])
        #expect(TLPFormatter.text(tlp) == """
            kind              MWr
            fmt               010
            type              00000
            tc                0
            td                0
            ep                0
            relaxed_ordering  0
            no_snoop          0
            length            1
            requester         01:00.0
            tag               0x00
            last_be           0000
            first_be          1111
            address           0xfee00000
            payload           41000000
            """)
    }

    @Test func decodeJSON() throws {
        let tlp = try TLPFormatter.decode(hexArguments: ["0a000000 0100 2004 00000743"])
        #expect(TLPFormatter.json(tlp) == """
            {"kind": "Cpl", "fmt": "000", "type": "01010", "tc": 0, "td": false, "ep": false, \
            "relaxed_ordering": false, "no_snoop": false, "length": 0, "completer": "01:00.0", "status": "UR", \
            "bcm": false, "byte_count": 4, "requester": "00:00.0", "tag": "0x07", "lower_address": "0x43", \
            "payload": ""}
            """)
    }

    @Test func decodeErrorsNameTheField() {
        func error(_ args: [String]) -> TLPInputError? {
            do { _ = try TLPFormatter.decode(hexArguments: args); return nil } catch { return error }
        }
        #expect(error(["4000001"])?.description == "HEX: 7 hex digits is not a whole number of bytes")
        #expect(error(["40 0g"])?.description == "HEX: 'g' is not a hex digit")
        #expect(error([])?.field == "HEX")
        #expect(error(["00080001 0100050f 00001000"])?.description == "T8: reserved bits must be 0")
        #expect(error(["40000002 0100ff0f 00001000 00000000"])?.field == "Length")
        #expect(TLPFormatter.json(error: error(["00080001 0100050f 00001000"])!)
                == #"{"error": {"field": "T8", "message": "T8: reserved bits must be 0"}}"#)
    }

    @Test func encodeEveryKind() throws {
        func encode(_ kind: String, _ set: (inout TLPSpec) -> Void) throws -> String {
            var spec = TLPSpec(kind: kind)
            set(&spec)
            return try TLPFormatter.encodedText(try spec.build())
        }
        #expect(try encode("mrd") { $0.address = "0x1000"; $0.length = "4"; $0.tag = "5"; $0.requester = "01:00.0" }
                == "00000004 010005ff 00001000")
        #expect(try encode("mwr") { $0.address = "0x1_0000_0000"; $0.data = "01020304" }
                == "60000001 0000000f 00000001 00000000 01020304")
        #expect(try encode("msi") { $0.address = "0xfee00000"; $0.msiData = "0x41"; $0.requester = "0x0100" }
                == "40000001 0100000f fee00000 41000000")
        #expect(try encode("cpl") { $0.completer = "01:00.0"; $0.status = "ca"; $0.tag = "7" }
                == "0a000000 01008004 00000700")
        #expect(try encode("cpld") { $0.completer = "01:00.0"; $0.data = "78563412"; $0.tag = "5" }
                == "4a000001 01000004 00000500 78563412")
        #expect(try encode("cfgrd") { $0.target = "01:00.0"; $0.register = "0x10"; $0.tag = "1" }
                == "04000001 0000010f 01000010")
        #expect(try encode("cfgwr") { $0.target = "01:00.0"; $0.register = "0x10"; $0.data = "ffffffff" }
                == "44000001 0000000f 01000010 ffffffff")
        #expect(try encode("msg") { $0.routing = "local"; $0.vendorID = "0x1ab4"; $0.vendorData = "0xdeadbeef";
                                    $0.data = "01020304"; $0.requester = "01:00.0" }
                == "74000001 0100007f 00001ab4 deadbeef 01020304")
        #expect(try encode("mwr") { $0.address = "0x104"; $0.data = "aabbccddee000000"; $0.firstBE = "0b1110";
                                    $0.lastBE = "1"; $0.trafficClass = "3"; $0.poisoned = true; $0.relaxedOrdering = true;
                                    $0.noSnoop = true; $0.digest = "0x12345678"; $0.tag = "7"; $0.requester = "01:00.0" }
                == "4030f002 0100071e 00000104 aabbccdd ee000000 12345678")
    }

    @Test func encodeErrorsNameTheOptionOrField() {
        func error(_ kind: String, _ set: (inout TLPSpec) -> Void) -> String? {
            var spec = TLPSpec(kind: kind)
            set(&spec)
            do { _ = try spec.build(); return nil } catch { return error.description }
        }
        #expect(error("nope") { _ in } == "--kind: 'nope' is not one of mrd, mwr, cpl, cpld, cfgrd, cfgwr, msg, msi")
        #expect(error("mrd") { _ in } == "--address: a memory read needs --address")
        #expect(error("mrd") { $0.address = "0x1000"; $0.tag = "256" }
                == "--tag: 256 is larger than the field allows (max 255)")
        #expect(error("mrd") { $0.address = "0xffc"; $0.length = "2" }
                == "Address/Length: 8 bytes at 0xffc cross a 4 KiB boundary")
        #expect(error("mrd") { $0.address = "0x1000"; $0.length = "1"; $0.lastBE = "0xf" }?
                    .hasPrefix("First/Last DW BE:") == true)
        #expect(error("cfgrd") { $0.register = "0x11" } == "--register: 0x11 is not a dword offset (multiple of 4)")
        #expect(error("cfgwr") { $0.register = "0x10"; $0.data = "ff" }
                == "--data: a configuration write carries exactly 4 bytes, not 1")
        #expect(error("cpl") { $0.status = "ok" } == "--status: 'ok' is not sc, ur, crs or ca")
        #expect(error("cpld") { $0.status = "ur"; $0.data = "00000000" }
                == "Completion Status: a completion with status UR must not carry data")
        #expect(error("mrd") { $0.address = "0x1000"; $0.requester = "01:20.0" }
                == "--requester: '01:20.0' is not BB:DD.F (bus 00-ff, device 00-1f, function 0-7)")
        #expect(error("msg") { $0.vendorID = "1"; $0.routing = "up" }
                == "--routing: 'up' is not rc, id:BB:DD.F, broadcast or local")
        #expect(error("mwr") { $0.address = "0"; $0.data = "001" } == "--data: 3 hex digits is not a whole number of bytes")
    }
}

// libFuzzer entry point for the TLP decoder. Built by scripts/fuzz-tlp.sh, not by SwiftPM.
//
// Every input is decoded. Whatever decodes must re-encode to exactly the input bytes
// and decode again to an equal value; a mismatch traps, which libFuzzer reports as a crash.
// Malformed input must come back as a typed TLPError, never a trap.

@_cdecl("LLVMFuzzerTestOneInput")
public func tlpDecoderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let tlp = try TLPCodec.decode(bytes)
        let again = try TLPCodec.encode(tlp)
        precondition(again == bytes, "decode then encode changed the bytes")
        let back = try TLPCodec.decode(again)
        precondition(back == tlp, "encode then decode changed the value")
        _ = TLPFormatter.describe(tlp)
    } catch {
        _ = error.description
    }
    return 0
}

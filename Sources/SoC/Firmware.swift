/// Firmware shipped inside the binary (SwiftPM `embedInCode` resources), so
/// `socsim run` with no program needs nothing but the executable.
public enum Firmware {
    /// The name under which the default firmware appears in diagnostics.
    public static let defaultName = "<embedded>/hello.S"

    /// The default firmware's assembly source.
    public static var defaultSource: String {
        String(decoding: PackageResources.hello_S, as: UTF8.self)
    }
}

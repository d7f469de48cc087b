import Attestation
import Testing

/// The RTL device against the model device: the same rounds, byte for byte.
@Suite struct RTLDeviceTests {
    @Test func threeRoundsAsTheModelDevice() throws {
        for attacker in [Attacker.none, .emulation(slowdownPermille: 5_000)] {
            let model = try ModelDevice(config: ModelDeviceTests.config(), attacker: attacker, seed: 33)
            let rtl = try RTLDevice(config: ModelDeviceTests.config(), attacker: attacker, seed: 33)
            let a = RoundRecord.jsonLines(try model.collect(rounds: 3, scenario: "x", deadlineCycles: 1_500))
            let b = RoundRecord.jsonLines(try rtl.collect(rounds: 3, scenario: "x", deadlineCycles: 1_500))
            #expect(a == b, "\(attacker)")
        }
    }
}

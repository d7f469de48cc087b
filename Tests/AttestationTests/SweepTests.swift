import Attestation
import Foundation
import Testing

/// Sweep plans, sharding and merging (docs/attestation.md, "Sweeps").
@Suite struct SweepTests {
    static let planJSON = #"""
    {"name": "small", "scenarios": ["honest", "memory-copy:step-cycles=1", "replay", "disabled"],
     "seeds": [1, 2, 3], "steps": [512, 1024], "window_words": [256], "rounds": 4, "calibration_rounds": 20}
    """#

    @Test func shardsMergeToTheSingleRunByteForByte() throws {
        let plan = try SweepPlan(json: Data(Self.planJSON.utf8))
        #expect(plan.units.count == 6)
        let single = try plan.run(shard: Shard("0/1"))
        #expect(single.count == 6 * 4 * 4)
        for n in [2, 4, 7] {
            var parts: [RoundRecord] = []
            var seen = Set<Int>()
            for i in (0..<n).reversed() {
                let shard = try Shard(index: i, count: n)
                for u in plan.units(in: shard) { #expect(seen.insert(u.index).inserted) }
                // Through the JSON Lines text, as shards on other machines hand them over.
                parts += try RoundRecord.parseLines(RoundRecord.jsonLines(try plan.run(shard: shard)))
            }
            #expect(seen.count == plan.units.count)
            let merged = try plan.merge(parts)
            #expect(RoundRecord.jsonLines(merged) == RoundRecord.jsonLines(single), "\(n) shards")
        }
    }

    /// A plan on the functional device: two shards merge to the single run.
    @Test func functionalDevicePlanShardsMerge() throws {
        let json = #"""
        {"name": "functional", "device": "functional", "scenarios": ["honest", "tampered"], "seeds": [4, 5],
         "steps": [256], "window_words": [64], "rounds": 3, "calibration_rounds": 6}
        """#
        let plan = try SweepPlan(json: Data(json.utf8))
        #expect(plan.device == .functional)
        let single = try plan.run(shard: Shard("0/1"))
        #expect(single.map(\.verdict) == Array(repeating: [Verdict.trusted, .trusted, .trusted, .wrongAnswer, .wrongAnswer, .wrongAnswer], count: 2).flatMap { $0 })
        let parts = try plan.run(shard: Shard("1/2")) + plan.run(shard: Shard("0/2"))
        #expect(RoundRecord.jsonLines(try plan.merge(parts)) == RoundRecord.jsonLines(single))
        #expect(throws: SweepError.self) { try SweepPlan(json: Data(json.replacingOccurrences(of: "\"functional\",", with: "\"quantum\",").utf8)) }
        #expect(try SweepPlan(json: Data(json.replacingOccurrences(of: "\"functional\",", with: "\"model\",").utf8)).device == .model)
    }

    @Test func mergeRejectsMissingAndDuplicatedRounds() throws {
        let plan = try SweepPlan(json: Data(Self.planJSON.utf8))
        let all = try plan.run(shard: Shard("0/1"))
        #expect(throws: SweepError.self) { try plan.merge(Array(all.dropLast())) }
        #expect(throws: SweepError.self) { try plan.merge(Array(all.dropLast()) + [all[0]]) }
    }

    @Test func badPlansAndShardsAreTypedErrors() {
        #expect(throws: SweepError.shard("3/3")) { try Shard("3/3") }
        #expect(throws: SweepError.shard("x")) { try Shard("x") }
        #expect(throws: SweepError.shard("1/0")) { try Shard("1/0") }
        for bad in [#"{"name": 1}"#, Self.planJSON.replacingOccurrences(of: "\"replay\"", with: "\"rowhammer\""),
                    Self.planJSON.replacingOccurrences(of: "[256]", with: "[300]"),
                    Self.planJSON.replacingOccurrences(of: "\"rounds\": 4", with: "\"rounds\": 0")] {
            #expect(throws: SweepError.self) { try SweepPlan(json: Data(bad.utf8)) }
        }
    }

    @Test func recordLinesRoundTripAndBadLinesAreTypedErrors() throws {
        let plan = try SweepPlan(json: Data(Self.planJSON.utf8))
        let records = try plan.run(plan.units[1])
        #expect(try RoundRecord.parseLines(RoundRecord.jsonLines(records)) == records)
        let line = records[0].jsonLine
        for bad in ["", "{", line.replacingOccurrences(of: "\"verdict\":\"", with: "\"verdict\":\"x"),
                    line.replacingOccurrences(of: "\"seed\":", with: "\"seed\":-"), line + "x",
                    line.replacingOccurrences(of: "\"nonce\":\"0x", with: "\"nonce\":\"0y")] {
            #expect(throws: RecordError.self) { try RoundRecord(jsonLine: bad) }
        }
    }
}

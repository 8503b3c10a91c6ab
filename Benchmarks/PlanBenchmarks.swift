import Foundation
import Render

/// Plan reading, validation and effect parsing: how fast a plan (and a hostile one) is accepted or rejected.
/// Cases are prefixed `plan.`.
func runPlanBenchmarks(_ runner: BenchmarkRunner) {
    let effects = [
        "reverb-large", "delay-1/8", "high-pass-filter-800hz", "sidechain-drums", "compressor-4:1", "echo-out",
    ]
    func section(_ index: Int) -> String {
        let layers = (0..<4).map { l in
            "{\"songId\": \"song\(1 + l % 2)\", \"stem\": \"\(["vocals", "drums", "bass", "other"][l])\", \"volume_db\": -\(6 + l), "
                + "\"effects\": [\"\(effects[(index + l) % effects.count])\", \"\(effects[(index + l + 3) % effects.count])\"]}"
        }
        return
            "{\"time_start_sec\": \(index * 7), \"duration_sec\": 7, \"description\": \"Section \(index): the hook returns\", "
            + "\"energy_level\": 0.7, \"layers\": [\(layers.joined(separator: ", "))]}"
    }
    func plan(sections: Int) -> Data {
        Data(
            ("{\"creative_vision\": \"A test.\", \"masterplan\": {\"title\": \"Bench\", \"global\": {\"targetBPM\": 124, "
                + "\"targetKey\": \"A minor\", \"timeSignature\": [4, 4]}, \"timeline\": ["
                + (0..<sections).map(section).joined(separator: ", ") + "]}}").utf8)
    }
    let validator = PlanValidator(songIds: ["a", "b"])

    // A realistic plan: 8 sections of 7 s, 32 layers, 64 effects.
    let small = plan(sections: 8)
    runner.measure("plan.validate.8_sections", runs: 50, extra: ["bytes": small.count]) {
        precondition(validator.validate(small).isValid)
    }
    // The largest plan accepted by default: 256 sections, 1024 layers.
    let large = plan(sections: 256)
    runner.measure("plan.validate.256_sections", runs: 10, extra: ["bytes": large.count]) {
        precondition(validator.validate(large).isValid)
    }
    runner.measure("plan.decode.256_sections", runs: 10, extra: ["bytes": large.count]) {
        precondition(PlanDecoder.decode(large).plan != nil)
    }
    runner.measure("plan.read.256_sections", runs: 10, extra: ["bytes": large.count]) {
        _ = try? JSONReader.read(large)
    }
    let decodedLarge = PlanDecoder.decode(large).plan!
    runner.measure("plan.check.256_sections", runs: 10) {
        precondition(validator.validate(decodedLarge).isValid)
    }
    // Hostile: 100,000 minimal sections, just under the 16 MiB limit: read, then rejected at the section limit.
    let minimal =
        "{\"time_start_sec\": 0, \"duration_sec\": 1, \"layers\": [{\"songId\": \"a\", \"stem\": \"vocals\", \"volume_db\": -6}]}"
    let hostile = Data(
        ("{\"masterplan\": {\"global\": {\"targetBPM\": 120}, \"timeline\": ["
            + Array(repeating: minimal, count: 100_000).joined(separator: ",") + "]}}").utf8)
    runner.measure("plan.reject.100000_sections", runs: 3, extra: ["bytes": hostile.count]) {
        precondition(!validator.validate(hostile).isValid)
    }
    // Reading speed against Foundation's JSONDecoder on the same document (10,000 realistic sections, 5 MB).
    let big = plan(sections: 10_000)
    let reader = runner.measure("plan.json_reader.10000_sections", runs: 3, extra: ["bytes": big.count]) {
        _ = try? JSONReader.read(big)
    }
    let decoder = runner.measure(
        "plan.json_decoder.10000_sections", runs: 1,
        extra: [
            "bytes": big.count,
            "note": "Foundation JSONDecoder into JSONValue",
        ]
    ) {
        _ = try? JSONValue.parse(big)
    }
    if let reader, let decoder {
        runner.report([
            "name": "plan.json_reader.speedup", "ratio": decoder / reader,
            "reader_mb_per_s": Double(big.count) / reader / 1e6,
        ])
    }
    // Hostile: nesting 100,000 levels deep.
    var deep = Data(repeating: UInt8(ascii: "["), count: 100_000)
    deep.append(Data(repeating: UInt8(ascii: "]"), count: 100_000))
    runner.measure("plan.reject.nesting_100000", runs: 10) {
        precondition(!validator.validate(deep).isValid)
    }
    // Hostile: a 1,000,000-character description (cut to the text limit with a warning) and songId (rejected).
    let hugeText = String(repeating: "x", count: 1_000_000)
    let hugeDescription = Data(
        ("{\"masterplan\": {\"global\": {\"targetBPM\": 120}, \"timeline\": [{\"time_start_sec\": 0, "
            + "\"duration_sec\": 1, \"description\": \"\(hugeText)\", \"layers\": [{\"songId\": \"a\", \"stem\": \"vocals\"}]}]}}")
            .utf8)
    runner.measure("plan.reject.huge_string_1000000", runs: 10, extra: ["bytes": hugeDescription.count]) {
        precondition(validator.validate(hugeDescription).plan != nil)
    }
    // Effect strings per second.
    let strings = EffectVocabulary.entries.flatMap(\.examples)
    runner.measure("plan.effect_parser.vocabulary_examples", runs: 20, extra: ["strings": strings.count]) {
        for s in strings { precondition(EffectParser.parse(s).spec != nil) }
    }
}

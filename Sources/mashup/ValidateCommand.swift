import Foundation
import Render

/// `mashup validate PLAN [--songs id1,id2] [--json]`: every error and warning of a masterplan with its JSON path.
enum ValidateCommand: CLICommand {
    static let name = "validate"
    static let summary = "check a masterplan: errors and warnings with their JSON paths"
    static let usage = """
        mashup validate PLAN [--songs ID1,ID2...] [--json]
          PLAN      a masterplan JSON file ('-' reads standard input), in any accepted shape
          --songs   the song ids the plan may name (song1, song2... also match by position);
                    without it every id in the plan is taken as a song
          --json    print {"valid", "errors", "warnings", "summary"} as JSON
        Exit status: 0 when the plan can be rendered (warnings allowed), 1 on errors, 2 on usage errors.
        """

    static func run(_ arguments: inout Arguments) async throws {
        let songList = try arguments.option("--songs")
        let json = arguments.flag("--json")
        let files = try arguments.positionals()
        try arguments.finish()
        guard files.count == 1 else { throw CLIError.usage("name one plan file") }
        let data = try PlanFile.read(files[0])
        let songIds = songList.map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let validator = songIds.map { PlanValidator(songIds: $0) } ?? PlanValidator()
        let validation = validator.validate(data)

        if json {
            var output: [String: JSONValue] = [
                "valid": .bool(validation.isValid),
                "errors": .array(validation.errors.map { ["path": .string($0.path), "message": .string($0.message)] }),
                "warnings": .array(
                    validation.warnings.map { ["path": .string($0.path), "message": .string($0.message)] }),
            ]
            if let plan = validation.plan { output["summary"] = summary(plan) }
            print(String(decoding: try JSONValue.object(output).encoded(pretty: true), as: UTF8.self))
        } else {
            for issue in validation.issues { print(issue.description) }
            if let plan = validation.plan {
                let key = plan.targetKey.map { ", \($0)" } ?? ""
                let layers = plan.sections.reduce(0) { $0 + $1.layers.count }
                print(
                    "valid: \"\(plan.title)\", \(format(plan.tempoBPM)) BPM \(plan.tempoMap.timeSignature)\(key), "
                        + "\(plan.sections.count) sections, \(layers) layers, \(format(plan.durationSeconds)) s "
                        + "(\(validation.warnings.count) warning\(validation.warnings.count == 1 ? "" : "s"))")
            }
        }
        if !validation.isValid {
            throw CLIError.failed(
                "\(validation.errors.count) error\(validation.errors.count == 1 ? "" : "s"): the plan cannot be rendered"
            )
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }

    static func summary(_ plan: RenderScript) -> JSONValue {
        [
            "title": .string(plan.title),
            "tempo_bpm": .number(plan.tempoBPM),
            "time_signature": .string(plan.tempoMap.timeSignature.description),
            "target_key": plan.targetKey.map { .string($0.description) } ?? .null,
            "duration_sec": .number(plan.durationSeconds),
            "sections": .number(Double(plan.sections.count)),
            "songs": .array(plan.songIDs.map { .string($0) }),
        ]
    }
}

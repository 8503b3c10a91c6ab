import Foundation
import Render

/// One `mashup` subcommand.
protocol CLICommand {
    /// The word after `mashup`.
    static var name: String { get }
    /// One line for the command list.
    static var summary: String { get }
    /// The usage text shown by `mashup help NAME` and on a usage error.
    static var usage: String { get }
    /// Runs the command; throw `CLIError.usage` for bad arguments, any other error for a failure.
    static func run(_ arguments: inout Arguments) async throws
}

/// Errors the command line reports: usage errors exit 2, failures exit 1.
enum CLIError: Error, CustomStringConvertible {
    case usage(String)
    case failed(String)

    /// Refuses an output path that a temp-and-rename would replace wrongly (a device such as /dev/null, a FIFO,
    /// a folder), before any work is done.
    static func checkOutput(_ path: String, option: String = "-o") throws {
        if let refusal = OutputPath.refusal(path) { throw CLIError.usage("\(option) \(path): \(refusal)") }
    }

    var description: String {
        switch self {
        case .usage(let message), .failed(let message): message
        }
    }
}

/// A small argument reader: options (`--name value`, `--name=value`, `-o value`), flags, repeated options and
/// positionals. Each command takes what it knows, then calls `finish()`, which rejects anything left over.
struct Arguments {
    private var items: [String]
    private var positionalItems: [String] = []

    init(_ items: [String]) { self.items = items }

    /// The value of the first of `names` given (`--x v` or `--x=v`), removed from the list.
    mutating func option(_ names: String...) throws -> String? {
        try takeOption(names)
    }

    /// Every value of a repeatable option, in order.
    mutating func options(_ names: String...) throws -> [String] {
        var values: [String] = []
        while let value = try takeOption(names) { values.append(value) }
        return values
    }

    /// A numeric option.
    mutating func doubleOption(_ names: String...) throws -> Double? {
        guard let text = try takeOption(names) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw CLIError.usage("\(names[0]) expects a number, got '\(text)'")
        }
        return value
    }

    /// True when any of `names` is present (removed from the list).
    mutating func flag(_ names: String...) -> Bool {
        var found = false
        items.removeAll { item in
            if names.contains(item) { found = true; return true }
            return false
        }
        return found
    }

    /// The remaining positional arguments; call after taking every option.
    mutating func positionals() throws -> [String] {
        var rest: [String] = []
        var index = 0
        while index < items.count {
            let item = items[index]
            if item == "--" { rest.append(contentsOf: items[(index + 1)...]); break }
            if item.hasPrefix("-") && item.count > 1 && Double(item) == nil {
                throw CLIError.usage("unknown option '\(item)'")
            }
            rest.append(item)
            index += 1
        }
        items = []
        positionalItems = rest
        return rest
    }

    /// Rejects anything not taken.
    func finish() throws {
        if let first = items.first { throw CLIError.usage("unexpected argument '\(first)'") }
    }

    private mutating func takeOption(_ names: [String]) throws -> String? {
        for (index, item) in items.enumerated() {
            for name in names {
                if item == name {
                    guard index + 1 < items.count else { throw CLIError.usage("\(name) needs a value") }
                    let value = items[index + 1]
                    items.removeSubrange(index...(index + 1))
                    return value
                }
                if item.hasPrefix(name + "=") {
                    items.remove(at: index)
                    return String(item.dropFirst(name.count + 1))
                }
            }
        }
        return nil
    }
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Dispatches `mashup NAME ...` to its command and maps errors to exit codes.
struct CommandLineTool {
    let commands: [any CLICommand.Type]

    func run(_ argv: [String]) async -> Int32 {
        var args = Array(argv.dropFirst())
        guard let name = args.first, !["-h", "--help", "help"].contains(name) || args.count == 1 else {
            if args.count >= 2, let command = commands.first(where: { $0.name == args[1] }) {
                print(command.usage)
                return 0
            }
            print(overview)
            return 0
        }
        if ["-h", "--help", "help"].contains(name) {
            print(overview)
            return 0
        }
        if name == "--version" || name == "version" {
            print("mashup \(MashupVersion.string)")
            return 0
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            printError("mashup: unknown command '\(name)'\n\n" + overview)
            return 2
        }
        args.removeFirst()
        if args.contains("--help") || args.contains("-h") {
            print(command.usage)
            return 0
        }
        var arguments = Arguments(args)
        do {
            try await command.run(&arguments)
            return 0
        } catch let error as CLIError {
            switch error {
            case .usage(let message):
                printError("mashup \(name): \(message)\n\nusage:\n\(command.usage)")
                return 2
            case .failed(let message):
                printError("mashup \(name): error: \(message)")
                return 1
            }
        } catch {
            printError("mashup \(name): error: \(error)")
            return 1
        }
    }

    var overview: String {
        var text =
            "mashup \(MashupVersion.string): renders music mashups offline.\n\nusage: mashup COMMAND [options]\n\ncommands:\n"
        let width = commands.map { $0.name.count }.max() ?? 8
        for command in commands {
            text +=
                "  " + command.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + command.summary + "\n"
        }
        text += "\n`mashup help COMMAND` shows a command's options."
        return text
    }
}

/// The version printed by `--version` and sent as the User-Agent.
enum MashupVersion {
    static let string = "0.1.0"
}

/// The shared shape of the per-file report commands (`info`, `loudness`): each file is decoded at its own rate and
/// described by `describe` as a JSON row and a text line; unreadable files are reported and counted, the others
/// still printed, and the command fails when any file failed.
func reportAudioFiles(
    _ files: [String], json: Bool, command: String,
    describe: (String, DecodedAudio) -> (row: [String: Any], line: String)
) throws {
    var failures = 0
    var rows: [[String: Any]] = []
    for path in files {
        do {
            let decoded = try AudioFile.read(URL(fileURLWithPath: path), sampleRate: nil)
            for warning in decoded.warnings { printError("mashup \(command): warning: \(warning)") }
            let (row, line) = describe(path, decoded)
            if json { rows.append(row) } else { print(line) }
        } catch {
            failures += 1
            printError("mashup \(command): error: \(error)")
        }
    }
    if json, let data = try? JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys]) {
        print(String(decoding: data, as: UTF8.self))
    }
    if failures > 0 { throw CLIError.failed("\(failures) of \(files.count) files could not be read") }
}

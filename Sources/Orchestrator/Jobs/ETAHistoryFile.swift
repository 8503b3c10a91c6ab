import Foundation

/// The processing history of the command line, kept between runs in a per-user state file, so that the second
/// `mashup create` on a machine predicts its ETA from the first.
///
/// The file is `$MASHUP_STATE_DIR/eta-history.json`, else `$XDG_STATE_HOME/mashup/eta-history.json`, else
/// `~/.local/state/mashup/eta-history.json`. It is JSON (an array of `ProcessingSample`), written atomically; an
/// unreadable or foreign file is ignored (the history starts afresh), never an error.
public struct ETAHistoryFile: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// The default location for the current user (see the type's documentation).
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ETAHistoryFile {
        let directory: URL
        if let state = environment["MASHUP_STATE_DIR"], !state.isEmpty {
            directory = URL(fileURLWithPath: state)
        } else if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty {
            directory = URL(fileURLWithPath: xdg).appendingPathComponent("mashup")
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            directory = URL(fileURLWithPath: home).appendingPathComponent(".local/state/mashup")
        }
        return ETAHistoryFile(url: directory.appendingPathComponent("eta-history.json"))
    }

    /// The samples saved, oldest first; empty when there is no readable file.
    public func load() -> [ProcessingSample] {
        guard let data = try? Data(contentsOf: url), data.count < 4 * 1_048_576 else { return [] }
        return (try? JSONDecoder().decode([ProcessingSample].self, from: data)) ?? []
    }

    /// Saves `samples` (the newest `limit`); failures are returned, not thrown: a history is a convenience.
    @discardableResult
    public func save(_ samples: [ProcessingSample], limit: Int = 50) -> Bool {
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try JSONEncoder().encode(Array(samples.suffix(limit))).write(to: url, options: .atomic)
            return true
        } catch {
            return false
        }
    }
}

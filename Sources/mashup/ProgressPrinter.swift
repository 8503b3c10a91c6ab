import Foundation

/// Shows progress on standard error: a live bar with percent, message and ETA on a terminal, plain lines when
/// the message changes otherwise, or JSON lines (`--json-progress`).
final class ProgressPrinter: @unchecked Sendable {
    enum Style { case bar, lines, json }
    private let style: Style
    private let lock = NSLock()
    private var lastMessage = ""
    private var lastPercent = -1
    private var barVisible = false

    init(json: Bool) {
        style = json ? .json : (isatty(2) == 1 ? .bar : .lines)
    }

    /// Shows `percent` (0...100), `message` and an optional ETA text.
    func update(percent: Double, message: String, eta: String? = nil, phase: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        let whole = Int(percent.rounded(.down))
        switch style {
        case .json:
            var fields: [String: Any] = ["progress": (percent * 10).rounded() / 10, "message": message]
            if let eta { fields["estimated_completion"] = eta }
            if let phase { fields["phase"] = phase }
            if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) {
                FileHandle.standardError.write(data + Data("\n".utf8))
            }
        case .lines:
            guard message != lastMessage else { return }
            FileHandle.standardError.write(Data("[\(String(format: "%3d", whole))%] \(message)\n".utf8))
        case .bar:
            guard message != lastMessage || whole != lastPercent else { return }
            let width = 24
            let filled = min(width, max(0, Int(Double(width) * percent / 100)))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            var line = "\r\u{1B}[2K\(bar) \(String(format: "%3d", whole))%  \(message)"
            if let eta { line += "  · \(eta) left" }
            FileHandle.standardError.write(Data(line.prefix(160).utf8))
            barVisible = true
        }
        lastMessage = message
        lastPercent = whole
    }

    /// Ends the bar line (so later output starts on a new line).
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if barVisible { FileHandle.standardError.write(Data("\n".utf8)) }
        barVisible = false
    }
}

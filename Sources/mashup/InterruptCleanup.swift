import Foundation
import MashupModel

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C, SIGTERM or SIGHUP during a command: the temporary files the process holds (`TemporaryFiles`: spools,
/// the partial output beside its destination, converted sources) are removed, then the process exits with
/// 128 + the signal's number, as a shell expects. Without it an interrupted render left hundreds of MB behind.
/// `mashup serve` and `mashup worker` handle their own signals, and Ctrl-C in `mashup create` cancels its job. A
/// signal the process was started ignoring (SIGINT of a shell's background job, SIGHUP under `nohup`) stays ignored.
enum InterruptCleanup {
    /// Installs the handler for `signals`; keep the returned sources alive for as long as it should stay installed.
    static func install(signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) -> [any DispatchSourceSignal] {
        signals.filter { !SystemCalls.isIgnored(signal: $0) }.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let removed = TemporaryFiles.removeAll()
                FileHandle.standardError.write(
                    Data("\nmashup: interrupted (signal \(number)); removed \(removed) temporary file(s)\n".utf8))
                _exit(128 + number)
            }
            source.resume()
            return source
        }
    }
}

import CMemoryTuning
import Foundation

// Buffers from 32 MiB go back to the system when freed, smaller ones are reused from two arenas (see
// memory_tuning.h).
_ = mashup_tune_allocator()
// The `mashup` command line. Each command lives in its own file (`<Name>Command.swift`) and is listed here.
let tool = CommandLineTool(commands: [
    CreateCommand.self,
    PlanCommand.self,
    RenderCommand.self,
    InfoCommand.self,
    ConvertCommand.self,
    DemoCommand.self,
    LoudnessCommand.self,
    AnalyzeCommand.self,
    ScoreCommand.self,
    StemsCommand.self,
    StretchCommand.self,
    ValidateCommand.self,
    ServeCommand.self,
    WorkerCommand.self,
])
// An interrupted command removes its temporary files before it exits (`InterruptCleanup`); `serve` and `worker`
// handle their own signals, and Ctrl-C in `create` and `plan` cancels the job (which removes its files).
let commandName = CommandLine.arguments.dropFirst().first ?? ""
let interruptSources: [any DispatchSourceSignal]
switch commandName {
case ServeCommand.name, WorkerCommand.name: interruptSources = []
case CreateCommand.name, PlanCommand.name: interruptSources = InterruptCleanup.install(signals: [SIGTERM, SIGHUP])
default: interruptSources = InterruptCleanup.install()
}
let status = await tool.run(CommandLine.arguments)
withExtendedLifetime(interruptSources) {}
exit(status)

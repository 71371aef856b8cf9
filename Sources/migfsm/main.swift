import Foundation
import MigFSM

// The executable only hands the arguments to the library and writes what it
// returns: everything testable lives in MigFSM. A failed write to standard
// output or error is reported and exits 1 (StandardStreams).
let streams = StandardStreams.open()
var output = CommandOutput()
let status = CommandLineTool.run(Array(CommandLine.arguments.dropFirst()), output: &output)
exit(streams.write(output, status: status).rawValue)

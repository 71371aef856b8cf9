import Foundation
import MigFSM

// The executable only hands the arguments to the library and writes what it
// returns: everything testable lives in MigFSM.
var output = CommandOutput()
let status = CommandLineTool.run(Array(CommandLine.arguments.dropFirst()), output: &output)
FileHandle.standardOutput.write(Data(output.standardOutput.utf8))
FileHandle.standardError.write(Data(output.standardError.utf8))
exit(status.rawValue)

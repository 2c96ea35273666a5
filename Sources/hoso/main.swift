import Foundation
import HosoDomain
import HosoNode
import HosoSQLite

// The thin executable: parse the command line, call into HosoNode.
signal(SIGPIPE, SIG_IGN)
// A parent (a test runner, a supervisor) may have spawned us with SIGTERM/SIGINT blocked;
// the mask is inherited, and a blocked signal would never reach `waitForTermination`.
// Unblock them before any thread starts, so every thread inherits the open mask.
var termination = sigset_t()
sigemptyset(&termination)
sigaddset(&termination, SIGTERM)
sigaddset(&termination, SIGINT)
pthread_sigmask(SIG_UNBLOCK, &termination, nil)

let tool = CommandLineTool(
    name: "hoso",
    abstract: "Hồ sơ điện tử cán bộ, công chức, viên chức — a records node that keeps working offline.",
    commands: Commands.all)
exit(tool.main(Array(CommandLine.arguments.dropFirst())))

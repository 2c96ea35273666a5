import Foundation
import HosoDomain
import HosoNode
import HosoSQLite

// The thin executable: parse the command line, call into HosoNode.
signal(SIGPIPE, SIG_IGN)

let tool = CommandLineTool(
    name: "hoso",
    abstract: "Hồ sơ điện tử cán bộ, công chức, viên chức — a records node that keeps working offline.",
    commands: Commands.all)
exit(tool.main(Array(CommandLine.arguments.dropFirst())))

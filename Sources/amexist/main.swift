import AmexistCLI
import Foundation

AmexistCLI.runTasksOnEventLoops()
exit(await AmexistCLI.main(Array(CommandLine.arguments.dropFirst())))

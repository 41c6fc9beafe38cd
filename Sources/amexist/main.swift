import AmexistCLI
import Foundation

exit(await AmexistCLI.main(Array(CommandLine.arguments.dropFirst())))

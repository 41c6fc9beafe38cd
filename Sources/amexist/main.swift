import AmexistCLI
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

// A write that starts past the file-size limit (RLIMIT_FSIZE) must fail with EFBIG, reported as
// a failed write (503), instead of killing the server with SIGXFSZ (catalogue F6). SQLite's own
// writes stop at the limit with a short write (SQLITE_FULL); other files may not.
signal(SIGXFSZ, SIG_IGN)
AmexistCLI.runTasksOnEventLoops()
exit(await AmexistCLI.main(Array(CommandLine.arguments.dropFirst())))

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What an interrupted `graft train` prints, prepared before the run because a signal handler
/// may not allocate: the hint when an epoch has finished (its state file exists), the one when
/// none has, and the state file's path.
private var interruptionHints: (resumable: UnsafeMutablePointer<CChar>, fresh: UnsafeMutablePointer<CChar>,
                                state: UnsafeMutablePointer<CChar>)?

/// Makes Ctrl-C (SIGINT) end `graft train` with status 130 and a line on standard error that
/// says how to continue: the run folder `out` keeps the last finished epoch, which `--resume`
/// continues from (`resuming`: the command has it already).
func explainInterruption(out: String, statePath: String, resuming: Bool) {
    let how = resuming ? "run the same command again" : "run the same command with --resume added"
    guard let resumable = strdup("\ngraft train: interrupted; \(out) keeps the last finished epoch: \(how) to continue\n"),
          let fresh = strdup("\ngraft train: interrupted before the first epoch finished; nothing in \(out) to resume\n"),
          let state = strdup(statePath) else { return }
    interruptionHints = (resumable, fresh, state)
    signal(SIGINT) { _ in
        guard let hints = interruptionHints else { _exit(130) }
        let text = access(hints.state, F_OK) == 0 ? hints.resumable : hints.fresh
        _ = write(STDERR_FILENO, text, strlen(text))
        _exit(130)
    }
}

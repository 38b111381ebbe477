import ArgumentParser

struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "List, fetch, verify and pin the published pretrained weights of the zoo's models.",
        discussion: """
        A weight set is named MODEL (its default set, what --weights imagenet means) or MODEL.SET \
        (resnet50.IMAGENET1K_V1). Every file is checked against its published SHA-256 (the full \
        hash where it is known, else the prefix the publisher pins in the file name) before it \
        takes its name in the cache.

        The cache: $GRAFT_HOME/weights, else $XDG_CACHE_HOME/graft/weights, else \
        ~/.cache/graft/weights. A file already in torch hub's cache ($TORCH_HOME/hub/checkpoints, \
        ~/.cache/torch/hub/checkpoints) is verified and used instead of being downloaded again.

        Offline and mirrors: --weights-mirror (or GRAFT_WEIGHTS_MIRROR) is a folder or an http(s) \
        base URL holding the files under their canonical names (graft weights list --urls shows \
        them: resnet50-11ad3fa6.pth, efficientnet-lite0-57934424.pth); --offline (or \
        GRAFT_OFFLINE=1) never opens a connection. A lock file (--lock FILE, or graft.lock in the \
        current folder) pins the full SHA-256 of each file; every later fetch is checked against it.

        Examples:
          graft weights list resnet50 --urls
          graft weights pull efficientnet_lite0 resnet50.IMAGENET1K_V2
          GRAFT_WEIGHTS_MIRROR=/mnt/weights graft weights pull resnet18 --offline
          graft weights verify
          graft weights lock graft.lock
        """,
        subcommands: [WeightsListCommand.self, WeightsPullCommand.self, WeightsPathCommand.self,
                      WeightsVerifyCommand.self, WeightsLockCommand.self])
}

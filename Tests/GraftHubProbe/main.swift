import Foundation
import GraftHub
import GraftModels

// graft-hub-probe CACHE URL SHA256 BYTES: fetches the file at URL (of BYTES bytes, with
// SHA256) into the cache folder CACHE, as a second process would, and prints
// `<origin> <sha256> <path>`, then `waited` when it waited for another process's lock; on
// failure prints the error and exits with status 1.
let arguments = CommandLine.arguments
guard arguments.count == 5, let bytes = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: graft-hub-probe CACHE URL SHA256 BYTES\n".utf8))
    exit(2)
}
let set = WeightSet(name: "PROBE", source: .urls([arguments[2]]), bytes: bytes, sizeIsExact: true, sha256: arguments[3],
                    licence: "test", top1: nil, top5: nil, classNames: [], preprocessing: .imageNet())
var settings = WeightStoreSettings(cacheDirectory: arguments[1])
settings.timeout = 5
settings.retryDelay = 0.05
final class Flag: @unchecked Sendable { var raised = false }
let waited = Flag()
do {
    let file = try WeightStore(settings: settings, warning: { if $0.hasPrefix("waiting") { waited.raised = true } }).fetch(set)
    let origin: String
    switch file.origin {
    case .cache: origin = "cache"
    case .download: origin = "download"
    default: origin = "other"
    }
    print(origin, file.sha256, file.path, waited.raised ? "waited" : "")
} catch {
    print("error: \(error)")
    exit(1)
}

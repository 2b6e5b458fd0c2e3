"""Every per-image signal, from one full decode (runs in worker processes).

A chunk of paths in, one `Signals` record of arrays out (cheap to pickle). Nothing
here raises for a bad file: the reason is recorded and the next file is read.
Channel sums are exact integers over all pixels, so merged stats equal numpy's.
"""
from __future__ import annotations

import hashlib
import os
import struct
import warnings
from dataclasses import dataclass

import numpy as np

from preflight.files import NotRegularFile, open_regular

THUMB = 16            # THUMB x THUMB gray thumbnail in the feature vector
HIST_BINS = 8         # colour histogram bins per RGB channel in the feature vector
LUMA = 16             # LUMA x LUMA luma and (LUMA/2)^2 Cb and Cr cells in `ycc` (JPEG's 4:2:0 sampling)
YCC = LUMA * LUMA + 2 * (LUMA // 2) ** 2
SHARP_SIDE = 256      # sharpness is measured on a gray image at most this big
GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    m = np.cos(np.pi * (2 * np.arange(n)[None, :] + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    m[0] /= np.sqrt(2.0)
    return m


_DCT8 = _dct_matrix(32)[:8]  # pHash keeps the 8x8 lowest frequencies of the 32x32 DCT
_BITS = (np.uint64(1) << np.arange(64, dtype=np.uint64)).astype(np.uint64)
_LEVELS = np.arange(256, dtype=np.float64)
_LEVELS_INT = np.arange(256, dtype=np.int64)
_SQUARES = _LEVELS_INT * _LEVELS_INT
_BLANK32 = bytes(32 * 32)
_EXIF_KEYS = ("exif", "Raw profile type exif", "XML:com.adobe.xmp", "xmp")
# EXIF orientation -> Image.Transpose, as ImageOps.exif_transpose maps them: 2 FLIP_LEFT_RIGHT,
# 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270, 7 TRANSVERSE, 8 ROTATE_90
_TRANSPOSE = {2: 0, 3: 3, 4: 1, 5: 5, 6: 4, 7: 6, 8: 2}


@dataclass
class Signals:
    """Arrays aligned with the chunk's paths. `reason` is "" for a decoded image."""

    reason: list[str]
    error: list[str]
    mode: list[str]
    fmt: list[str]
    width: np.ndarray        # int64
    height: np.ndarray       # int64
    content: np.ndarray      # uint64: decoded pixels (readable) or file bytes (not)
    phash: np.ndarray        # uint64 perceptual hash (DCT of a 32x32 gray image)
    channels: np.ndarray     # int8: 1 (gray modes) or 3 (everything else, as RGB)
    sums: np.ndarray         # int64 (n, 3): per-channel pixel sums on the 0..255 scale
    sumsq: np.ndarray        # int64 (n, 3): per-channel sums of squares
    brightness: np.ndarray   # float64: mean luminance in [0, 1]        (these three on the gray
    contrast: np.ndarray     # float64: luminance std in [0, 1]          image at most SHARP_SIDE
    entropy: np.ndarray      # float64: luminance histogram entropy, bits  px, full size if smaller)
    sharpness: np.ndarray    # float64: log1p(variance of the Laplacian), gray <= SHARP_SIDE
    thumb: np.ndarray        # uint8 (n, THUMB*THUMB)
    colour: np.ndarray       # float32 (n, 3*HIST_BINS), fractions per channel
    ycc: np.ndarray          # uint8 (n, YCC): antialiased LUMAxLUMA luma, then half-size Cb and Cr
    orientation: np.ndarray  # int8: the EXIF orientation applied (1 = stored as displayed; 0 unreadable)


def analyze_chunk(paths: list[str], max_pixels: int) -> Signals:
    """Decode each file once; per-image Pillow work here, the numeric work vectorised per chunk."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # our own limit is checked on the declared size, before decoding
    n = len(paths)
    out = Signals(reason=[""] * n, error=[""] * n, mode=[""] * n, fmt=[""] * n,
                  width=np.zeros(n, np.int64), height=np.zeros(n, np.int64),
                  content=np.zeros(n, np.uint64), phash=np.zeros(n, np.uint64),
                  channels=np.zeros(n, np.int8), sums=np.zeros((n, 3), np.int64),
                  sumsq=np.zeros((n, 3), np.int64), brightness=np.zeros(n), contrast=np.zeros(n),
                  entropy=np.zeros(n), sharpness=np.zeros(n),
                  thumb=np.zeros((n, THUMB * THUMB), np.uint8), colour=np.zeros((n, 3 * HIST_BINS), np.float32),
                  ycc=np.zeros((n, YCC), np.uint8), orientation=np.zeros(n, np.int8))
    hists = np.zeros((n, 768), np.int64)      # Pillow's per-channel histograms (gray: first 256)
    t32: list[bytes] = [_BLANK32] * n          # gray 32x32 (pHash, thumbnail)
    small_ycc: list[bytes] = [b""] * n  # LUMAxLUMA gray, or YCbCr (Pillow's JPEG conversion)
    small: dict[tuple[int, int], list[tuple[int, bytes]]] = {}  # gray <= SHARP_SIDE, by shape
    digests = bytearray(8 * n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, path in enumerate(paths):
            try:
                _one(Image, path, max_pixels, out, i, hists, t32, small_ycc, small, digests)
            except Exception as exc:
                out.reason[i], out.error[i] = _classify(path, exc)
                digests[8 * i:8 * i + 8] = _file_hash(path)
    out.content = np.frombuffer(bytes(digests), np.uint64).copy()
    ok = np.array([r == "" for r in out.reason], dtype=bool)
    _vectorised(out, ok, hists.reshape(n, 3, 256), np.frombuffer(b"".join(t32), np.uint8).reshape(n, 32, 32), small)
    _ycc(out.ycc, small_ycc)
    return out


def _one(Image, path: str, max_pixels: int, out: Signals, i: int, hists, t32, small_ycc, small, digests) -> None:
    if not path:
        raise FileNotFoundError("no path given")
    with open_regular(path) as fh, Image.open(fh) as img:  # an empty file fails here; _classify tells it apart
        w, h = img.size
        out.width[i], out.height[i], out.mode[i], out.fmt[i] = w, h, img.mode, img.format or ""
        if w * h > max_pixels:
            raise _Bad("too-large", f"declares {w}x{h} = {w * h:,} pixels, over max_image_pixels="
                       f"{max_pixels:,} (a possible decompression bomb); not decoded")
        img.load()
        turn = _orientation(img)
        out.orientation[i] = turn
        if turn > 1:  # as displayed, and as ImageOps.exif_transpose hands it to a training script
            img = img.transpose(_TRANSPOSE[turn])
            w, h = img.size
            out.width[i], out.height[i] = w, h
        digest = hashlib.blake2b(f"{img.mode}|{w}x{h}|".encode(), digest_size=8)
        if img.mode in ("P", "PA"):
            digest.update(bytes(img.getpalette() or ()))
        digest.update(img.tobytes())
        target = "L" if img.mode in GRAY_MODES else "RGB"
        pix = img if img.mode == target else img.convert(target)
        hist = pix.histogram()
        gray = pix if target == "L" else pix.convert("L")
        out.channels[i] = 1 if target == "L" else 3
        hists[i, :len(hist)] = hist
        t32[i] = gray.resize((32, 32), Image.Resampling.BOX).tobytes()
        # antialiased (a filter scaled to the reduction), unlike the box-upsampled 32x32 above, so a
        # resized copy gives the same cells; gray images as R = G = B
        tiny = pix.resize((LUMA, LUMA), Image.Resampling.BILINEAR, reducing_gap=3.0)
        small_ycc[i] = tiny.tobytes() if target == "L" else tiny.convert("YCbCr").tobytes()
        if max(w, h) > SHARP_SIDE:
            gray = gray.reduce(int(np.ceil(max(w, h) / SHARP_SIDE)))
        small.setdefault((gray.height, gray.width), []).append((i, gray.tobytes()))
    digests[8 * i:8 * i + 8] = digest.digest()


def _orientation(img) -> int:
    """The EXIF Orientation (1..8) that ImageOps.exif_transpose would apply, else 1.

    Images without EXIF, XMP or TIFF tags cost a few dict lookups; a plain EXIF block is read
    directly (Pillow's getexif parses every tag: 4% of a 64x64 JPEG's scan); anything else
    goes through getexif, as exif_transpose does.
    """
    info = img.info
    if not (hasattr(img, "tag_v2") or any(k in info for k in _EXIF_KEYS)):
        return 1
    value = _ifd0_orientation(info.get("exif"))
    if value == 0 and "xmp" not in info and "XML:com.adobe.xmp" not in info:
        return 1  # EXIF without the tag, and no XMP that could carry it
    if not value:
        try:
            value = img.getexif().get(0x0112, 1)
        except Exception:
            return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _ifd0_orientation(data) -> int | None:
    """Orientation (tag 0x0112, a SHORT) from a raw EXIF block's first IFD; 0 when that IFD has
    none, None when the block is not plain (ask Pillow)."""
    if not isinstance(data, bytes):
        return None
    if data.startswith(b"Exif\x00\x00"):
        data = data[6:]
    end = {b"II": "<", b"MM": ">"}.get(data[:2])
    if end is None or len(data) < 8:
        return None
    ifd = struct.unpack_from(end + "I", data, 4)[0]
    if ifd + 2 > len(data):
        return None
    count = struct.unpack_from(end + "H", data, ifd)[0]
    for k in range(min(count, (len(data) - ifd - 2) // 12)):
        tag, kind, n = struct.unpack_from(end + "HHI", data, ifd + 2 + 12 * k)
        if tag == 0x0112:
            return struct.unpack_from(end + "H", data, ifd + 10 + 12 * k)[0] if kind == 3 and n == 1 else None
    return 0 if ifd + 2 + 12 * count <= len(data) else None


def _vectorised(out: Signals, ok: np.ndarray, hists, t32, small) -> None:
    """Sums, colour histogram, brightness, entropy, sharpness, pHash, thumbnail for the chunk."""
    if not ok.any():
        return
    every = ok.all()
    h = hists if every else hists[ok]
    out.sums[ok] = h @ _LEVELS_INT
    out.sumsq[ok] = h @ _SQUARES
    pixels = (out.width * out.height).astype(np.float64)[ok]
    binned = h.reshape(-1, 3, HIST_BINS, 256 // HIST_BINS).sum(axis=3) / pixels[:, None, None]
    gray = out.channels[ok] == 1
    binned[gray] = binned[gray][:, :1, :]  # gray images: the same histogram in R, G and B
    out.colour[ok] = binned.reshape(-1, 3 * HIST_BINS)
    for (hh, ww), items in small.items():  # same-shape gray images (<= SHARP_SIDE) as one array
        items = [(i, b) for i, b in items if ok[i]]
        if not items:
            continue
        idx = np.array([i for i, _ in items])
        raw = np.frombuffer(b"".join(b for _, b in items), np.uint8).reshape(-1, hh * ww)
        counts = np.bincount((raw + (np.arange(len(idx)) * 256)[:, None]).reshape(-1),
                             minlength=256 * len(idx)).reshape(-1, 256)
        p = counts / (hh * ww)
        mean = p @ _LEVELS
        out.brightness[idx] = mean / 255.0
        out.contrast[idx] = np.sqrt(np.maximum(p @ (_LEVELS ** 2) - mean * mean, 0.0)) / 255.0
        with np.errstate(divide="ignore", invalid="ignore"):
            out.entropy[idx] = -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=1) + 0.0
        if hh >= 3 and ww >= 3:
            out.sharpness[idx] = np.log1p(_laplacian_var(raw.reshape(-1, hh, ww)))
    t = t32 if every else t32[ok]
    low = (_DCT8 @ t.astype(np.float64) @ _DCT8.T).reshape(-1, 64)  # the 8x8 lowest frequencies
    bits = low > np.median(low, axis=1, keepdims=True)
    out.phash[ok] = (bits.astype(np.uint64) * _BITS).sum(axis=1, dtype=np.uint64)
    q, step = t.astype(np.uint16), 32 // THUMB  # box means of the 32x32 image, rounded half to even
    box = sum(q[:, a::step, b::step] for a in range(step) for b in range(step))
    out.thumb[ok] = np.rint(box / (step * step)).astype(np.uint8).reshape(-1, THUMB * THUMB)


def _ycc(out: np.ndarray, tiny: list[bytes]) -> None:
    """Fill `out` (n, YCC) from each decoded image's LUMAxLUMA gray or YCbCr bytes: the luma per
    cell, then Cb and Cr as rounded means of 2x2 cells (gray: 128, no colour). Colour at half the
    resolution, where JPEG keeps it, so a re-encode moves it little."""
    cells, half = LUMA * LUMA, LUMA // 2
    for size, planes in ((cells, 1), (3 * cells, 3)):
        rows = np.array([i for i, b in enumerate(tiny) if len(b) == size], dtype=np.int64)
        if rows.size == 0:
            continue
        px = np.frombuffer(b"".join(tiny[i] for i in rows), np.uint8).reshape(rows.size, LUMA, LUMA, planes)
        out[rows, :cells] = px[..., 0].reshape(rows.size, cells)
        if planes == 1:
            out[rows, cells:] = 128
            continue
        quads = px[..., 1:].astype(np.uint16).reshape(rows.size, half, 2, half, 2, 2).sum(axis=(2, 4))
        out[rows, cells:] = ((quads + 2) // 4).transpose(0, 3, 1, 2).reshape(rows.size, -1)


def _laplacian_var(g: np.ndarray) -> np.ndarray:
    """Variance of the 4-neighbour Laplacian per image, exact in integers (|value| <= 1020)."""
    g = g.astype(np.int16)
    lap = (4 * g[:, 1:-1, 1:-1] - g[:, :-2, 1:-1] - g[:, 2:, 1:-1] - g[:, 1:-1, :-2] - g[:, 1:-1, 2:]).reshape(
        len(g), -1).astype(np.int32)
    m = lap.shape[1]
    s1 = lap.sum(axis=1, dtype=np.int64)
    s2 = np.einsum("ij,ij->i", lap, lap, dtype=np.int64)
    return (s2 * m - s1 * s1) / float(m * m)


class _Bad(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _classify(path: str, exc: Exception) -> tuple[str, str]:
    from PIL import Image, UnidentifiedImageError

    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, _Bad):
        return exc.reason, text
    if isinstance(exc, NotRegularFile):  # a FIFO's size reads 0: not "empty"
        return "not-a-file", text
    try:  # checked here, after a failure, not before every decode (one stat call per image saved)
        if os.path.getsize(path) == 0:
            return "empty", "the file is empty (0 bytes)"
    except OSError:
        pass
    if isinstance(exc, PermissionError):
        return "permission-denied", "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "missing", "no such file"
    if isinstance(exc, Image.DecompressionBombError):
        return "too-large", text
    if isinstance(exc, UnidentifiedImageError):
        return "not-an-image", "Pillow cannot identify it as an image"
    if "truncated" in text.lower():
        return "truncated", text
    return "corrupt", f"{type(exc).__name__}: {text}"


def _file_hash(path: str) -> bytes:
    digest = hashlib.blake2b(b"file|", digest_size=8)
    try:
        with open_regular(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        digest.update(f"unreadable|{path}".encode())
    return digest.digest()

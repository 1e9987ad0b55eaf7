# SPDX-License-Identifier: MIT
# xwd-to-ppm.py: an X screen as Xvfb keeps it (-fbdir DIR writes DIR/Xvfb_screen0, an XWD image
# of the live frame buffer) as a binary PPM on stdout, for ppm-colours.py.
# Usage: xwd-to-ppm.py FILE; exits 2 on anything but a true-colour ZPixmap of 24 or 32 bits per
# pixel (what Xvfb writes for a depth-24 screen), so that no count is made up from a misread.
import struct
import sys


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    if len(data) < 100:
        print("too short for an XWD header", file=sys.stderr)
        return 2
    (header_size, version, pixmap_format, depth, width, height, _xoffset, byte_order, _unit,
     _bit_order, _pad, bpp, bytes_per_line, visual_class, red_mask, green_mask, blue_mask,
     _bits_per_rgb, _cmap_entries, ncolors) = struct.unpack(">20I", data[:80])
    # 7: X11's XWD; 2: ZPixmap; 4, 5: TrueColor, DirectColor
    if version != 7 or pixmap_format != 2 or visual_class not in (4, 5) or bpp not in (24, 32):
        print(f"not a true-colour ZPixmap XWD (version {version}, format {pixmap_format}, "
              f"class {visual_class}, {bpp} bits per pixel)", file=sys.stderr)
        return 2
    start = header_size + ncolors * 12
    if len(data) < start + bytes_per_line * height:
        print(f"{len(data) - start} bytes of pixels for {height} lines of {bytes_per_line}",
              file=sys.stderr)
        return 2
    step = bpp // 8
    order = "little" if byte_order == 0 else "big"

    def shift(mask):
        return (mask & -mask).bit_length() - 1

    shifts = [(m, shift(m)) for m in (red_mask, green_mask, blue_mask)]
    out = bytearray()
    for y in range(height):
        line = data[start + y * bytes_per_line:start + y * bytes_per_line + width * step]
        for x in range(0, width * step, step):
            p = int.from_bytes(line[x:x + step], order)
            out.extend((p & m) >> s for m, s in shifts)
    sys.stdout.buffer.write(b"P6\n%d %d\n255\n" % (width, height) + bytes(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

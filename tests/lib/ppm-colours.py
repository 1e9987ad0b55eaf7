# SPDX-License-Identifier: MIT
# ppm-colours.py: how many pixels of each given colour a binary PPM on stdin (grim -t ppm -) has.
# Usage: ppm-colours.py RRGGBB...; prints "RRGGBB COUNT" a line; exits 2 on anything but a P6
# image of 8-bit samples without comments, as grim writes them (grim failed, or wrote something
# else), so that no count is made up.
import re
import sys
from collections import Counter


def main():
    data = sys.stdin.buffer.read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m or m.group(3) != b"255":
        print("not a P6 image with 8-bit samples", file=sys.stderr)
        return 2
    width, height = int(m.group(1)), int(m.group(2))
    pixels = data[m.end():]
    if len(pixels) != width * height * 3:
        print(f"{len(pixels)} bytes of pixels for {width}x{height}", file=sys.stderr)
        return 2
    counts = Counter(zip(pixels[0::3], pixels[1::3], pixels[2::3]))
    for colour in sys.argv[1:]:
        print(colour, counts[tuple(bytes.fromhex(colour))])
    return 0


if __name__ == "__main__":
    sys.exit(main())

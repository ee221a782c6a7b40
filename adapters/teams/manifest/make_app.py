#!/usr/bin/python3
"""Writes the Teams app package files into a directory: manifest.json with the bot's app ID
substituted, and the two icons (192x192 colour, 32x32 white outline on transparent) drawn here
as PNGs, so no image is kept in the repository. usage: make_app.py OUTDIR

The app ID comes from TEAMS_APP_ID in the environment, else from a TEAMS_APP_ID= line in
./.env (the daemon's own configuration)."""
import json
import os
import re
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCENT = (0x2B, 0x6C, 0xB0, 0xFF)
WHITE = (0xFF, 0xFF, 0xFF, 0xFF)
CLEAR = (0, 0, 0, 0)


def app_id():
    v = os.environ.get("TEAMS_APP_ID", "")
    if not v and os.path.exists(".env"):
        for line in open(".env", encoding="utf-8"):
            m = re.match(r"\s*TEAMS_APP_ID\s*=\s*['\"]?([^'\"\s#]*)", line)
            if m:
                v = m.group(1)
    return v


def png(size, pixel):
    """An RGBA PNG of size x size where pixel(x, y) gives the colour."""
    rows = b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(size))
                    for y in range(size))

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def plus(x, y, size, arm, thick):
    """Inside a plus sign centred in the square: arm = half length, thick = half width."""
    c = size / 2
    dx, dy = abs(x + 0.5 - c), abs(y + 0.5 - c)
    return (dx <= thick and dy <= arm) or (dy <= thick and dx <= arm)


def color_icon(x, y):
    return WHITE if plus(x, y, 192, 58, 18) else ACCENT


def outline_icon(x, y):
    edge = min(x, y, 31 - x, 31 - y)
    return WHITE if edge == 0 or plus(x, y, 32, 10, 3) else CLEAR


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_app.py OUTDIR")
    aid = app_id()
    if not GUID.match(aid):
        sys.exit("teams-app: set TEAMS_APP_ID to the bot's Microsoft App ID (a GUID); got %r"
                 % aid)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    text = open(os.path.join(HERE, "manifest.json"), encoding="utf-8").read()
    manifest = json.loads(text.replace("@TEAMS_APP_ID@", aid.lower()))
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out, "color.png"), "wb") as f:
        f.write(png(192, color_icon))
    with open(os.path.join(out, "outline.png"), "wb") as f:
        f.write(png(32, outline_icon))


if __name__ == "__main__":
    main()

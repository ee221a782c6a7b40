#!/usr/bin/python3
"""Test step: a flag file standing for "the service is healthy".

usage: flag.py set|clear|check|flip FILE
set/clear write or remove it; flip toggles it; check exits 0 when it exists, 3 when not.
Each prints what it did, so a test can assert on the captured step output."""
import os
import sys


def main():
    verb, path = sys.argv[1], sys.argv[2]
    present = os.path.exists(path)
    if verb == "flip":
        verb = "clear" if present else "set"
    if verb == "set":
        with open(path, "w") as f:
            f.write("healthy\n")
        print("flag set")
        return 0
    if verb == "clear":
        if present:
            os.unlink(path)
        print("flag cleared")
        return 0
    if verb == "check":
        print("flag present" if present else "flag absent")
        return 0 if present else 3
    print("unknown verb %s" % verb, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

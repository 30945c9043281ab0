#!/usr/bin/env python3
"""Writes a connector file adapted from a shipped one, so tests run what connectors.d ships.

    connector.py SHIPPED.json DEST.json NAME [key=value ...]

NAME replaces the connector's name; each key=value sets that config key (added when new).
"""
import json
import sys


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip())
    shipped, destination, name, *settings = sys.argv[1:]
    with open(shipped, encoding="utf-8") as file:
        connector = json.load(file)
    connector["name"] = name
    for setting in settings:
        key, separator, value = setting.partition("=")
        if not separator:
            sys.exit(f"connector.py: '{setting}' is not key=value")
        connector["config"][key] = value
    with open(destination, "w", encoding="utf-8") as file:
        json.dump(connector, file, indent=2)
        file.write("\n")


if __name__ == "__main__":
    main()

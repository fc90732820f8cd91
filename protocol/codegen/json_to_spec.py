#!/usr/bin/env python3
"""Developer tool: draft a .spec file (our format, see ../specs/README.md) from an Apache Kafka
message schema. Only the wire facts are kept (names, types, versions, tags, defaults); documentation
and comments are dropped. The output is a starting point to review, not a build input.

Usage: json_to_spec.py KafkaSchema.json > protocol/specs/snake_name.spec
"""
import json
import re
import sys


def load(path):
    text = open(path, encoding="utf-8").read()
    # The schemas carry // comments, which JSON does not allow.
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return json.loads(text)


def field_line(f):
    parts = [f["name"], f["type"], f.get("versions", "0+")]
    if f.get("nullableVersions"):
        parts.append("null=" + f["nullableVersions"])
    if "taggedVersions" in f:
        parts.append("tag=%d@%s" % (f["tag"], f["taggedVersions"]))
    if "flexibleVersions" in f:
        parts.append("flex=" + f["flexibleVersions"])
    if "default" in f:
        d = str(f["default"]).lower() if isinstance(f["default"], bool) else str(f["default"])
        parts.append("default=" + (d if d else '""'))
    return "  " + " ".join(parts)


def emit_struct(keyword, name, fields, out):
    out.append("%s %s" % (keyword, name))
    nested = []
    for f in fields:
        out.append(field_line(f))
        if "fields" in f:
            nested.append((f["type"].lstrip("[]"), f["fields"]))
    for sub_name, sub_fields in nested:
        emit_struct("struct", sub_name, sub_fields, out)


def main():
    d = load(sys.argv[1])
    out = []
    head = "message %s %s" % (d["name"], d["type"])
    if "apiKey" in d:
        head += " key=%d" % d["apiKey"]
    head += " valid=%s flex=%s" % (d["validVersions"], d.get("flexibleVersions", "none"))
    out.append(head)
    nested = []
    for f in d["fields"]:
        out.append(field_line(f))
        if "fields" in f:
            nested.append((f["type"].lstrip("[]"), f["fields"]))
    for sub_name, sub_fields in nested:
        emit_struct("struct", sub_name, sub_fields, out)
    for c in d.get("commonStructs", []):
        emit_struct("common", c["name"], c["fields"], out)
    print("\n".join(out))


if __name__ == "__main__":
    main()

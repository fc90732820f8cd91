#!/usr/bin/env python3
"""Generates the Kafka message codecs from protocol/specs/*.spec (format: specs/README.md).

Usage: generate.py --specs DIR --out DIR [--list]
Writes, under OUT/protocol/:
  messages/<snake>.h/.cc      one struct per spec with decode/encode/size
  messages/api_registry.h/.cc ApiInfo table and decode_request_body/decode_response_body
  messages/all_messages.h     every message header plus SAMSA_PROTOCOL_MESSAGES(X)
  messages/test_fill.h/.cc    fill() helpers that populate every field (tests only)
  error_codes.h/.cc           from specs/error_codes.table
--list prints the outputs (relative to OUT) for the given specs without writing anything.
Python 3 standard library only.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emit_tables import (emit_all_messages, emit_error_codes, emit_fill, emit_registry,  # noqa: E402
                         parse_error_table)
from generate_model import SpecError, emit_header, emit_source, parse_spec, snake  # noqa: E402

FIXED_OUTPUTS = ["protocol/messages/api_registry.h", "protocol/messages/api_registry.cc",
                 "protocol/messages/all_messages.h", "protocol/messages/test_fill.h",
                 "protocol/messages/test_fill.cc", "protocol/error_codes.h",
                 "protocol/error_codes.cc"]


def spec_files(spec_dir):
    return sorted(f for f in os.listdir(spec_dir) if f.endswith(".spec"))


def write_if_changed(path, text):
    # Unchanged outputs keep their timestamps so dependents are not rebuilt.
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--specs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()

    specs = spec_files(args.specs)
    if args.list:
        for s in specs:
            base = s[: -len(".spec")]
            print("protocol/messages/%s.h\nprotocol/messages/%s.cc" % (base, base))
        print("\n".join(FIXED_OUTPUTS))
        return 0

    out = {}
    messages = []
    try:
        for s in specs:
            msg = parse_spec(os.path.join(args.specs, s))
            base = s[: -len(".spec")]
            if snake(msg.name) != base:
                raise SpecError("%s: file name must be %s.spec" % (s, snake(msg.name)))
            messages.append(msg)
            out["protocol/messages/%s.h" % base] = emit_header(msg, s)
            out["protocol/messages/%s.cc" % base] = emit_source(msg, s, base)
        out["protocol/messages/api_registry.h"], out["protocol/messages/api_registry.cc"] = \
            emit_registry([m for m in messages if m.kind != "header"])
        out["protocol/messages/all_messages.h"] = emit_all_messages(messages)
        out["protocol/messages/test_fill.h"], out["protocol/messages/test_fill.cc"] = \
            emit_fill(messages)
        rows = parse_error_table(os.path.join(args.specs, "error_codes.table"))
        out["protocol/error_codes.h"], out["protocol/error_codes.cc"] = emit_error_codes(rows)
    except SpecError as e:
        print("generate.py: error: %s" % e, file=sys.stderr)
        return 1
    for rel, text in out.items():
        write_if_changed(os.path.join(args.out, rel), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

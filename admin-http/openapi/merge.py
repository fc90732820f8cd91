#!/usr/bin/env python3
"""Merges the OpenAPI fragments (sorted by file name) into one document and writes it as a C++
source file defining samsa::admin_http::openapi_document(). A key defined twice is an error."""
import json
import sys


def merge(into, other, where):
    for key, value in other.items():
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            merge(into[key], value, f"{where}/{key}")
        else:
            sys.exit(f"openapi: {where}/{key} is defined by more than one fragment")


def main():
    out_path, fragments = sys.argv[1], sorted(sys.argv[2:])
    doc = {}
    for path in fragments:
        with open(path, encoding="utf-8") as f:
            try:
                merge(doc, json.load(f), path)
            except json.JSONDecodeError as e:
                sys.exit(f"openapi: {path}: {e}")
    text = json.dumps(doc, indent=1, sort_keys=False)
    # Split into pieces: a raw string literal must stay under the compiler's length limits.
    pieces = [text[i:i + 8000] for i in range(0, len(text), 8000)]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write('#include "admin-http/openapi_document.h"\n#include <string>\n\n')
        f.write("namespace samsa::admin_http {\n\nstd::string_view openapi_document() {\n")
        f.write("  static const std::string doc = std::string()")
        for p in pieces:
            f.write(' +\n    R"samsa_openapi(' + p + ')samsa_openapi"')
        f.write(";\n  return doc;\n}\n\n}  // namespace samsa::admin_http\n")


if __name__ == "__main__":
    main()

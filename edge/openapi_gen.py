#!/usr/bin/env python3
"""openapi_gen.py - build step: docs/openapi.yaml -> a C file holding it as compact JSON.

    openapi_gen.py docs/openapi.yaml OUT.c

The edge serves GET /v1/openapi.json from the bytes compiled in (edge/openapi.h), so the
binary, its route table and the document it serves cannot drift apart, and no deployment has
to ship or point at a file. The output goes to the build directory only (never committed).
Needs Debian's python3-yaml. An unparsable document fails the build.
"""

import hashlib
import json
import sys

import yaml


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or "paths" not in doc:
        sys.exit("%s: not an OpenAPI document (no paths)" % src)
    data = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=False).encode()
    etag = hashlib.sha256(data).hexdigest()[:32]
    lines = []
    for i in range(0, len(data), 16):
        lines.append("    " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",")
    with open(out, "w", encoding="ascii") as f:
        f.write("/* Generated from %s by edge/openapi_gen.py: do not edit. */\n" % src)
        f.write('#include "openapi.h"\n\n')
        f.write("const unsigned char edge_openapi_json[] = {\n%s\n    0x00};\n" % "\n".join(lines))
        f.write("const size_t edge_openapi_json_len = %d;\n" % len(data))
        f.write('const char edge_openapi_etag[] = "%s";\n' % etag)


if __name__ == "__main__":
    main()

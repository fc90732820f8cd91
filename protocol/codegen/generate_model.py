"""Spec parsing, C++ type mapping and per-message code emission for generate.py."""
import os
import re

MAX_VERSION = 32767
PRIMITIVES = {
    "int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "int64": "int64_t",
    "uint16": "uint16_t", "float64": "double", "bool": "bool", "uuid": "Uuid",
    "string": "std::string", "bytes": "Bytes", "records": "RecordsView",
}
INT_TYPES = {"int8", "int16", "int32", "int64", "uint16"}
CPP_KEYWORDS = {"default", "delete", "new", "operator", "class", "struct", "template", "this",
                "union", "register", "export", "auto", "int", "char", "bool", "size", "encode",
                "decode", "switch", "case", "public", "private", "namespace", "friend"}


class SpecError(Exception):
    pass


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = s.lower()
    return s + "_" if s in CPP_KEYWORDS else s


def parse_range(text, where):
    if text == "none":
        return None
    m = re.fullmatch(r"(\d+)(\+|-(\d+))?", text)
    if not m:
        raise SpecError("%s: bad version range %r" % (where, text))
    lo = int(m.group(1))
    if m.group(2) == "+":
        return (lo, MAX_VERSION)
    if m.group(3) is not None:
        return (lo, int(m.group(3)))
    return (lo, lo)


class Field:
    def __init__(self, tokens, where):
        if len(tokens) < 3:
            raise SpecError("%s: field needs NAME TYPE VERSIONS" % where)
        self.name, self.type = tokens[0], tokens[1]
        self.versions = parse_range(tokens[2], where)
        self.nullable = None
        self.tag = None
        self.tagged = None
        self.flex = "inherit"
        self.default = None
        for opt in tokens[3:]:
            key, _, val = opt.partition("=")
            if key == "null":
                self.nullable = parse_range(val, where)
            elif key == "tag":
                tag, _, rng = val.partition("@")
                self.tag = int(tag)
                self.tagged = parse_range(rng, where)
            elif key == "flex":
                self.flex = parse_range(val, where)
            elif key == "default":
                self.default = "" if val == '""' else val
            else:
                raise SpecError("%s: unknown option %r" % (where, opt))
        if self.versions is None:
            raise SpecError("%s: field %s has no versions" % (where, self.name))
        self.cpp = snake(self.name)
        self.is_array = self.type.startswith("[]")
        self.elem = self.type[2:] if self.is_array else self.type
        # Regular (non-tagged) versions: the field's versions minus the tagged suffix.
        self.regular = self.versions
        if self.tagged:
            if self.tagged[1] != self.versions[1] or self.tagged[0] < self.versions[0]:
                raise SpecError("%s: taggedVersions must be a suffix of versions" % where)
            self.regular = None if self.tagged[0] == self.versions[0] else (
                self.versions[0], self.tagged[0] - 1)

    def is_struct(self):
        return self.elem not in PRIMITIVES

    def nullable_any(self):
        return self.nullable is not None


class Struct:
    def __init__(self, name, common):
        self.name, self.common, self.fields = name, common, []


class Message:
    def __init__(self, tokens, where):
        if len(tokens) < 3:
            raise SpecError("%s: message needs NAME KIND options" % where)
        self.name, self.kind = tokens[1], tokens[2]
        if self.kind not in ("request", "response", "header"):
            raise SpecError("%s: kind must be request, response or header" % where)
        self.key = -1
        self.valid = None
        self.flex = None
        for opt in tokens[3:]:
            key, _, val = opt.partition("=")
            if key == "key":
                self.key = int(val)
            elif key == "valid":
                self.valid = parse_range(val, where)
            elif key == "flex":
                self.flex = parse_range(val, where)
            else:
                raise SpecError("%s: unknown option %r" % (where, opt))
        if self.valid is None:
            raise SpecError("%s: message needs valid=" % where)
        self.root = Struct(self.name, False)
        self.structs = {}  # name -> Struct, nested ones only

    def first_flexible(self):
        return self.flex[0] if self.flex else None


def parse_spec(path):
    msg = None
    current = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            where = "%s:%d" % (os.path.basename(path), lineno)
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            tokens = line.split()
            if tokens[0] == "message":
                if msg is not None:
                    raise SpecError("%s: one message per spec file" % where)
                msg = Message(tokens, where)
                current = msg.root
            elif tokens[0] in ("struct", "common"):
                if msg is None or len(tokens) != 2:
                    raise SpecError("%s: bad struct line" % where)
                if tokens[1] in msg.structs:
                    raise SpecError("%s: duplicate struct %s" % (where, tokens[1]))
                current = Struct(tokens[1], tokens[0] == "common")
                msg.structs[tokens[1]] = current
            else:
                if current is None:
                    raise SpecError("%s: field before message line" % where)
                current.fields.append(Field(tokens, where))
    if msg is None:
        raise SpecError("%s: no message line" % path)
    for st in [msg.root] + list(msg.structs.values()):
        seen = set()
        for fld in st.fields:
            if fld.cpp in seen:
                raise SpecError("%s: duplicate field %s in %s" % (path, fld.name, st.name))
            seen.add(fld.cpp)
            if fld.is_struct() and fld.elem not in msg.structs:
                raise SpecError("%s: unknown type %s" % (path, fld.elem))
            if fld.type == "records" and fld.tagged:
                raise SpecError("%s: tagged records are not supported" % path)
        tags = [f.tag for f in st.fields if f.tagged]
        if len(tags) != len(set(tags)):
            raise SpecError("%s: duplicate tag in %s" % (path, st.name))
    return msg


# ---------------------------------------------------------------------------------------------
# C++ helpers


def range_cond(rng, var="v"):
    if rng is None:
        return "false"
    lo, hi = rng
    parts = []
    if lo > 0:
        parts.append("%s >= %d" % (var, lo))
    if hi < MAX_VERSION:
        parts.append("%s <= %d" % (var, hi))
    return "(" + " && ".join(parts) + ")" if parts else "true"


def elem_cpp(elem):
    return PRIMITIVES.get(elem, elem)


def field_cpp_type(f):
    if f.is_array:
        t = "std::vector<%s>" % elem_cpp(f.elem)
        return "std::optional<%s>" % t if f.nullable_any() else t
    if f.type in ("string", "bytes") and f.nullable_any():
        return "std::optional<%s>" % PRIMITIVES[f.type]
    return elem_cpp(f.type)


def int_literal(ctype, text):
    v = int(text, 0)
    if ctype == "int64_t":
        if v == -(2 ** 63):
            return "INT64_MIN"
        return "INT64_C(%d)" % v
    if ctype == "int32_t" and v == -(2 ** 31):
        return "INT32_MIN"
    return str(v)


def cpp_string_literal(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_init(f):
    """C++ initializer expression for the field's default, or '' for value-initialisation."""
    d = f.default
    if f.is_array:
        if f.nullable_any() and d != "null":
            return "%s()" % ("std::vector<%s>" % elem_cpp(f.elem))
        return "std::nullopt" if (f.nullable_any() and d == "null") else ""
    if f.type == "records":
        return ""
    if f.type in ("string", "bytes"):
        if d == "null":
            if not f.nullable_any():
                raise SpecError("%s: default null on a non-nullable field" % f.name)
            return "std::nullopt"
        if f.type == "bytes":
            return "Bytes()" if f.nullable_any() else ""
        if d:
            return "std::string(%s)" % cpp_string_literal(d)
        return "std::string()" if f.nullable_any() else ""
    if d is None:
        return ""
    ctype = elem_cpp(f.type)
    if f.type == "bool":
        if d not in ("true", "false"):
            raise SpecError("%s: bad bool default %r" % (f.name, d))
        return d
    if f.type in INT_TYPES:
        return int_literal(ctype, d)
    if f.type == "float64":
        return repr(float(d))
    if f.type == "uuid":
        return ""
    raise SpecError("%s: default not supported for type %s" % (f.name, f.type))


def default_value_expr(f, obj="x"):
    # decltype keeps nested struct types resolvable outside the message's scope.
    t = "std::decay_t<decltype(%s.%s)>" % (obj, f.cpp)
    init = default_init(f)
    return "%s(%s)" % (t, init) if init else "%s{}" % t


def write_prim(elem, expr, w):
    return "%s.write_%s(%s);" % (w, {"float64": "float64"}.get(elem, elem), expr)


def encode_value(f, expr, w, nullable, flex, ind, counts_error=False):
    """Lines that write one field value (expr) to writer w."""
    p = " " * ind
    if counts_error:
        return [p + "%s.write_error_code(%s);" % (w, expr)]
    if f.is_array:
        lines = [p + "for (const auto& e : detail::write_array_header(%s, %s, %s, %s)) {" %
                 (w, expr, nullable, flex)]
        if f.is_struct():
            lines.append(p + "  encode_impl(e, %s, v);" % w)
        elif f.elem == "string":
            lines.append(p + "  detail::write_string_field(%s, e, false, %s);" % (w, flex))
        elif f.elem in ("bytes", "records"):
            raise SpecError("arrays of %s are not supported" % f.elem)
        else:
            lines.append(p + "  " + write_prim(f.elem, "e", w))
        lines.append(p + "}")
        return lines
    if f.is_struct():
        return [p + "encode_impl(%s, %s, v);" % (expr, w)]
    if f.type == "string":
        return [p + "detail::write_string_field(%s, %s, %s, %s);" % (w, expr, nullable, flex)]
    if f.type == "bytes":
        return [p + "detail::write_bytes_field(%s, %s, %s, %s);" % (w, expr, nullable, flex)]
    if f.type == "records":
        return [p + "detail::write_records_field(%s, %s, %s, %s);" % (w, expr, nullable, flex)]
    return [p + write_prim(f.type, expr, w)]


def decode_value(f, expr, r, nullable, flex, ind):
    p = " " * ind
    if f.is_array:
        lines = [p + "{",
                 p + "  const int32_t n = detail::read_array_count(%s, %s, %s);" % (r, nullable, flex),
                 p + "  if (n < 0) {",
                 p + "    detail::set_null(%s);" % expr,
                 p + "  } else {",
                 p + "    auto& items = detail::begin_array(detail::vec(%s), n);" % expr,
                 p + "    for (int32_t i = 0; i < n; ++i) {"]
        if f.is_struct():
            lines.append(p + "      decode_impl(items.emplace_back(), %s, v);" % r)
        elif f.elem == "string":
            lines.append(p + "      detail::read_string_field(%s, items.emplace_back(), false, %s);"
                         % (r, flex))
        else:
            lines.append(p + "      items.push_back(%s.read_%s());" % (r, f.elem))
        lines += [p + "    }", p + "  }", p + "}"]
        return lines
    if f.is_struct():
        return [p + "decode_impl(%s, %s, v);" % (expr, r)]
    if f.type == "string":
        return [p + "detail::read_string_field(%s, %s, %s, %s);" % (r, expr, nullable, flex)]
    if f.type == "bytes":
        return [p + "detail::read_bytes_field(%s, %s, %s, %s);" % (r, expr, nullable, flex)]
    if f.type == "records":
        return [p + "detail::read_records_field(%s, %s, %s, %s);" % (r, expr, nullable, flex)]
    return [p + "%s = %s.read_%s();" % (expr, r, f.type)]


def counts_error(f, msg):
    """A response's ErrorCode field: the writer tallies it for the ErrorsPerSec metric."""
    return msg.kind == "response" and f.name == "ErrorCode" and f.type == "int16"


def field_flex(f, msg):
    if f.flex == "inherit":
        return "fl"
    return "(fl && %s)" % range_cond(f.flex)


def sorted_structs(msg):
    """Nested structs in dependency order (a struct after every struct it contains)."""
    out, done = [], set()

    def visit(name, stack):
        if name in done:
            return
        if name in stack:
            raise SpecError("%s: recursive struct %s" % (msg.name, name))
        for f in msg.structs[name].fields:
            if f.is_struct():
                visit(f.elem, stack | {name})
        done.add(name)
        out.append(msg.structs[name])

    for name in msg.structs:
        visit(name, set())
    return out


def qualified(msg, st):
    return msg.name if st is msg.root else "%s::%s" % (msg.name, st.name)


# ---------------------------------------------------------------------------------------------
# Emitters

BANNER = "// Generated by protocol/codegen/generate.py from protocol/specs/%s. Do not edit.\n"


def emit_struct_decl(msg, st, ind):
    p = " " * ind
    out = [p + "struct %s {" % st.name]
    if st is msg.root:
        ff = msg.first_flexible()
        out += [p + "  static constexpr int16_t kApiKey = %d;" % msg.key,
                p + "  static constexpr int16_t kMinVersion = %d;" % msg.valid[0],
                p + "  static constexpr int16_t kMaxVersion = %d;" % msg.valid[1],
                p + "  static constexpr int16_t kFirstFlexibleVersion = %s;" %
                (str(ff) if ff is not None else "kNoFlexibleVersion"),
                p + "  static constexpr const char* kName = \"%s\";" % msg.name, ""]
        for sub in sorted_structs(msg):
            out += emit_struct_decl(msg, sub, ind + 2)
            out.append("")
    for f in st.fields:
        init = default_init(f)
        ctype = field_cpp_type(f)
        out.append(p + "  %s %s%s;" % (ctype, f.cpp, (" = " + init) if init else "{}"))
    if st.fields:
        out.append("")
    out += [p + "  void decode(Reader& reader, int16_t version);",
            p + "  void encode(Writer& writer, int16_t version) const;",
            p + "  size_t size(int16_t version) const;",
            p + "  bool operator==(const %s& other) const;" % st.name,
            p + "};"]
    return out


def emit_header(msg, spec_name):
    out = [BANNER % spec_name, "#pragma once", "", "#include <cstddef>", "#include <cstdint>",
           "#include <optional>", "#include <span>", "#include <string>", "#include <vector>", "",
           '#include "protocol/message_support.h"', "", "namespace samsa::protocol {", ""]
    out += emit_struct_decl(msg, msg.root, 0)
    out += ["", "}  // namespace samsa::protocol", ""]
    return "\n".join(out)


def emit_encode_fn(msg, st):
    q = qualified(msg, st)
    out = ["template <class W>", "void encode_impl(const %s& x, W& w, int16_t v) {" % q,
           "  (void)x;", "  (void)v;",
           "  [[maybe_unused]] const bool fl = %s;" % range_cond(msg.flex)]
    for f in st.fields:
        if f.regular is None:
            continue
        cond = range_cond(f.regular)
        body = encode_value(f, "x." + f.cpp, "w", range_cond(f.nullable), field_flex(f, msg), 4,
                            counts_error(f, msg))
        out += ["  if %s {" % cond if cond != "true" else "  {"] + body + ["  }"]
    tagged = sorted((f for f in st.fields if f.tagged), key=lambda f: f.tag)
    out.append("  if (fl) {")
    if tagged:
        out.append("    uint32_t tagged = 0;")
        conds = {}
        for f in tagged:
            conds[f.cpp] = "%s && !detail::field_eq(x.%s, %s)" % (
                range_cond(f.tagged), f.cpp, default_value_expr(f))
            out.append("    if (%s) ++tagged;" % conds[f.cpp])
        out.append("    w.write_unsigned_varint(tagged);")
        for f in tagged:
            nullable = range_cond(f.nullable)
            out += ["    if (%s) {" % conds[f.cpp],
                    "      w.write_unsigned_varint(%d);" % f.tag,
                    "      SizeCounter c;"]
            out += encode_value(f, "x." + f.cpp, "c", nullable, "true", 6)
            out.append("      w.write_unsigned_varint(static_cast<uint32_t>(c.size()));")
            out += encode_value(f, "x." + f.cpp, "w", nullable, "true", 6)
            out.append("    }")
    else:
        out.append("    w.write_unsigned_varint(0);")
    out += ["  }", "}", ""]
    return out


def emit_decode_fn(msg, st):
    q = qualified(msg, st)
    out = ["void decode_impl(%s& x, Reader& r, int16_t v) {" % q, "  (void)x;", "  (void)v;",
           "  [[maybe_unused]] const bool fl = %s;" % range_cond(msg.flex)]
    for f in st.fields:
        if f.regular is None:
            continue
        cond = range_cond(f.regular)
        body = decode_value(f, "x." + f.cpp, "r", range_cond(f.nullable), field_flex(f, msg), 4)
        out += ["  if %s {" % cond if cond != "true" else "  {"] + body + ["  }"]
    tagged = sorted((f for f in st.fields if f.tagged), key=lambda f: f.tag)
    out.append("  if (fl) {")
    if tagged:
        out += ["    const uint32_t num_tagged = r.read_unsigned_varint();",
                "    if (num_tagged > r.remaining()) {",
                "      throw DecodeError(\"tagged field count exceeds remaining bytes\");",
                "    }",
                "    for (uint32_t t = 0; t < num_tagged; ++t) {",
                "      const uint32_t tag = r.read_unsigned_varint();",
                "      const auto data = r.read_span(r.read_unsigned_varint());",
                "      Reader sub(data.data(), data.size());"]
        first = True
        for f in tagged:
            kw = "if" if first else "} else if"
            first = False
            out.append("      %s (tag == %d && %s) {" % (kw, f.tag, range_cond(f.tagged)))
            out += decode_value(f, "x." + f.cpp, "sub", range_cond(f.nullable), "true", 8)
        out += ["      }", "      // Unknown tags were consumed by read_span above and are ignored.",
                "    }"]
    else:
        out.append("    detail::skip_tagged_fields(r);")
    out += ["  }", "}", ""]
    return out


def emit_members(msg, st):
    q = qualified(msg, st)
    out = []
    check_dec = check_enc = ""
    if st is msg.root:
        check_dec = ("  if (version < kMinVersion || version > kMaxVersion) {\n"
                     "    throw DecodeError(std::string(\"unsupported %s version \") + "
                     "std::to_string(version));\n  }\n" % msg.name)
        check_enc = check_dec.replace("DecodeError", "EncodeError")
    out.append("void %s::decode(Reader& reader, int16_t version) {\n%s  decode_impl(*this, reader, "
               "version);\n}\n" % (q, check_dec))
    out.append("void %s::encode(Writer& writer, int16_t version) const {\n%s  encode_impl(*this, "
               "writer, version);\n}\n" % (q, check_enc))
    out.append("size_t %s::size(int16_t version) const {\n%s  SizeCounter c;\n  encode_impl(*this, c, "
               "version);\n  return c.size();\n}\n" % (q, check_enc))
    if st.fields:
        eq = " &&\n         ".join("detail::field_eq(%s, other.%s)" % (f.cpp, f.cpp) for f in st.fields)
        out.append("bool %s::operator==(const %s& other) const {\n  return %s;\n}\n" % (q, q, eq))
    else:
        out.append("bool %s::operator==(const %s& other) const {\n  (void)other;\n  return true;\n}\n"
                   % (q, q))
    return out


def emit_source(msg, spec_name, snake_name):
    structs = sorted_structs(msg) + [msg.root]
    out = [BANNER % spec_name, '#include "protocol/messages/%s.h"' % snake_name, "",
           "#include <string>", "#include <type_traits>", "", "namespace samsa::protocol {",
           "namespace {", ""]
    for st in structs:
        out.append("void decode_impl(%s& x, Reader& r, int16_t v);" % qualified(msg, st))
        out.append("template <class W>\nvoid encode_impl(const %s& x, W& w, int16_t v);" %
                   qualified(msg, st))
    out.append("")
    for st in structs:
        out += emit_decode_fn(msg, st)
        out += emit_encode_fn(msg, st)
    out += ["}  // namespace", ""]
    for st in structs:
        out += emit_members(msg, st)
    out += ["}  // namespace samsa::protocol", ""]
    return "\n".join(out)

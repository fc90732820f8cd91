// Helpers used by the generated message codecs (protocol/messages/*.cc). They take the
// "nullable in this version" and "flexible in this version" decisions as runtime flags so the
// generator stays small. Not part of the public API for other modules.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/reader.h"
#include "protocol/types.h"
#include "protocol/writer.h"

namespace samsa::protocol {

using RecordsView = std::optional<std::span<const uint8_t>>;

namespace detail {

// Upper bound on elements reserved up front; the count was already checked against the bytes
// left, this keeps a large-but-plausible count from multiplying into a huge allocation.
inline constexpr size_t kMaxReserve = 4096;

template <class T>
bool field_eq(const T& a, const T& b) {
  return a == b;
}
inline bool field_eq(const RecordsView& a, const RecordsView& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->size() == b->size() &&
         (a->empty() || std::memcmp(a->data(), b->data(), a->size()) == 0);
}

inline const std::string& value_or_empty(const std::string& s) {
  return s;
}
inline const std::string& value_or_empty(const std::optional<std::string>& s) {
  static const std::string kEmpty;
  return s ? *s : kEmpty;
}

// ---- strings ----
template <class W>
void write_string_field(W& w, const std::string& s, bool nullable, bool flexible) {
  (void)nullable;
  if (flexible) {
    w.write_compact_string(s);
  } else {
    w.write_string(s);
  }
}
template <class W>
void write_string_field(W& w, const std::optional<std::string>& s, bool nullable, bool flexible) {
  if (nullable) {
    if (flexible) {
      w.write_compact_nullable_string(s);
    } else {
      w.write_nullable_string(s);
    }
  } else {
    write_string_field(w, value_or_empty(s), false, flexible);
  }
}
inline void read_string_field(Reader& r, std::string& out, bool nullable, bool flexible) {
  (void)nullable;
  out = flexible ? r.read_compact_string() : r.read_string();
}
inline void read_string_field(Reader& r, std::optional<std::string>& out, bool nullable,
                              bool flexible) {
  if (nullable) {
    out = flexible ? r.read_compact_nullable_string() : r.read_nullable_string();
  } else {
    out = flexible ? r.read_compact_string() : r.read_string();
  }
}

// ---- bytes ----
template <class W>
void write_bytes_field(W& w, const Bytes& b, bool nullable, bool flexible) {
  (void)nullable;
  if (flexible) {
    w.write_compact_bytes(b);
  } else {
    w.write_bytes(b);
  }
}
template <class W>
void write_bytes_field(W& w, const std::optional<Bytes>& b, bool nullable, bool flexible) {
  if (nullable) {
    std::optional<std::span<const uint8_t>> view;
    if (b) view = std::span<const uint8_t>(*b);
    if (flexible) {
      w.write_compact_nullable_bytes(view);
    } else {
      w.write_nullable_bytes(view);
    }
  } else {
    static const Bytes kEmpty;
    write_bytes_field(w, b ? *b : kEmpty, false, flexible);
  }
}
inline void read_bytes_field(Reader& r, Bytes& out, bool nullable, bool flexible) {
  (void)nullable;
  out = flexible ? r.read_compact_bytes() : r.read_bytes();
}
inline void read_bytes_field(Reader& r, std::optional<Bytes>& out, bool nullable, bool flexible) {
  if (nullable) {
    out = flexible ? r.read_compact_nullable_bytes() : r.read_nullable_bytes();
  } else {
    out = flexible ? r.read_compact_bytes() : r.read_bytes();
  }
}

// ---- records (a view, never copied) ----
template <class W>
void write_records_field(W& w, const RecordsView& b, bool nullable, bool flexible) {
  if (!b && nullable) {
    if (flexible) {
      w.write_unsigned_varint(0);
    } else {
      w.write_int32(-1);
    }
    return;
  }
  w.write_records(b ? *b : std::span<const uint8_t>(), flexible);
}
inline void read_records_field(Reader& r, RecordsView& out, bool nullable, bool flexible) {
  const int32_t len = r.read_bytes_length(flexible);
  if (len < 0) {
    if (!nullable) throw DecodeError("null records in a version where they are not nullable");
    out = std::nullopt;
    return;
  }
  out = r.read_span(static_cast<size_t>(len));
}

// ---- arrays ----
template <class T>
std::vector<T>& vec(std::vector<T>& v) {
  return v;
}
template <class T>
std::vector<T>& vec(std::optional<std::vector<T>>& v) {
  if (!v) v.emplace();
  return *v;
}
template <class T>
void set_null(std::vector<T>& v) {
  v.clear();
}
template <class T>
void set_null(std::optional<std::vector<T>>& v) {
  v.reset();
}

// Writes the count and returns the elements to write next (none when null).
template <class W, class T>
const std::vector<T>& write_array_header(W& w, const std::vector<T>& a, bool nullable,
                                         bool flexible) {
  (void)nullable;
  if (a.size() >= static_cast<size_t>(INT32_MAX)) throw EncodeError("array too long");
  if (flexible) {
    w.write_unsigned_varint(static_cast<uint32_t>(a.size() + 1));
  } else {
    w.write_int32(static_cast<int32_t>(a.size()));
  }
  return a;
}
template <class W, class T>
const std::vector<T>& write_array_header(W& w, const std::optional<std::vector<T>>& a,
                                         bool nullable, bool flexible) {
  static const std::vector<T> kEmpty;
  if (!a && nullable) {
    if (flexible) {
      w.write_unsigned_varint(0);
    } else {
      w.write_int32(-1);
    }
    return kEmpty;
  }
  return write_array_header(w, a ? *a : kEmpty, false, flexible);
}

// Reads an array count; -1 (null) only where the version allows it.
inline int32_t read_array_count(Reader& r, bool nullable, bool flexible) {
  const int32_t n = r.read_array_length(flexible);
  if (n < 0 && !nullable) throw DecodeError("null array in a version where it is not nullable");
  return n;
}

template <class T>
std::vector<T>& begin_array(std::vector<T>& items, int32_t n) {
  items.clear();
  items.reserve(std::min(static_cast<size_t>(n), kMaxReserve));
  return items;
}

// ---- tagged fields ----
inline void skip_tagged_fields(Reader& r) {
  const uint32_t n = r.read_unsigned_varint();
  if (n > r.remaining()) throw DecodeError("tagged field count exceeds remaining bytes");
  for (uint32_t i = 0; i < n; ++i) {
    r.read_unsigned_varint();  // tag
    r.skip(r.read_unsigned_varint());
  }
}

}  // namespace detail
}  // namespace samsa::protocol

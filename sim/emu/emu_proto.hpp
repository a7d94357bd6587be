// emu_proto.hpp - the protobuf wire format (proto2), as much as the hw_emu
// device process needs: decode a message into its last value per field
// number, encode varint, fixed64 and length-delimited fields. Field numbers
// come from XRT 2.13's rpc_messages.proto (see hta_emu_device.cpp).
#ifndef HTA_EMU_PROTO_HPP
#define HTA_EMU_PROTO_HPP

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

class Fields {
 public:
  // false on a malformed message (truncated varint or field, bad wire type)
  bool parse(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
      uint64_t key;
      if (!varint(p, n, i, key)) return false;
      const uint32_t field = static_cast<uint32_t>(key >> 3);
      switch (key & 7u) {
        case 0: {
          uint64_t v;
          if (!varint(p, n, i, v)) return false;
          num_[field] = v;
          break;
        }
        case 1:
        case 5: {
          const size_t w = (key & 7u) == 1 ? 8 : 4;
          if (n - i < w) return false;
          uint64_t v = 0;
          for (size_t b = 0; b < w; b++) v |= static_cast<uint64_t>(p[i + b]) << (8 * b);
          num_[field] = v;
          i += w;
          break;
        }
        case 2: {
          uint64_t len;
          if (!varint(p, n, i, len) || len > n - i) return false;
          str_[field].assign(reinterpret_cast<const char *>(p + i), static_cast<size_t>(len));
          i += static_cast<size_t>(len);
          break;
        }
        default:
          return false;
      }
    }
    return true;
  }
  uint64_t u64(uint32_t field) const {
    auto it = num_.find(field);
    return it == num_.end() ? 0 : it->second;
  }
  const std::string &bytes(uint32_t field) const {
    static const std::string empty;
    auto it = str_.find(field);
    return it == str_.end() ? empty : it->second;
  }

 private:
  static bool varint(const uint8_t *p, size_t n, size_t &i, uint64_t &v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i >= n) return false;
      const uint8_t b = p[i++];
      v |= static_cast<uint64_t>(b & 0x7fu) << shift;
      if (!(b & 0x80u)) return true;
    }
    return false;
  }
  std::map<uint32_t, uint64_t> num_;
  std::map<uint32_t, std::string> str_;
};

class Writer {
 public:
  void u64(uint32_t field, uint64_t v) {
    key(field, 0);
    varint(v);
  }
  void boolean(uint32_t field, bool v) { u64(field, v ? 1 : 0); }
  void fixed64(uint32_t field, uint64_t v) {
    key(field, 1);
    for (int b = 0; b < 8; b++) out_.push_back(static_cast<char>(v >> (8 * b)));
  }
  void bytes(uint32_t field, const std::string &s) {
    key(field, 2);
    varint(s.size());
    out_ += s;
  }
  const std::string &data() const { return out_; }

 private:
  void key(uint32_t field, unsigned wire) { varint(static_cast<uint64_t>(field) << 3 | wire); }
  void varint(uint64_t v) {
    while (v >= 0x80u) {
      out_.push_back(static_cast<char>((v & 0x7fu) | 0x80u));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

#endif  // HTA_EMU_PROTO_HPP

// bits.hpp - move Verilator port values of any width to and from arrays of
// 32-bit words, so the bus models never see Verilator's types.
//
// Verilator picks the C++ type of a port from its width: CData (<= 8 bits),
// SData (<= 16), IData (<= 32), QData (<= 64) and VlWide<N> (N 32-bit words)
// above that. Every legal AXI data width is a power of two, so the type alone
// tells the width exactly; PortBits<T> gives it at compile time. That is how the
// harness follows BusBits of whatever top it is compiled against, with no
// configuration header to keep in sync.
#ifndef HTA_SIM_BITS_HPP
#define HTA_SIM_BITS_HPP

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "verilated.h"

namespace htasim {

template <class T> struct PortBits {
  static_assert(std::is_integral<T>::value, "unexpected Verilator port type");
  static constexpr unsigned value = 8 * sizeof(T);
};
template <std::size_t N> struct PortBits<VlWide<N>> {
  static constexpr unsigned value = 32 * N;
};

// Width of a port given as a member of the model (Verilator declares ports as
// references into the model's root, so strip the reference first).
template <class Member> constexpr unsigned port_bits() {
  return PortBits<typename std::remove_cv<typename std::remove_reference<Member>::type>::type>::value;
}

// Verilator renames ports that are C++ words ("interrupt" becomes
// __SYM__interrupt in 5.006); these find the port under either name.
template <class T>
inline auto interrupt_of(const T *t, int) -> decltype(bool(t->__SYM__interrupt)) {
  return t->__SYM__interrupt;
}
template <class T>
inline auto interrupt_of(const T *t, long) -> decltype(bool(t->interrupt)) {
  return t->interrupt;
}

// Pointer to the value as little-endian 32-bit words. Wide ports are viewed in
// place; narrow ones are copied into tmp (at least 2 words).
template <std::size_t N>
inline const uint32_t *words_of(const VlWide<N> &v, uint32_t * /*tmp*/) {
  return v.data();
}
template <class T>
inline const uint32_t *words_of(const T &v, uint32_t *tmp) {
  static_assert(std::is_integral<T>::value, "unexpected Verilator port type");
  const uint64_t x = static_cast<uint64_t>(v);
  tmp[0] = static_cast<uint32_t>(x);
  tmp[1] = static_cast<uint32_t>(x >> 32);
  return tmp;
}

// Store words into a port.
template <std::size_t N>
inline void set_words(VlWide<N> &v, const uint32_t *src) {
  for (std::size_t i = 0; i < N; ++i) v.at(i) = src[i];
}
template <class T> inline void set_words(T &v, const uint32_t *src) {
  static_assert(std::is_integral<T>::value, "unexpected Verilator port type");
  uint64_t x = src[0];
  if (sizeof(T) > 4) x |= static_cast<uint64_t>(src[1]) << 32;
  v = static_cast<T>(x);
}

}  // namespace htasim

#endif  // HTA_SIM_BITS_HPP

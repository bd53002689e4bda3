#include "net/frame_gather.h"

#include "lwip/pbuf.h"

namespace godwit::net {

size_t gather_pbuf_chain(const pbuf* chain, std::span<std::span<const uint8_t>> pieces) {
  size_t count = 0;
  size_t total = 0;
  for (const pbuf* p = chain; p != nullptr; p = p->next) {
    if (p->len == 0) continue;
    if (count == pieces.size()) return 0;
    pieces[count++] = {static_cast<const uint8_t*>(p->payload), p->len};
    total += p->len;
  }
  return chain != nullptr && total == chain->tot_len ? count : 0;
}

}  // namespace godwit::net

// One guest arriving on this node: a MigrationReceiver (migration/) over the accepted
// TCP connection this object owns, building the guest through VmDestination. It hears
// the connection's events itself (net::TcpEvents); report() writes the
// migration_received @event once the receiver has finished.
#pragma once

#include <span>

#include "kernel/migrate/tcp_channel.h"
#include "kernel/migrate/vm_destination.h"
#include "migration/migration_receiver.h"
#include "net/tcp_stream.h"

namespace godwit::migrate {

class IncomingMigration final : public net::TcpEvents {
 public:
  // `body`, `coverage`, `digest_terms` and `holds_data` are the service's buffers (one
  // incoming migration at a time). `present` and `requested`: the post-copy presence
  // map's storage.
  IncomingMigration(const migration::ReceiverConfig& config, std::span<uint8_t> body,
                    std::span<uint64_t> coverage, std::span<uint64_t> digest_terms,
                    std::span<uint64_t> holds_data, std::span<uint64_t> present,
                    std::span<uint64_t> requested, migration::Clock& clock)
      : destination_(holds_data),
        receiver_(config, destination_, channel_, clock, body, coverage, digest_terms) {
    receiver_.enable_postcopy(present, requested);
    destination_.set_receiver(receiver_);
  }

  // The stream the listener hands the accepted connection to.
  net::TcpStream& stream() { return stream_; }
  // Starts the receiver once the accepted stream is open, then pumps it.
  void pump();
  // The receiver has finished, or the connection ended before it could start (a peer
  // that completed the handshake with FIN, or reset right after it: issue 15, finding 4).
  bool finished() const {
    return closed_before_start_ ||
           (!recovery_pending_ && receiver_.outcome() != migration::MigrationReceiver::Outcome::kInProgress);
  }
  // Writes migration_received and, when the guest runs here, lets go of it.
  void report();

  // Post-copy recovery (decision 0023): the migration stranded its guest here (paused), so
  // the next connection to the migration port goes to it (take_recovery_connection: only
  // a source that proves it is this migration's gets anything), or the operator gives it up
  // (abandon: the guest stays paused, let go).
  bool awaiting_recovery() const {
    return receiver_.recoverable() && destination_.guest() != nullptr && destination_.guest()->live();
  }
  net::TcpStream& take_recovery_connection();
  void abandon() { destination_.abandon(); }
  // Reported and waiting for a recovery connection: the service neither pumps nor reports it.
  bool parked() const { return parked_; }
  void park() { parked_ = true; }
  uint32_t guest_id() const { return destination_.guest() != nullptr ? destination_.guest()->id : 0; }
  // Keeps how this migration ended here in `book` (when it named one and has ended), so a
  // later recovery of it gets an answer: `given_up` after abandon().
  void remember_outcome(migration::RecentOutcomes& book, bool given_up = false) const {
    if (!receiver_.identified()) return;
    migration::RecoveryVerdict verdict =
        given_up ? migration::RecoveryVerdict::kGivenUp : receiver_.verdict();
    if (verdict != migration::RecoveryVerdict::kUnknown) book.remember(receiver_.session(), verdict);
  }

  // net::TcpEvents (an accepted stream reports no on_connected)
  void on_receive(net::TcpStream&, std::span<const uint8_t> bytes) override;
  void on_closed(net::TcpStream&, net::TcpEnd why) override;

 private:
  net::TcpStream stream_{*this};
  TcpChannel channel_{stream_};
  VmDestination destination_;
  migration::MigrationReceiver receiver_;
  void start();  // the receiver sends CHALLENGE and takes bytes from here on
  void report_progress();

  bool started_ = false;
  uint32_t rounds_reported_ = 0;
  bool end_reported_ = false;
  bool verified_reported_ = false;
  // The stream closed before pump() started the receiver, which then ignores the end:
  // without this the node's one incoming slot would stay taken for good.
  bool closed_before_start_ = false;
  net::TcpEnd early_end_ = net::TcpEnd::kPeerClosed;
  bool parked_ = false;
  // A recovery connection was accepted; the receiver resumes once it is open (pump), so a
  // connection that ends before that leaves the migration as stranded as it was.
  bool recovery_pending_ = false;
};

}  // namespace godwit::migrate

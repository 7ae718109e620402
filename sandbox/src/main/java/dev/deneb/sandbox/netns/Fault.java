package dev.deneb.sandbox.netns;

/**
 * A network fault a {@link NetworkLab} has in place, as nftables rules inside namespaces. Faults only
 * drop packets (nothing is rejected), so a peer sees silence, as with a pulled cable: connections
 * already established stall (TCP retransmits until its own timeouts fire) rather than being reset.
 */
public sealed interface Fault permits Fault.Cut, Fault.Isolation {

  /**
   * Packets sent by namespace {@code from} to the address of namespace {@code to} are dropped, in
   * {@code from}'s output chain; packets from {@code to} to {@code from} are still delivered.
   *
   * <p>What that means for TCP: a connection needs both directions, so it fails both ways. A new
   * connection from {@code from} to {@code to} fails (its SYN is dropped), and so does one from
   * {@code to} to {@code from} (the SYN arrives, the SYN-ACK is dropped); established connections
   * between them stall in both directions. The one-way nature is visible to datagrams (UDP from
   * {@code to} still arrives) and to the peers' own view: {@code to} still receives what {@code from}
   * never sees answered. Traffic of either namespace with everyone else is untouched.
   *
   * <p>One tell that a real network would not give: the drop happens in {@code from}'s own output
   * chain, and Linux reports a locally dropped packet to its sender, so a UDP send from {@code from}
   * to {@code to} fails at once with EPERM ("Operation not permitted"). TCP hides it: SYNs and
   * segments are retransmitted silently, and connect() times out as it would on a cut cable.
   */
  record Cut(int from, int to) implements Fault {}

  /**
   * Everything through namespace {@code namespace}'s link is dropped, both ways, in its output and
   * input chains: it can reach no other namespace and not the host, and nothing reaches it. Only its
   * loopback still works.
   */
  record Isolation(int namespace) implements Fault {}
}

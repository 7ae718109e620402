package dev.deneb.controller.discovery;

/**
 * An external place that must name a cluster's primary after a failover or switchover (DESIGN
 * §3.7): an RFC 2136 DNS server, an HAProxy runtime API, a hook command. The orchestrator calls
 * {@link #publish} at the workflow's DISCOVERY_PUBLISHED step, after the new epoch is committed and
 * the new primary is promoted (S2), and retries until it succeeds.
 *
 * <p>Contract: {@code publish} is idempotent (the same publication twice does no harm: a new
 * leader repeats the step it finds in the log), bounded in time (it gives up within its own
 * timeout and throws), and refuses to go backwards where the backend can check it (RFC 2136: the
 * {@code _epoch} TXT prerequisite). It is called from the orchestrator's thread, one at a time.
 */
public interface DiscoveryBackend {
  /** A short name for logs and the {@code backend} label of metrics, e.g. "rfc2136:127.0.0.1:5353". */
  String name();

  /**
   * Makes the backend name {@code p.primary()} for {@code p.cluster()}.
   *
   * @throws DiscoveryException with a message a person can act on, when the backend did not
   *     confirm; {@link DiscoveryException#refused()} is true when the backend refused on purpose
   *     (a stale epoch), which is final: retrying the same publication cannot succeed
   */
  void publish(Publication p) throws DiscoveryException;
}

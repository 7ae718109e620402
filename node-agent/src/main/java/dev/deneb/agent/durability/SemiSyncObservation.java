package dev.deneb.agent.durability;

/**
 * What the prober read of a semi-sync primary's state ({@code SqlDialect.semiSyncStatus}).
 *
 * @param enabled the primary side is switched on (off: released by this agent, or by an operator)
 * @param waitingSessions commits waiting for an acknowledgement now
 * @param acknowledged commits acknowledged since the server started: progress, so that a busy
 *     primary whose acknowledgements flow is never mistaken for a stuck one
 * @param replicas connected semi-sync replicas
 */
public record SemiSyncObservation(boolean enabled, long waitingSessions, long acknowledged, long replicas) {}

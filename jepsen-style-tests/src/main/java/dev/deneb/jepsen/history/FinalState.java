package dev.deneb.jepsen.history;

import java.util.Set;

/**
 * What the harness read after the last heal, once the cluster settled.
 *
 * @param primaryNode the node that is primary at the end
 * @param epoch its epoch
 * @param rowsOnPrimary every written value present in the workload's table on that node
 * @param dnsAnswer the node DNS names for the cluster (the harness maps the address to the node id)
 * @param apiAnswer the node {@code GET /v1/clusters/{c}/primary} names
 * @param convergedAtNanos when API and DNS were first seen both naming {@code primaryNode}, or
 *     {@code null} when they never did
 */
public record FinalState(String primaryNode, long epoch, Set<String> rowsOnPrimary, String dnsAnswer,
    String apiAnswer, Long convergedAtNanos) {

  public FinalState {
    rowsOnPrimary = Set.copyOf(rowsOnPrimary);
  }
}

package dev.deneb.controller.failover;

import dev.deneb.protocol.HealthReport;

/**
 * One node as the leader sees it from its agent's newest report (soft state, DESIGN §3.3).
 *
 * @param reportAgeMillis how old that report is on this member's clock, less the silence its agent
 *     promised beyond the normal interval (a quiet healthy node stays fresh); -1 when there is none
 * @param downForMillis how long the agent has reported mysqld down without a break; -1 when up or unknown
 * @param receivedAgeMillis since that report arrived, promise or not: what says which of two reports
 *     was made later (a heartbeat report is fresh for its whole promise, yet tells of its sending)
 */
public record NodeView(String node, HealthReport report, long reportAgeMillis, long downForMillis, long receivedAgeMillis) {

  /** A view whose report arrived {@code reportAgeMillis} ago, with no promise beyond the normal interval. */
  public NodeView(String node, HealthReport report, long reportAgeMillis, long downForMillis) {
    this(node, report, reportAgeMillis, downForMillis, reportAgeMillis);
  }

  public static NodeView unreported(String node) {
    return new NodeView(node, HealthReport.getDefaultInstance(), -1, -1, -1);
  }

  public boolean reported() {
    return reportAgeMillis >= 0;
  }

  /** Reported within {@code staleAfterMillis}. */
  public boolean fresh(long staleAfterMillis) {
    return reported() && reportAgeMillis <= staleAfterMillis;
  }

  public boolean up() {
    return reported() && report.getMysqldUp();
  }
}

package dev.deneb.agent.fence;

/**
 * Why the agent fences, for the rungs' log lines and the STONITH hook's environment.
 *
 * @param cluster the managed cluster
 * @param node this agent's node
 * @param epoch the highest epoch the agent has seen when it decided to fence
 * @param reason the lease keeper's reason and detail, e.g. {@code LEASE_EXPIRING: lease ends in 480 ms}
 */
public record FenceRequest(String cluster, String node, long epoch, String reason) {}

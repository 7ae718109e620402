package dev.deneb.controller.lease;

/** One lease: the primary {@code node} of {@code cluster} in {@code epoch}. */
public record LeaseKey(String cluster, String node, long epoch) {}

package dev.deneb.sandbox.netns;

/**
 * One namespace of a {@link NetworkLab}.
 *
 * @param index its position in the lab, as passed to {@code cut}, {@code isolate}, ...
 * @param name the name {@code ip netns} knows it by
 * @param address its IPv4 address on the lab's bridge, reachable from the host namespace and from the
 *     other namespaces unless a fault says otherwise
 */
public record Namespace(int index, String name, String address) {}

package dev.deneb.sandbox.netns;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The named network namespaces and the links of the host namespace, listed and deleted through
 * {@code ip}. Deletion works from what exists (a fresh listing), not from what a lab remembers making,
 * so that it also removes what a half-finished {@code create} or a dead JVM left behind.
 */
final class HostObjects {
  private final CommandRunner runner;
  private final Path ip;

  HostObjects(CommandRunner runner, Path ip) {
    this.runner = runner;
    this.ip = ip;
  }

  /** Names from {@code ip netns list}, whose lines look like "dn1-00n0 (id: 3)" or "dn1-00n0". */
  List<String> namespaces() {
    List<String> names = new ArrayList<>();
    for (String line : runner.run(List.of(ip.toString(), "netns", "list")).split("\n")) {
      String[] tokens = line.trim().split("\\s+");
      if (!tokens[0].isEmpty()) names.add(tokens[0]);
    }
    return names;
  }

  /** Link names of the host namespace, from lines like "9: dn1-00v0@if2: <BROADCAST,...> ...". */
  List<String> links() {
    List<String> names = new ArrayList<>();
    for (String line : runner.run(List.of(ip.toString(), "-o", "link", "show")).split("\n")) {
      String[] fields = line.split(": ", 3);
      if (fields.length < 2) continue;
      String name = fields[1];
      int at = name.indexOf('@');
      names.add(at < 0 ? name : name.substring(0, at));
    }
    return names;
  }

  String routes() {
    return runner.run(List.of(ip.toString(), "-4", "-o", "route", "show", "table", "all"));
  }

  /**
   * Deletes every link, then every namespace, whose name {@code matches}; returns what it deleted.
   * Links go first: deleting the host end of a veth deletes its peer even when a process still holds
   * the namespace (then {@code ip netns del} only unmounts the name, and the namespace lives on, cut
   * off, until that process exits). Every object is tried; failures are thrown at the end, the first
   * with the others suppressed. An object that vanished meanwhile (a veth taken along with its peer)
   * is not a failure.
   */
  List<String> deleteMatching(Predicate<String> matches) {
    List<String> deleted = new ArrayList<>();
    List<RuntimeException> failures = new ArrayList<>();
    // Veths before bridges: not needed by the kernel, but it keeps "ip link" tidy if we stop half-way.
    List<String> links = links().stream().filter(matches)
        .sorted((a, b) -> Boolean.compare(a.endsWith("br"), b.endsWith("br"))).toList();
    for (String link : links) {
      delete(List.of(ip.toString(), "link", "del", link), link, () -> links().contains(link), deleted, failures);
    }
    for (String ns : namespaces().stream().filter(matches).toList()) {
      delete(List.of(ip.toString(), "netns", "del", ns), ns, () -> namespaces().contains(ns), deleted, failures);
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
    return deleted;
  }

  private void delete(List<String> command, String name, BooleanSupplier stillThere, List<String> deleted,
      List<RuntimeException> failures) {
    try {
      runner.run(command);
      deleted.add(name);
    } catch (NetnsCommandException e) {
      try {
        if (stillThere.getAsBoolean()) failures.add(e);
      } catch (RuntimeException listing) {
        e.addSuppressed(listing);
        failures.add(e);
      }
    }
  }
}

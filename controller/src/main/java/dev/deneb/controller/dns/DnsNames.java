package dev.deneb.controller.dns;

import java.util.regex.Pattern;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/** Parsing of the DNS names that configuration and clusters give. */
final class DnsNames {
  private DnsNames() {}

  /** A host name label (RFC 1123), or a leading underscore label such as {@code _epoch}. */
  private static final Pattern LABEL = Pattern.compile("_?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  /**
   * A zone name written with or without the final dot ("deneb.local" and "deneb.local." are the
   * same zone), made absolute; not the root, labels of letters, digits and hyphens.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static Name zone(String text) {
    String s = text.strip();
    String absolute = s.endsWith(".") ? s : s + ".";
    if (absolute.equals(".")) {
      throw new IllegalArgumentException("'" + text + "' is the DNS root; give a zone such as deneb.local");
    }
    for (String label : absolute.substring(0, absolute.length() - 1).split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw new IllegalArgumentException("'" + text + "' is not a DNS zone name: label '" + label
            + "' must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen");
      }
    }
    try {
      return Name.fromString(absolute);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not a DNS zone name: " + e.getMessage());
    }
  }

  /** {@code label.parent}, or empty when label is not a valid DNS label (a cluster name DNS cannot carry). */
  static java.util.Optional<Name> child(String label, Name parent) {
    if (!LABEL.matcher(label).matches()) return java.util.Optional.empty();
    try {
      return java.util.Optional.of(Name.concatenate(Name.fromString(label), parent));
    } catch (TextParseException | org.xbill.DNS.NameTooLongException e) {
      return java.util.Optional.empty();
    }
  }
}

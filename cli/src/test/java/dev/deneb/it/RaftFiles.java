package dev.deneb.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Reads a member's Ratis storage layout ({@code <dataDir>/<group-uuid>/current/log_*}, {@code sm/}). */
final class RaftFiles {
  private RaftFiles() {}

  private static final Pattern SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");

  /** The first log index this member still holds: everything before it was purged. */
  static OptionalLong firstLogIndex(Path dataDir) {
    try (Stream<Path> files = Files.walk(dataDir)) {
      return files.filter(p -> p.getParent() != null && p.getParent().getFileName().toString().equals("current"))
          .map(p -> SEGMENT.matcher(p.getFileName().toString()))
          .filter(Matcher::matches)
          .mapToLong(m -> Long.parseLong(m.group(1)))
          .min();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long snapshotCount(Path dataDir) {
    try (Stream<Path> files = Files.walk(dataDir)) {
      return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

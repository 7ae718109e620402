package dev.deneb.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The highest epoch this agent has seen, kept across restarts (DESIGN S3): a restarted agent must
 * not accept an order from an epoch it had already seen superseded. Written atomically (temp file,
 * fsync, rename).
 */
final class EpochStore {
  private final Path file;

  EpochStore(Path stateDir) throws IOException {
    Files.createDirectories(stateDir);
    this.file = stateDir.resolve("highest-epoch");
  }

  long load() throws IOException {
    if (!Files.exists(file)) return 0;
    String text = Files.readString(file).strip();
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IOException(file + " holds '" + text + "', not an epoch; remove it only if you know this node's history");
    }
  }

  void store(long epoch) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(java.nio.ByteBuffer.wrap((epoch + "\n").getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}

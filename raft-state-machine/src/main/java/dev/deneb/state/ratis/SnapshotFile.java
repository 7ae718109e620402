package dev.deneb.state.ratis;

import dev.deneb.protocol.StateSnapshot;
import dev.deneb.state.DenebState;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.AtomicFileOutputStream;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The snapshot file: the Protobuf {@link StateSnapshot} written atomically (temp file, fsync,
 * rename) with an MD5 file beside it, which Ratis also checks when it ships the snapshot to a
 * lagging follower. No Java serialization: the format is the schema in protocol/.
 */
public final class SnapshotFile {
  private SnapshotFile() {}

  public static SingleFileSnapshotInfo write(File file, DenebState state, TermIndex last) throws IOException {
    try (OutputStream out = new AtomicFileOutputStream(file)) {
      state.toSnapshot().writeTo(out);
    }
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    return new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last);
  }

  /**
   * Reads the file once, checks its MD5 against the expected digest, then parses those same bytes.
   * (Ratis' {@code MD5FileUtil.verifySavedMD5(file, md5)} compares {@code md5} with the stored
   * {@code .md5} file, not with the data, so it cannot be used to check the data.)
   *
   * @param expected the digest Ratis read beside the file, or null to read it here
   */
  public static DenebState read(File file, MD5Hash expected) throws IOException {
    MD5Hash md5 = expected != null ? expected : MD5FileUtil.readStoredMd5ForFile(file);
    if (md5 == null) {
      throw new IOException("snapshot " + file + " has no MD5 file beside it; refusing to load an unchecked snapshot");
    }
    byte[] bytes = Files.readAllBytes(file.toPath());
    MD5Hash actual = MD5Hash.digest(bytes);
    if (!actual.equals(md5)) {
      throw new IOException("snapshot " + file + " is corrupt: its MD5 is " + actual + ", expected " + md5);
    }
    try {
      return DenebState.fromSnapshot(StateSnapshot.parseFrom(bytes));
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("snapshot " + file + " is not a Deneb snapshot: " + e.getMessage(), e);
    }
  }
}

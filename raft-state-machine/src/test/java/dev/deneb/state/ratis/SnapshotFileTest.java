package dev.deneb.state.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.StateSnapshot;
import dev.deneb.state.DenebState;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {
  @TempDir Path dir;

  private static DenebState twoClusters() {
    TreeMap<String, ClusterRecord> m = new TreeMap<>();
    m.put("orders", ClusterRecord.newBuilder().setName("orders").setEpoch(3).setPrimary("db2").build());
    m.put("users", ClusterRecord.newBuilder().setName("users").build());
    return new DenebState(m);
  }

  @Test
  void roundTripsWithTheDigestBesideOrGivenByRatis() throws IOException {
    File file = dir.resolve("snapshot.2_10").toFile();
    SingleFileSnapshotInfo info = SnapshotFile.write(file, twoClusters(), TermIndex.valueOf(2, 10));
    assertThat(info.getTermIndex()).isEqualTo(TermIndex.valueOf(2, 10));
    assertThat(SnapshotFile.read(file, null)).isEqualTo(twoClusters());
    assertThat(SnapshotFile.read(file, info.getFile().getFileDigest())).isEqualTo(twoClusters());
  }

  @Test
  void theEmptyStateRoundTrips() throws IOException {
    File file = dir.resolve("snapshot.1_1").toFile();
    SnapshotFile.write(file, DenebState.EMPTY, TermIndex.valueOf(1, 1));
    assertThat(SnapshotFile.read(file, null)).isEqualTo(DenebState.EMPTY);
  }

  @Test
  void aFlippedByteIsRefusedWhicheverDigestIsUsed() throws IOException {
    File file = dir.resolve("snapshot.2_10").toFile();
    SingleFileSnapshotInfo info = SnapshotFile.write(file, twoClusters(), TermIndex.valueOf(2, 10));
    byte[] bytes = Files.readAllBytes(file.toPath());
    bytes[3] ^= 0x01; // inside the first cluster name: would still parse, as another state
    Files.write(file.toPath(), bytes);
    assertThatThrownBy(() -> SnapshotFile.read(file, null))
        .isInstanceOf(IOException.class).hasMessageContaining(file.toString()).hasMessageContaining("corrupt");
    assertThatThrownBy(() -> SnapshotFile.read(file, info.getFile().getFileDigest()))
        .isInstanceOf(IOException.class).hasMessageContaining(file.toString());
  }

  @Test
  void aTruncatedFileIsRefused() throws IOException {
    File file = dir.resolve("snapshot.2_10").toFile();
    SnapshotFile.write(file, twoClusters(), TermIndex.valueOf(2, 10));
    byte[] bytes = Files.readAllBytes(file.toPath());
    Files.write(file.toPath(), java.util.Arrays.copyOf(bytes, bytes.length - 1));
    assertThatThrownBy(() -> SnapshotFile.read(file, null)).isInstanceOf(IOException.class).hasMessageContaining(file.toString());
  }

  @Test
  void aMissingDigestIsRefused() throws IOException {
    File file = dir.resolve("snapshot.2_10").toFile();
    SnapshotFile.write(file, twoClusters(), TermIndex.valueOf(2, 10));
    Files.delete(Path.of(file + ".md5"));
    assertThatThrownBy(() -> SnapshotFile.read(file, null))
        .isInstanceOf(IOException.class).hasMessageContaining(file.toString()).hasMessageContaining("MD5");
  }

  @Test
  void aWrongDigestIsRefused() throws IOException {
    File file = dir.resolve("snapshot.2_10").toFile();
    SnapshotFile.write(file, twoClusters(), TermIndex.valueOf(2, 10));
    MD5Hash other = MD5Hash.digest(new byte[] {1, 2, 3});
    assertThatThrownBy(() -> SnapshotFile.read(file, other)).isInstanceOf(IOException.class).hasMessageContaining(file.toString());
  }

  @Test
  void bytesThatAreNotASnapshotAreRefusedEvenWithAMatchingDigest() throws IOException {
    File file = dir.resolve("snapshot.2_10").toFile();
    Files.write(file.toPath(), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    MD5FileUtil.computeAndSaveMd5ForFile(file);
    assertThatThrownBy(() -> SnapshotFile.read(file, null))
        .isInstanceOf(IOException.class).hasMessageContaining(file.toString()).hasMessageContaining("not a Deneb snapshot");
  }

  @Test
  void aSnapshotHoldingAClusterTwiceIsRefused() throws IOException {
    File file = dir.resolve("snapshot.2_10").toFile();
    ClusterRecord orders = ClusterRecord.newBuilder().setName("orders").build();
    Files.write(file.toPath(), StateSnapshot.newBuilder().addClusters(orders).addClusters(orders).build().toByteArray());
    MD5FileUtil.computeAndSaveMd5ForFile(file);
    assertThatThrownBy(() -> SnapshotFile.read(file, null))
        .isInstanceOf(IOException.class).hasMessageContaining(file.toString()).hasMessageContaining("twice");
  }
}

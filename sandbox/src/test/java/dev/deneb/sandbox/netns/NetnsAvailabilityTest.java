package dev.deneb.sandbox.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The availability check on made-up environments: no namespace is created, so these run anywhere. */
class NetnsAvailabilityTest {
  /** uid 0 with every capability, as /proc/self/status shows it. */
  private static final String ROOT = "Name:\tjava\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n";
  private static final String USER = "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\n";
  /** Root in a container that dropped CAP_SYS_ADMIN (bit 21) but kept CAP_NET_ADMIN (bit 12). */
  private static final String ROOT_WITHOUT_SYS_ADMIN = "Uid:\t0\t0\t0\t0\nCapEff:\t00000000a80435fb\n";

  @TempDir Path dir;

  @Test
  void rootWithBothBinariesOnPathIsAvailable() throws IOException {
    Path ip = executable("ip");
    Path nft = executable("nft");

    assertThat(NetnsAvailability.check(Map.of("PATH", dir.toString()), ROOT)).isEqualTo(new NetnsAvailability.Available(ip, nft));
  }

  @Test
  void theEnvironmentVariablesNameTheBinaries() throws IOException {
    Path ip = executable("my-ip");
    Path nft = executable("my-nft");

    assertThat(NetnsAvailability.check(Map.of("DENEB_IP", ip.toString(), "DENEB_NFT", nft.toString(), "PATH", ""), ROOT))
        .isEqualTo(new NetnsAvailability.Available(ip, nft));
  }

  @Test
  void aWrongVariableIsAReasonNotAFallback() throws IOException {
    executable("nft");
    NetnsAvailability result = NetnsAvailability.check(Map.of("DENEB_NFT", "/nonexistent/nft", "PATH", dir.toString()), ROOT);

    assertThat(result).isInstanceOf(NetnsAvailability.Unavailable.class);
    assertThat(((NetnsAvailability.Unavailable) result).reason()).contains("DENEB_NFT=/nonexistent/nft is not an executable file")
        .contains("apt-get install nftables");
  }

  @Test
  void aUserWithoutCapabilitiesIsToldWhy() throws IOException {
    executable("ip");
    executable("nft");

    NetnsAvailability result = NetnsAvailability.check(Map.of("PATH", dir.toString()), USER);

    assertThat(result.isAvailable()).isFalse();
    assertThat(((NetnsAvailability.Unavailable) result).reason())
        .startsWith("not root (uid 1000): network namespaces need CAP_NET_ADMIN");
    assertThatThrownBy(result::require).isInstanceOf(IllegalStateException.class).hasMessageContaining("not root");
  }

  @Test
  void rootWithoutSysAdminAndWithoutNftGetsBothReasons() throws IOException {
    executable("ip");

    // DENEB_NFT names a missing file: nft is then missing whatever /usr/sbin holds on this machine.
    Map<String, String> env = Map.of("PATH", dir.toString(), "DENEB_NFT", dir.resolve("nft").toString());
    NetnsAvailability result = NetnsAvailability.check(env, ROOT_WITHOUT_SYS_ADMIN);

    assertThat(((NetnsAvailability.Unavailable) result).reason()).contains("root but without CAP_SYS_ADMIN").contains("DENEB_NFT=");
  }

  @Test
  void withoutProcThereIsNoLinux() {
    NetnsAvailability result = NetnsAvailability.check(Map.of(), null);

    assertThat(((NetnsAvailability.Unavailable) result).reason()).contains("need Linux");
  }

  private Path executable(String name) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}

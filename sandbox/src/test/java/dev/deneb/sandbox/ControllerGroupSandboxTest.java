package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What can be checked without a running controller; the lead's integration tests start real groups. */
class ControllerGroupSandboxTest {

  @TempDir Path dir;

  @Test
  void aLeaderCountsOnlyWhenAMajorityOfTheWholeGroupNamesItAndItAgrees() {
    ControllerView c1 = new ControllerView("c1", "LEADER", 2, "c1", 10);
    ControllerView c2 = new ControllerView("c2", "FOLLOWER", 2, "c1", 10);
    ControllerView c3 = new ControllerView("c3", "FOLLOWER", 2, "c1", 9);
    ControllerView c2Lost = new ControllerView("c2", "CANDIDATE", 3, null, 10);

    assertThat(ControllerGroupSandbox.agreedLeader(3, List.of(c1, c2, c3))).contains("c1");
    assertThat(ControllerGroupSandbox.agreedLeader(3, List.of(c1, c2))).contains("c1");
    assertThat(ControllerGroupSandbox.agreedLeader(5, List.of(c1, c2))).isEmpty();
    assertThat(ControllerGroupSandbox.agreedLeader(3, List.of(c1, c2Lost))).isEmpty();
    // Followers still name a leader that is frozen or dead: not ready until it answers as leader.
    assertThat(ControllerGroupSandbox.agreedLeader(3, List.of(c2, c3))).isEmpty();
  }

  @Test
  void writesOneConfigPerMemberWithDistinctPorts() throws IOException {
    try (ControllerGroupSandbox group = ControllerGroupSandbox.create(3, dir, ControllerGroupOptions.defaults())) {
      assertThat(group.memberIds()).containsExactly("c1", "c2", "c3");
      assertThat(group.endpoints()).hasSize(3).doesNotHaveDuplicates();
      for (String id : group.memberIds()) {
        ControllerMember member = group.member(id);
        assertThat(member.raftPort()).isNotEqualTo(member.httpPort());
        assertThat(Files.readString(member.config())).contains("id: '" + id + "'").contains(member.dataDir().toString());
        assertThat(member.dataDir()).isDirectory();
        assertThat(group.logOf(id)).isEqualTo(dir.toAbsolutePath().resolve(id).resolve("controller.log"));
      }
      assertThatThrownBy(() -> group.kill("c1")).hasMessage("controller c1 was never started");
      assertThatThrownBy(() -> group.member("c9")).hasMessage("no controller member 'c9'; members are [c1, c2, c3]");
    }
  }

  @Test
  void onlyOneThreeOrFiveMembers() {
    assertThatThrownBy(() -> ControllerGroupSandbox.create(2, dir, ControllerGroupOptions.defaults()))
        .hasMessage("a controller group has 1, 3 or 5 members, not 2");
  }

  @Test
  void aGroupWithNoMemberRunningFailsFastInsteadOfWaiting() throws IOException {
    try (ControllerGroupSandbox group = ControllerGroupSandbox.create(1, dir, ControllerGroupOptions.defaults())) {
      assertThatThrownBy(group::awaitLeader)
          .hasMessage("no leader possible: only 0 of 1 controllers run, a majority is 1; c1: not started");
    }
  }

  @Test
  void lastLineOfALogSkipsTrailingBlankLines() throws IOException {
    Path log = dir.resolve("x.log");
    Files.writeString(log, "first\nerror: config c1.yaml: id is required\n\n");

    assertThat(ControllerGroupSandbox.lastLine(log)).isEqualTo("error: config c1.yaml: id is required");
  }
}

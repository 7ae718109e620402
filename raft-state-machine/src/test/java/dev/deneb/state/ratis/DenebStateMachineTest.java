package dev.deneb.state.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.protocol.BeginWorkflow;
import dev.deneb.protocol.BootstrapEpoch;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.CreateCluster;
import dev.deneb.protocol.Query;
import dev.deneb.protocol.QueryResult;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.RegisterNode;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.state.ClusterStateMachine;
import dev.deneb.state.DenebState;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ratis adapter without a Raft server: entries are handed to {@code applyTransaction} the way
 * the server's apply thread does, snapshots go to a real {@link RaftStorage} in a temporary directory.
 * The only fake is a {@link RaftServer} proxy that knows its id.
 */
class DenebStateMachineTest {
  private static final RaftGroupId GROUP = RaftGroupId.randomId();

  @TempDir Path dir;

  @Test
  void appliesEntriesPublishesImagesAndAnswersLikeThePureStateMachine() throws Exception {
    try (Member m = started(dir)) {
      List<DenebStateMachine.Image> seen = new ArrayList<>();
      m.sm().addListener(seen::add);

      DenebState expected = DenebState.EMPTY;
      long index = 1;
      for (Command c : setup()) {
        CommandResult r = apply(m.sm(), 2, index++, c);
        var pure = ClusterStateMachine.apply(expected, c, 2);
        assertThat(r).isEqualTo(pure.result());
        expected = pure.state();
      }
      DenebStateMachine.Image image = m.sm().image();
      assertThat(image.state()).isEqualTo(expected);
      assertThat(image.term()).isEqualTo(2);
      assertThat(image.index()).isEqualTo(index - 1);
      assertThat(m.sm().getLastAppliedTermIndex()).isEqualTo(TermIndex.valueOf(2, index - 1));
      assertThat(seen).hasSize(setup().size());
      assertThat(seen.get(seen.size() - 1)).isEqualTo(image);
    }
  }

  @Test
  void theEntryTermFencesOrchestratorCommands() throws Exception {
    try (Member m = started(dir)) {
      long index = applySetup(m.sm(), 2);
      Command decidedInTerm2 = Command.newBuilder().setBeginWorkflow(BeginWorkflow.newBuilder()
          .setCluster("orders").setKind(WorkflowKind.FAILOVER).setExpectedEpoch(1).setTerm(2)).build();
      CommandResult late = apply(m.sm(), 3, ++index, decidedInTerm2);
      assertThat(late.getAccepted()).isFalse();
      assertThat(late.getRefusal()).isEqualTo(Refusal.WRONG_TERM);
      assertThat(m.sm().image().state().cluster("orders").orElseThrow().hasWorkflow()).isFalse();
      CommandResult current = apply(m.sm(), 3, ++index, decidedInTerm2.toBuilder()
          .setBeginWorkflow(decidedInTerm2.getBeginWorkflow().toBuilder().setTerm(3)).build());
      assertThat(current.getAccepted()).isTrue();
    }
  }

  @Test
  void queriesReadThePublishedImage() throws Exception {
    try (Member m = started(dir)) {
      DenebStateMachine sm = m.sm();
      long index = applySetup(sm, 1);
      QueryResult one = DenebStateMachine.parseQueryResult(
          sm.query(DenebStateMachine.toMessage(Query.newBuilder().setCluster("orders").build())).get());
      assertThat(one.getAppliedIndex()).isEqualTo(index);
      assertThat(one.getClustersList()).containsExactly(sm.image().state().cluster("orders").orElseThrow());
      QueryResult none = DenebStateMachine.parseQueryResult(
          sm.query(DenebStateMachine.toMessage(Query.newBuilder().setCluster("nope").build())).get());
      assertThat(none.getClustersList()).isEmpty();
      QueryResult all = DenebStateMachine.parseQueryResult(
          sm.query(DenebStateMachine.toMessage(Query.newBuilder().setAllClusters(true).build())).get());
      assertThat(all.getClustersList()).hasSize(2);
      assertThat(sm.query(DenebStateMachine.toMessage(Query.getDefaultInstance()))).isCompletedExceptionally();
    }
  }

  @Test
  void aSnapshotIsLoadedOnRestart() throws Exception {
    DenebStateMachine.Image taken;
    long index;
    try (Member m = started(dir)) {
      assertThat(m.sm().takeSnapshot()).as("nothing applied yet").isEqualTo(-1);
      index = applySetup(m.sm(), 4);
      assertThat(m.sm().takeSnapshot()).isEqualTo(index);
      taken = m.sm().image();
    }
    try (Member restarted = started(dir)) {
      assertThat(restarted.sm().image()).isEqualTo(taken);
      assertThat(restarted.sm().getLastAppliedTermIndex()).isEqualTo(TermIndex.valueOf(4, index));
    }
  }

  @Test
  void aCorruptSnapshotStopsTheRestart() throws Exception {
    try (Member m = started(dir)) {
      applySetup(m.sm(), 1);
      m.sm().takeSnapshot();
    }
    File snapshot;
    try (var files = Files.list(dir.resolve(GROUP.getUuid().toString()).resolve("sm"))) {
      snapshot = files.filter(p -> !p.toString().endsWith(".md5")).findFirst().orElseThrow().toFile();
    }
    byte[] bytes = Files.readAllBytes(snapshot.toPath());
    bytes[bytes.length / 2] ^= 0x20;
    Files.write(snapshot.toPath(), bytes);

    assertThatThrownBy(() -> started(dir).close())
        .isInstanceOf(IOException.class).hasMessageContaining(snapshot.getName()).hasMessageContaining("corrupt");
  }

  @Test
  void pauseAndReinitializeDriveTheLifeCycle() throws Exception {
    try (Member m = started(dir)) {
      DenebStateMachine sm = m.sm();
      applySetup(sm, 1);
      sm.takeSnapshot();
      LifeCycle lc = sm.getLifeCycle();
      // initialize() must leave it RUNNING: Ratis' snapshot install asserts PAUSED after pause(),
      // which only happens from RUNNING (a follower crashed on install while it stayed NEW).
      assertThat(lc.getCurrentState()).isEqualTo(LifeCycle.State.RUNNING);
      DenebStateMachine.Image before = sm.image();
      sm.pause();
      assertThat(lc.getCurrentState()).isEqualTo(LifeCycle.State.PAUSED);
      sm.reinitialize();
      assertThat(lc.getCurrentState()).isEqualTo(LifeCycle.State.RUNNING);
      assertThat(sm.image()).isEqualTo(before);
    }
  }

  @Test
  void startTransactionRejectsACommandWithoutKind() throws Exception {
    try (Member m = started(dir)) {
      RaftClientRequest request = RaftClientRequest.newBuilder()
          .setClientId(ClientId.randomId()).setServerId(RaftPeerId.valueOf("s1")).setGroupId(GROUP).setCallId(1)
          .setMessage(DenebStateMachine.toMessage(Command.getDefaultInstance()))
          .setType(RaftClientRequest.writeRequestType()).build();
      assertThatThrownBy(() -> m.sm().startTransaction(request))
          .isInstanceOf(IOException.class).hasMessageContaining("no kind");
    }
  }

  /** Applies {@link #setup()} as entries 1..n of {@code term}; returns n. */
  private static long applySetup(DenebStateMachine sm, long term) throws Exception {
    long index = 0;
    for (Command c : setup()) apply(sm, term, ++index, c);
    return index;
  }

  private static List<Command> setup() {
    List<Command> log = new ArrayList<>();
    log.add(Command.newBuilder().setCreateCluster(CreateCluster.newBuilder().setCluster("orders")).build());
    log.add(Command.newBuilder().setCreateCluster(CreateCluster.newBuilder().setCluster("users")).build());
    for (String node : List.of("db1", "db2")) {
      log.add(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder()
          .setCluster("orders").setNode(node).setHost("127.0.0.1").setPort(node.equals("db1") ? 3306 : 3307)).build());
    }
    log.add(Command.newBuilder().setBootstrapEpoch(BootstrapEpoch.newBuilder().setCluster("orders").setPrimary("db1"))
        .setAtMillis(1_700_000_000_000L).build());
    return log;
  }

  private static CommandResult apply(DenebStateMachine sm, long term, long index, Command c) throws Exception {
    LogEntryProto entry = LogEntryProto.newBuilder().setTerm(term).setIndex(index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(c.toByteArray())))
        .build();
    TransactionContext trx = TransactionContext.newBuilder()
        .setStateMachine(sm).setServerRole(RaftPeerRole.FOLLOWER).setLogEntry(entry).build();
    Message reply = sm.applyTransaction(trx).get();
    return DenebStateMachine.parseResult(reply);
  }

  /** A state machine over its storage; closing releases the storage lock, as a stopped server would. */
  private record Member(DenebStateMachine sm, RaftStorage storage) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      sm.close();
      storage.close();
    }
  }

  /** A state machine initialized over a real RaftStorage in {@code root} (kept across "restarts"). */
  private static Member started(Path root) throws IOException {
    File groupDir = root.resolve(GROUP.getUuid().toString()).toFile();
    RaftStorage storage = RaftStorage.newBuilder()
        .setDirectory(groupDir)
        .setOption(groupDir.exists() ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
        .setStorageFreeSpaceMin(SizeInBytes.valueOf("1MB"))
        .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION)
        .build();
    storage.initialize();
    DenebStateMachine sm = new DenebStateMachine();
    try {
      sm.initialize(fakeServer(), GROUP, storage);
    } catch (IOException | RuntimeException e) {
      storage.close();
      throw e;
    }
    return new Member(sm, storage);
  }

  private static RaftServer fakeServer() {
    RaftPeerId id = RaftPeerId.valueOf("s1");
    return (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(), new Class<?>[] {RaftServer.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "getId" -> id;
          case "toString" -> "fake RaftServer " + id;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> throw new UnsupportedOperationException("fake RaftServer: " + method.getName());
        });
  }
}

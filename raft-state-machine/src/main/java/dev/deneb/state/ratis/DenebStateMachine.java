package dev.deneb.state.ratis;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.Query;
import dev.deneb.protocol.QueryResult;
import dev.deneb.state.Applied;
import dev.deneb.state.ClusterStateMachine;
import dev.deneb.state.DenebState;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin Ratis adapter over {@link ClusterStateMachine}: parse, apply, publish, snapshot.
 *
 * <p>The state is an immutable {@link DenebState} published through a volatile field together with
 * the log position it reflects ({@link Image}), so queries, HTTP and DNS read without locks.
 *
 * <p>Two Ratis 3.1.3 traps are handled here (see shared/RATIS.md): {@link #getStateMachineStorage()}
 * is overridden, or Ratis replays from index 0 after a snapshot and dies on restart; and
 * {@link #pause()}/{@link #reinitialize()} drive the LifeCycle, or installing a snapshot from the
 * leader crashes a follower.
 */
public class DenebStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(DenebStateMachine.class);

  /** The state and the last log entry it includes; replaced as a whole after every apply. */
  public record Image(DenebState state, long term, long index) {}

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final List<Consumer<Image>> listeners = new CopyOnWriteArrayList<>();
  private volatile Image image = new Image(DenebState.EMPTY, 0, -1);

  public Image image() {
    return image;
  }

  private volatile long snapshotsLoaded;

  /**
   * How many times a snapshot replaced the state (at start, or installed from the leader): readers
   * that follow applied entries one by one must look at everything again when this moves.
   */
  public long snapshotsLoaded() {
    return snapshotsLoaded;
  }

  /** Called on the apply thread after every applied entry; must not block. */
  public void addListener(Consumer<Image> listener) {
    listeners.add(listener);
  }

  /** What was applied and its result, on the apply thread (e.g. which lease renewals were accepted). Must not block. */
  public interface CommandListener {
    void applied(Command command, CommandResult result, Image image);
  }

  private final List<CommandListener> commandListeners = new CopyOnWriteArrayList<>();

  public void addCommandListener(CommandListener listener) {
    commandListeners.add(listener);
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    load(storage.getLatestSnapshot());
    // Nothing in Ratis moves a BaseStateMachine out of NEW; pause() and the snapshot-install path
    // (StateMachineUpdater.reload asserts PAUSED) need it RUNNING first.
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.NEW) {
      lc.transition(LifeCycle.State.STARTING);
      lc.transition(LifeCycle.State.RUNNING);
    }
  }

  @Override
  public void pause() {
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
      lc.transition(LifeCycle.State.PAUSING);
      lc.transition(LifeCycle.State.PAUSED);
    }
  }

  /** Called after the leader installed a snapshot into {@code sm/}: load it, then run again. */
  @Override
  public void reinitialize() throws IOException {
    load(storage.loadLatestSnapshot());
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.PAUSED) {
      lc.transition(LifeCycle.State.STARTING);
      lc.transition(LifeCycle.State.RUNNING);
    }
  }

  private void load(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null) {
      LOG.info("no snapshot found; starting from an empty state and replaying the log");
      return;
    }
    File file = snapshot.getFile().getPath().toFile();
    DenebState state = SnapshotFile.read(file, snapshot.getFile().getFileDigest());
    TermIndex last = snapshot.getTermIndex();
    image = new Image(state, last.getTerm(), last.getIndex());
    snapshotsLoaded++;
    setLastAppliedTermIndex(last);
    LOG.info("loaded snapshot {} at term {} index {}: {} clusters", file.getName(), last.getTerm(), last.getIndex(),
        state.clusters().size());
  }

  /** Rejects what can never apply before it reaches the log. */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    Command command = parseCommand(request.getMessage().getContent());
    if (command.getKindCase() == Command.KindCase.KIND_NOT_SET) {
      throw new IOException("command has no kind set");
    }
    return super.startTransaction(request);
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    Command command;
    try {
      command = parseCommand(entry.getStateMachineLogEntry().getLogData());
    } catch (IOException e) {
      // startTransaction parsed it already: a corrupt committed entry means this member cannot go on.
      throw new IllegalStateException("unparseable command at log index " + entry.getIndex(), e);
    }
    Applied applied = ClusterStateMachine.apply(image.state(), command, entry.getTerm());
    Image next = new Image(applied.state(), entry.getTerm(), entry.getIndex());
    image = next;
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    for (CommandListener l : commandListeners) {
      l.applied(command, applied.result(), next);
    }
    for (Consumer<Image> l : listeners) {
      l.accept(next);
    }
    return CompletableFuture.completedFuture(toMessage(applied.result()));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      Query q = Query.parseFrom(request.getContent().asReadOnlyByteBuffer());
      Image current = image;
      QueryResult.Builder result = QueryResult.newBuilder().setAppliedIndex(current.index());
      switch (q.getKindCase()) {
        case CLUSTER -> current.state().cluster(q.getCluster()).ifPresent(result::addClusters);
        case ALL_CLUSTERS -> result.addAllClusters(current.state().clusters().values());
        case KIND_NOT_SET -> throw new IllegalArgumentException("query has no kind set");
      }
      return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(result.build().toByteArray())));
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Runs on the apply thread, so {@link #image} is exactly the last applied entry. */
  @Override
  public long takeSnapshot() throws IOException {
    Image current = image;
    if (current.index() < 0) {
      return -1;
    }
    File file = storage.getSnapshotFile(current.term(), current.index());
    SingleFileSnapshotInfo info = SnapshotFile.write(file, current.state(), TermIndex.valueOf(current.term(), current.index()));
    storage.updateLatestSnapshot(info);
    LOG.info("snapshot written at term {} index {}: {}", current.term(), current.index(), file.getName());
    return current.index();
  }

  public static Command parseCommand(ByteString bytes) throws IOException {
    return Command.parseFrom(bytes.asReadOnlyByteBuffer());
  }

  public static Message toMessage(com.google.protobuf.Message m) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(m.toByteArray()));
  }

  public static CommandResult parseResult(Message reply) throws IOException {
    return CommandResult.parseFrom(reply.getContent().asReadOnlyByteBuffer());
  }

  public static QueryResult parseQueryResult(Message reply) throws IOException {
    return QueryResult.parseFrom(reply.getContent().asReadOnlyByteBuffer());
  }

  public static List<ClusterRecord> clusters(QueryResult r) {
    return r.getClustersList();
  }
}

package dev.deneb.controller.raft;

import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.Query;
import dev.deneb.protocol.QueryResult;
import dev.deneb.state.ratis.DenebStateMachine;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.StateMachineException;

/**
 * Proposes commands and reads through Raft on behalf of the API: every write goes through the log,
 * every default read through ReadIndex. Failures come back as {@link NoQuorumException} (nothing
 * could be committed or confirmed in time) or {@link RejectedCommandException} (the state machine
 * refused to log it).
 */
public final class CommandGateway {
  private final RaftMember member;
  private final Duration timeout;
  private final LongSupplier wallClock;
  private final ExecutorService writers = Executors.newFixedThreadPool(8, r -> {
    Thread t = new Thread(r, "deneb-raft-writer");
    t.setDaemon(true);
    return t;
  });
  /**
   * Agents' acknowledgements and the orchestrator's steps get a lane of their own: a burst of API
   * writes queued on {@link #writers} must never delay a fence ack or a workflow step behind it.
   */
  private final ExecutorService agentLane = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "deneb-raft-agent-lane");
    t.setDaemon(true);
    return t;
  });

  public CommandGateway(RaftMember member, Duration timeout, LongSupplier wallClock) {
    this.member = member;
    this.timeout = timeout;
    this.wallClock = wallClock;
  }

  /** Stamps the command with this member's wall time (recorded, never used to decide) and commits it. */
  public CompletableFuture<CommandResult> submit(Command command) {
    return submit(command, writers);
  }

  /** As {@link #submit}, on the lane reserved for agents' acknowledgements and the orchestrator. */
  public CompletableFuture<CommandResult> submitAgentLane(Command command) {
    return submit(command, agentLane);
  }

  private CompletableFuture<CommandResult> submit(Command command, ExecutorService lane) {
    Command stamped = command.toBuilder().setAtMillis(wallClock.getAsLong()).build();
    // Blocking calls on a small pool rather than Ratis' ordered async API: one failed request in the
    // ordered sliding window failed every later one on this client until restart (seen after a
    // leader kill). API writes are independent of each other and need no ordering.
    return CompletableFuture.supplyAsync(() -> {
          try {
            return member.client().io().send(DenebStateMachine.toMessage(stamped));
          } catch (IOException e) {
            throw new CompletionException(e);
          }
        }, lane)
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((reply, error) -> {
          Message m = unwrap(reply, error, "commit " + stamped.getKindCase());
          try {
            return DenebStateMachine.parseResult(m);
          } catch (IOException e) {
            throw new CompletionException(new IllegalStateException("unreadable command result", e));
          }
        });
  }

  /** A linearizable read served by this member after a ReadIndex round with the leader. */
  public CompletableFuture<QueryResult> read(Query query) {
    return member.client().async().sendReadOnlyUnordered(DenebStateMachine.toMessage(query), member.selfId())
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((reply, error) -> {
          Message m = unwrap(reply, error, "linearizable read");
          try {
            return DenebStateMachine.parseQueryResult(m);
          } catch (IOException e) {
            throw new CompletionException(new IllegalStateException("unreadable query result", e));
          }
        });
  }

  private Message unwrap(RaftClientReply reply, Throwable error, String what) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof TimeoutException) {
      throw new CompletionException(new NoQuorumException("could not " + what + " within " + timeout.toMillis()
          + " ms: no leader with a live majority answered (is a majority of the controller group up and reachable?)"));
    }
    if (cause != null) {
      throw new CompletionException(new NoQuorumException("could not " + what + ": " + describe(cause)));
    }
    if (!reply.isSuccess()) {
      Throwable e = reply.getException();
      if (e instanceof StateMachineException sme) {
        throw new CompletionException(new RejectedCommandException(describe(sme.getCause() != null ? sme.getCause() : sme)));
      }
      throw new CompletionException(new NoQuorumException("could not " + what + ": " + describe(e)));
    }
    return reply.getMessage();
  }

  private static String describe(Throwable t) {
    return t == null ? "unknown error" : t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  /** Nothing could be committed or confirmed: no leader, or no majority behind it, within the timeout. */
  public static final class NoQuorumException extends RuntimeException {
    public NoQuorumException(String message) {
      super(message);
    }
  }

  /** The state machine refused to put the command in the log (it could never apply). */
  public static final class RejectedCommandException extends RuntimeException {
    public RejectedCommandException(String message) {
      super(message);
    }
  }
}

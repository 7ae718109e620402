package dev.deneb.jepsen.history;

/**
 * The durability mode the cluster ran in, which sets what S4 tolerates (DESIGN §2): in
 * {@code SEMI_SYNC} no acknowledged write may be lost; in {@code ASYNC} lost writes are allowed
 * only when the controller reported their GTIDs. Mirrors the protocol's {@code Durability}.
 */
public enum Durability {
  SEMI_SYNC, ASYNC
}

/**
 * Semi-sync durability on the primary: when its agent lets commits go without a replica's
 * acknowledgement (docs/durability.md, "The fallback to async").
 */
package dev.deneb.agent.durability;

/** The node: settings, registries, guardian wiring, checkpoints, metrics, the CLI and the Java API. */
package dev.tributary.runtime;

package dev.tributary.actors.checkpoint;

import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.trainer.Trainer;
import java.io.IOException;

/**
 * Where the stateful roles write and read their own parts of a checkpoint, on the node where they live: the
 * trainer its weights and optimizer state, the replay buffer its contents. The store behind it (a directory every
 * node can reach, in the runtime) checks every part it reads back; the master commits a checkpoint only once every
 * part is written, so a checkpoint is complete or absent.
 */
public interface CheckpointParts {
    /** Checkpoints are off: every call is refused. */
    CheckpointParts NONE = new CheckpointParts() {
        @Override
        public PartReply.Written writeTrainer(int iteration, Trainer.Snapshot snapshot) throws IOException {
            throw off();
        }

        @Override
        public Trainer.Snapshot readTrainer(int iteration) throws IOException {
            throw off();
        }

        @Override
        public PartReply.Written writeReplay(int iteration, ReplayBuffer.Contents contents) throws IOException {
            throw off();
        }

        @Override
        public ReplayBuffer.Contents readReplay(int iteration) throws IOException {
            throw off();
        }

        private IOException off() {
            return new IOException("checkpoints are off (tributary.run.checkpoint-every = 0)");
        }
    };

    /** Writes the trainer's part of checkpoint {@code iteration} durably and says what was written. */
    PartReply.Written writeTrainer(int iteration, Trainer.Snapshot snapshot) throws IOException;

    /** The trainer's part of checkpoint {@code iteration}, checked. */
    Trainer.Snapshot readTrainer(int iteration) throws IOException;

    /** Writes the replay buffer's part of checkpoint {@code iteration} durably and says what was written. */
    PartReply.Written writeReplay(int iteration, ReplayBuffer.Contents contents) throws IOException;

    /** The replay buffer's part of checkpoint {@code iteration}, checked. */
    ReplayBuffer.Contents readReplay(int iteration) throws IOException;
}
